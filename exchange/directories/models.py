"""Experts (consultants and intermediary organisations), their services and sectors."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.extensions import db
from exchange.taxonomy import Term, fold
from exchange.timeutil import UTCDateTime, utcnow

# what an expert offers; codes are stable, labels bilingual like the other taxonomies
SERVICES: tuple[Term, ...] = (
    Term("valuation", "Định giá công nghệ", "Technology valuation"),
    Term("brokerage", "Môi giới chuyển giao công nghệ", "Technology brokerage"),
    Term("legal", "Tư vấn pháp lý, sở hữu trí tuệ", "Legal and IP advice"),
    Term("testing", "Thử nghiệm, kiểm định, giám định", "Testing and inspection laboratory"),
    Term("consulting", "Tư vấn kỹ thuật, đổi mới công nghệ", "Technical consulting"),
    Term("financing", "Tư vấn tài chính, quỹ hỗ trợ", "Financing advice"),
)


class ExpertState(StrEnum):
    PENDING = "pending"      # self-registered or edited by its business: awaiting a moderator
    APPROVED = "approved"    # public
    REJECTED = "rejected"


class Expert(db.Model):
    """A directory entry for a business that offers services around technology deals.

    Every entry belongs to a business, so a "request a service" opens an inquiry thread
    with that business's members like any inquiry."""

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # lower-case, without diacritics: "tu van" finds "Tư vấn"
    name_folded: Mapped[str] = mapped_column(String(200), default="")
    province: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[ExpertState] = mapped_column(String(20), default=ExpertState.PENDING,
                                               index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_reason: Mapped[str | None] = mapped_column(Text)

    business = relationship("Business")
    services: Mapped[list["ExpertService"]] = relationship(
        cascade="all, delete-orphan", order_by="ExpertService.service", lazy="selectin")
    sectors: Mapped[list["ExpertSector"]] = relationship(
        cascade="all, delete-orphan", order_by="ExpertSector.sector", lazy="selectin")

    @property
    def is_public(self) -> bool:
        return self.state == ExpertState.APPROVED

    @property
    def service_codes(self) -> list[str]:
        return [row.service for row in self.services]

    @property
    def sector_codes(self) -> list[str]:
        return [row.sector for row in self.sectors]

    def __repr__(self):
        return f"<Expert {self.id} {self.state}>"


class ExpertService(db.Model):
    __tablename__ = "expert_services"

    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), primary_key=True)
    # indexed on its own: the directory filters by service across all experts
    service: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ExpertSector(db.Model):
    __tablename__ = "expert_sectors"

    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), primary_key=True)
    sector: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


@event.listens_for(Expert.name, "set")
def _fold_name(expert, value, _old, _initiator):
    expert.name_folded = fold(value or "")[:200]
