"""The experts' section of the sitemap: approved entries only."""
from sqlalchemy import select

from exchange.directories.models import Expert, ExpertState
from exchange.seo.sitemap import address_of, id_chunks, keyset_rows, register_section


def _approved():
    return select(Expert.id, Expert.updated_at).where(Expert.state == ExpertState.APPROVED)


def _entries(chunk, size):
    address = address_of("directories.expert", "expert_id")
    for expert_id, modified in keyset_rows(Expert.id, _approved(), chunk, size):
        yield address(expert_id), modified


def register_experts_section() -> None:
    register_section("experts", id_chunks(Expert.id, _approved), _entries)
