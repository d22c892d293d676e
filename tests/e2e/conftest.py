"""Browser journeys: the app served on loopback, driven by Debian's Chromium via Playwright."""
import io
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).parents[1] / "_artifacts" / "screenshots"))


@pytest.fixture
def app_overrides(live_port):
    return {"SERVER_NAME": f"127.0.0.1:{live_port}", "SITE_URL": f"http://127.0.0.1:{live_port}",
            "RATELIMIT_ENABLED": False}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make e2e-deps` installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


class Shots:
    """Saves a screenshot per key step of a journey.

    Screenshots asked for by SCREENSHOT_DIR (`make screenshots` writes docs/screenshots,
    which is committed) are reduced to 256 colours: a third of the size, and a page of
    flat colours and text looks the same."""

    def __init__(self, journey):
        self.directory = SCREENSHOT_DIR
        self.journey = journey
        self.compact = "SCREENSHOT_DIR" in os.environ
        self.directory.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, step):
        path = self.directory / f"{self.journey}-{step}.png"
        if not self.compact:
            page.screenshot(path=str(path), full_page=True)
            return
        from PIL import Image
        image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                       dither=Image.Dither.NONE).save(path, optimize=True)


@pytest.fixture
def shots(request):
    return Shots(request.node.name.removeprefix("test_"))


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(locale="vi-VN"):
        context = browser.new_context(base_url=live_server, locale=locale,
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page, member, password=None):
    """Signs in through the login form, as a person would."""
    from tests.factories import PASSWORD
    page.goto("/auth/login")
    page.fill("#email", member.email)
    page.fill("#password", password or PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    return page


def picture(directory, name, colour, size=(640, 420)):
    """A small photo-like image file for upload forms (JPEG or PNG by the name's suffix)."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    width, height = size
    for step in range(0, width, 40):
        draw.line([(step, 0), (step + height // 2, height)], fill=(255, 255, 255), width=6)
    draw.ellipse([width // 3, height // 4, width // 3 + height // 2, height // 4 + height // 2],
                 fill=(250, 200, 40))
    path = directory / name
    image.save(path, quality=85) if name.endswith(".jpg") else image.save(path)
    return path


def poll(page, url, predicate, seconds=15.0, interval=0.25, between=None):
    """Reloads `url` until `predicate(page)` holds; fails after `seconds`. `between` runs
    before each reload (e.g. the periodic jobs a live site runs every half minute)."""
    import time
    deadline = time.monotonic() + seconds
    while True:
        if between is not None:
            between()
        page.goto(url)
        if predicate(page):
            return page
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not reach the expected state in {seconds}s")
        time.sleep(interval)


def periodic_jobs(app):
    """What `flask exchange tick` does on a live site: retry what the request's own drain
    left pending (on a busy machine the index may not have the new listing yet)."""
    def run():
        from exchange.effects import drain
        with app.app_context():
            drain()
    return run


def published_catalogue():
    """A handful of published offers and requests from several provinces, as on a live site."""
    from exchange.effects import drain
    from exchange.extensions import db
    from exchange.listings import lifecycle
    from tests.factories import make_business, make_listing, make_member
    rows = [
        ("Công ty Cơ khí Nông nghiệp Buôn Ma Thuột", "Trần Thị Hoa", "dak_lak", "offer",
         dict(title="Máy sấy nông sản năng lượng mặt trời 500 kg/mẻ", province="dak_lak")),
        ("Công ty TNHH Nhiệt Lạnh Cần Thơ", "Nguyễn Văn Phúc", "can_tho", "offer",
         dict(title="Máy sấy nông sản bơm nhiệt tiết kiệm điện", province="can_tho",
              summary="Máy sấy bơm nhiệt cho lúa, ngô, trái cây; nhiệt độ ổn định 40–70 °C.",
              price_vnd=480_000_000, trl=8, keywords=["máy sấy", "bơm nhiệt"])),
        ("Hợp tác xã Cà phê Cầu Đất", "Lê Minh Đức", "lam_dong", "offer",
         dict(title="Dây chuyền rang xay cà phê đặc sản", province="lam_dong",
              category="equipment", sector="food_processing", price_vnd=1_200_000_000,
              summary="Dây chuyền rang, xay và đóng gói cà phê công suất 200 kg/giờ.",
              keywords=["cà phê", "rang xay"])),
        ("Viện Công nghệ Sinh học Cần Thơ", "Võ Thị Lan", "can_tho", "offer",
         dict(title="Chế phẩm vi sinh xử lý vỏ cà phê thành phân bón", province="can_tho",
              category="technology", sector="biotechnology", price_vnd=None,
              price_negotiable=True, quantity=None, unit=None, trl=7,
              ip_status="patented", transfer_modes=["licence"],
              summary="Quy trình ủ vỏ cà phê bằng chế phẩm vi sinh trong 30 ngày.",
              keywords=["vi sinh", "phân bón", "phụ phẩm"])),
        ("Công ty Điện tử Đà Nẵng", "Hoàng Quốc Bảo", "da_nang", "request",
         dict(title="Cần mua hệ thống giám sát nhiệt độ kho lạnh", province="da_nang",
              category="equipment", sector="electronics_automation", price_vnd=None,
              budget_min_vnd=100_000_000, budget_max_vnd=300_000_000, trl=None,
              summary="Cảm biến không dây và phần mềm cảnh báo cho 4 kho lạnh.",
              keywords=["cảm biến", "kho lạnh", "IoT"])),
    ]
    listings = []
    for business_name, person, province, kind, content in rows:
        member = make_member(business=make_business(name=business_name, province=province),
                             full_name=person)
        listings.append(make_listing(member.business, member, kind=kind, **content))
    for listing in listings:  # approved together so one drain indexes and matches them all
        lifecycle.approve_revision(listing.latest_revision)
    db.session.commit()
    drain()
    return listings
