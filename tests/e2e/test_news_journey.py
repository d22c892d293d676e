"""An editor writes and schedules an article and an event; they appear at their time, are
found without diacritics in the news tab, the event's .ics opens, and visitors register
until the event is full."""
from datetime import timedelta

from icalendar import Calendar

from exchange.accounts.models import Role
from exchange.content.forms import to_local
from exchange.timeutil import utcnow
from tests.e2e.conftest import picture, poll, sign_in
from tests.factories import make_business, make_listing, make_member, publish

ARTICLE = "Khai mạc Techmart Tây Nguyên 2026: hơn 300 công nghệ được chào bán"
EVENT = "Chợ công nghệ và thiết bị Techmart Tây Nguyên 2026"
DELAY = timedelta(seconds=25)  # far enough ahead to see the pages before it


def _local(value, seconds=True) -> str:
    return to_local(value).strftime("%Y-%m-%dT%H:%M:%S" if seconds else "%Y-%m-%dT%H:%M")


def _tick(app):
    """What `flask exchange tick` does every half minute on a live site."""
    def run():
        from exchange.content.indexing import index_due
        from exchange.effects import drain
        from exchange.extensions import db
        with app.app_context():
            index_due()
            db.session.commit()
            drain()
    return run


def test_news_and_events(app, new_page, tmp_path, shots):
    editor = make_member(business=None, role=Role.EDITOR, full_name="Biên tập viên Ngọc Lan")
    business = make_business(name="Công ty Cơ khí Nông nghiệp Buôn Ma Thuột")
    seller = make_member(business=business)
    shown = publish(make_listing(business, seller,
                                 title="Máy sấy cà phê năng lượng mặt trời 500 kg/mẻ"))

    page = sign_in(new_page(), editor)
    page.goto("/")
    page.click("nav a[href='/editor/']")
    page.get_by_role("link", name="Bài viết mới").click()
    page.select_option("#category", "news")
    page.fill("#title_vi", ARTICLE)
    page.fill("#lead_vi", "Hơn 300 công nghệ, thiết bị của 120 doanh nghiệp được giới thiệu "
                          "tại Buôn Ma Thuột.")
    page.fill("#body_vi", "Sáng nay, **Techmart Tây Nguyên 2026** khai mạc.\n\n"
                          "- 120 doanh nghiệp\n- 300 công nghệ")
    page.fill("#title_en", "Techmart Central Highlands 2026 opens with 300 technologies")
    page.fill("#tags", "techmart, Tây Nguyên")
    page.set_input_files("#cover", str(picture(tmp_path, "khai-mac.jpg", (30, 110, 160))))
    page.locator("#article-form button[type=submit]").click()
    page.wait_for_url("**/editor/articles/*")
    at = utcnow() + DELAY
    page.fill("#publish_at", _local(at))
    page.click("#publish-button")
    assert page.locator("#publishing [data-state=scheduled]").is_visible()

    page.goto("/editor/events/new")
    starts = utcnow() + timedelta(days=14)
    page.select_option("#kind", "techmart")
    page.fill("#title_vi", EVENT)
    page.fill("#description_vi", "Ba ngày kết nối cung cầu công nghệ cho nông nghiệp.")
    page.fill("#starts_at", _local(starts, seconds=False))
    page.fill("#ends_at", _local(starts + timedelta(days=2), seconds=False))
    page.fill("#place", "Trung tâm Hội nghị tỉnh Đắk Lắk, Buôn Ma Thuột")
    page.fill("#organiser", "Sở Khoa học và Công nghệ Đắk Lắk")
    page.fill("#capacity", "2")
    page.fill("#listing_ids", str(shown.id))
    page.locator("#event-form button[type=submit]").click()
    page.wait_for_url("**/editor/events/*")
    page.fill("#publish_at", _local(at))
    page.click("#publish-button")
    assert page.locator("#publishing [data-state=scheduled]").is_visible()

    visitor = new_page()
    visitor.goto("/news")
    assert ARTICLE not in visitor.content()  # not yet its time
    visitor.goto("/events")
    assert EVENT not in visitor.content()

    # its time comes: the pages show it by themselves, the tick sends it to the index
    poll(visitor, "/news", lambda p: p.get_by_text(ARTICLE).count() > 0, seconds=90,
         interval=1.0)
    shots(visitor, "1-news")
    poll(visitor, "/search?tab=news&q=khai+mac+techmart+tay+nguyen",
         lambda p: p.locator("#content-results a", has_text=ARTICLE).count() > 0,
         seconds=60, interval=1.0, between=_tick(app))
    visitor.locator("#content-results a", has_text=ARTICLE).click()
    assert visitor.locator("h1").inner_text() == ARTICLE
    assert visitor.locator("script[type='application/ld+json']").count() == 1

    visitor.goto("/events")
    visitor.get_by_role("link", name=EVENT).click()
    assert visitor.locator("#event-listings").get_by_text(
        "Máy sấy cà phê năng lượng mặt trời 500 kg/mẻ").is_visible()
    shots(visitor, "2-event")
    with visitor.expect_download() as download:
        visitor.click("#ics-link")
    calendar = Calendar.from_ical(open(download.value.path(), "rb").read())
    (item,) = calendar.walk("VEVENT")
    assert str(item["summary"]) == EVENT

    event_url = visitor.url
    for name, email in (("Nguyễn Văn An", "an@htx.example.vn"),
                        ("Trần Thị Bình", "binh@htx.example.vn")):
        visitor.goto(event_url)
        visitor.fill("#name", name)
        visitor.fill("#email", email)
        visitor.fill("#organisation", "HTX Cà phê Ea Tu")
        visitor.locator("#registration button[type=submit]").click()
        assert visitor.locator(".alert-success").is_visible()
    assert visitor.locator("#event-full").is_visible()  # two places, both taken
    assert visitor.locator("#registration form").count() == 0
    shots(visitor, "3-event-full")
