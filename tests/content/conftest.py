"""News and events fixtures: an editor, and helpers that write through the services."""
import io
from datetime import timedelta

import pytest
from PIL import Image

from exchange.accounts.models import Role
from exchange.content import services
from exchange.extensions import db
from exchange.timeutil import utcnow
from tests.factories import make_member


@pytest.fixture
def editor(app):
    return make_member(business=None, role=Role.EDITOR, full_name="Biên tập viên Lan")


def png(size=(80, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 30)).save(out, "PNG")
    return out.getvalue()


def make_article(editor, publish_at="now", **values):
    content = {"category": "news", "title_vi": "Hội chợ công nghệ và thiết bị Tây Nguyên",
               "lead_vi": "Hơn 200 gian hàng công nghệ.", "body_vi": "Nội dung **chính**.",
               "tags": "techmart, nông nghiệp", "author_name": "Lan"}
    content.update(values)
    article = services.save_article(None, content, editor.id)
    if publish_at is not None:
        services.publish(article, None if publish_at == "now" else publish_at)
    db.session.commit()
    return article


def make_event(editor, publish_at="now", listing_ids=None, **values):
    now = utcnow()
    content = {"kind": "techmart", "title_vi": "Techmart Đắk Lắk 2026",
               "description_vi": "Chợ công nghệ và thiết bị.",
               "starts_at": now + timedelta(days=7), "ends_at": now + timedelta(days=8),
               "place": "Trung tâm Hội nghị Buôn Ma Thuột", "organiser": "Sở KH&CN Đắk Lắk",
               "capacity": 2}
    content.update(values)
    event = services.save_event(None, content, editor.id, listing_ids=listing_ids)
    if publish_at is not None:
        services.publish(event, None if publish_at == "now" else publish_at)
    db.session.commit()
    return event
