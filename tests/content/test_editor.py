"""Editor pages: writing, cover images, scheduling and archiving through the forms."""
import io
from datetime import timedelta

from click.testing import Result

from exchange.accounts.models import Member, Role
from exchange.content.forms import to_local
from exchange.content.models import Article, Event, State
from exchange.extensions import db
from exchange.timeutil import utcnow
from tests.content.conftest import png
from tests.factories import csrf_token, login, make_member


def _local(value) -> str:
    return to_local(value).strftime("%Y-%m-%dT%H:%M")


def test_editor_writes_an_article_with_a_cover_and_schedules_it(app, client, editor):
    login(client, editor)
    response = client.post("/editor/articles/new", data={
        "csrf_token": csrf_token(client, "/editor/articles/new"), "category": "guide",
        "title_vi": "Hướng dẫn đăng ký chào bán", "lead_vi": "Ba bước.",
        "body_vi": "Bước **một** <script>alert(1)</script>", "title_en": "", "tags": "hướng dẫn",
        "author_name": "Lan", "cover": (io.BytesIO(png()), "bia.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    article = db.session.scalar(db.select(Article))
    assert article.state == State.DRAFT and article.cover_sha256
    assert client.get(f"/news/{article.id}/cover").mimetype == "image/png"

    when = utcnow() + timedelta(hours=2)
    response = client.post(f"/editor/articles/{article.id}/publish", data={
        "csrf_token": csrf_token(client, f"/editor/articles/{article.id}"),
        "publish_at": _local(when)})
    assert response.status_code == 302
    db.session.expire_all()
    article = db.session.get(Article, article.id)
    assert article.state == State.SCHEDULED
    assert abs((article.publish_at - when).total_seconds()) < 60

    page = client.get(f"/news/{article.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    client.post(f"/editor/articles/{article.id}/archive", data={
        "csrf_token": csrf_token(client, f"/editor/articles/{article.id}")})
    assert db.session.get(Article, article.id).state == State.ARCHIVED


def test_a_cover_that_is_not_an_image_is_refused(client, editor):
    login(client, editor)
    response = client.post("/editor/articles/new", data={
        "csrf_token": csrf_token(client, "/editor/articles/new"), "category": "news",
        "title_vi": "Tin có ảnh giả", "cover": (io.BytesIO(b"%PDF-1.4 not an image"), "a.png")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "a.png" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == 0


def test_editor_creates_an_event_and_publishes_it_now(client, editor):
    login(client, editor)
    start = utcnow() + timedelta(days=3)
    response = client.post("/editor/events/new", data={
        "csrf_token": csrf_token(client, "/editor/events/new"), "kind": "training",
        "title_vi": "Tập huấn sở hữu trí tuệ", "description_vi": "Cho doanh nghiệp.",
        "starts_at": _local(start), "ends_at": _local(start + timedelta(hours=4)),
        "place": "", "online_url": "https://meet.example.vn/shtt", "capacity": "30",
        "listing_ids": ""})
    assert response.status_code == 302
    event = db.session.scalar(db.select(Event))
    client.post(f"/editor/events/{event.id}/publish", data={
        "csrf_token": csrf_token(client, f"/editor/events/{event.id}"), "publish_at": ""})
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.state == State.PUBLISHED and event.is_public()
    assert "Tập huấn sở hữu trí tuệ" in client.get("/events").get_data(as_text=True)


def test_an_event_needs_a_place_or_a_link_and_must_end_after_it_starts(client, editor):
    login(client, editor)
    start = utcnow() + timedelta(days=3)
    for extra in ({"place": "", "ends_at": _local(start + timedelta(hours=1))},
                  {"place": "Hà Nội", "ends_at": _local(start - timedelta(hours=1))}):
        response = client.post("/editor/events/new", data={
            "csrf_token": csrf_token(client, "/editor/events/new"), "kind": "workshop",
            "title_vi": "Hội thảo", "starts_at": _local(start), **extra})
        assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_members_and_moderators_cannot_reach_the_editor_pages(client):
    from tests.factories import make_moderator
    for member in (make_member(), make_moderator()):
        login(client, member)
        assert client.get("/editor/").status_code == 403
        client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})


def test_admins_grant_the_editor_role_from_the_cli(app):
    member = make_member(email="bientap@example.vn")
    result: Result = app.test_cli_runner().invoke(
        args=["exchange", "create-editor", "bientap@example.vn"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert member.role == Role.EDITOR and member.is_editor and not member.is_moderator
