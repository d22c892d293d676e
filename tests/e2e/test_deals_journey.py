"""From a request to a counted deal: proposals compared, one selected, two declined, the deal
recorded and confirmed, and the staff find it in this quarter's statistics."""
import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from exchange.deals.models import Deal, Proposal
from exchange.extensions import db
from exchange.listings.forms import local_today
from exchange.listings.models import Listing
from tests.e2e.conftest import sign_in
from tests.factories import make_business, make_listing, make_member, make_moderator, publish


def send_proposal(page, listing_id, price, lead_time, mode, offer_id=None):
    page.goto(f"/listings/{listing_id}")
    page.click("#send-proposal")
    page.wait_for_url(re.compile(r"/proposals/new$"))
    page.fill("#solution", "Máy sấy bơm nhiệt 500 kg/mẻ, lắp đặt và hướng dẫn vận hành "
                           "tại hợp tác xã.")
    if offer_id:
        page.select_option("#offer_id", str(offer_id))
    page.fill("#price", price)
    page.fill("#lead_time_days", str(lead_time))
    page.select_option("#transfer_mode", mode)
    page.fill("#valid_until", local_today().replace(year=local_today().year + 1).isoformat())
    page.fill("#message", "Chúng tôi sẵn sàng khảo sát thực tế.")
    page.click("#proposal-form button[type=submit]")
    page.wait_for_url(re.compile(r"/proposals/\d+$"))


def test_request_to_counted_deal(new_page, smtp, shots):
    today = local_today()
    requester = make_member(business=make_business(name="Hợp tác xã Cà phê Ea Tu",
                                                   province="dak_lak", sector="agriculture"),
                            full_name="Y Bhăm Niê", email="ybham@htxeatu.vn")
    proposers = [
        make_member(business=make_business(name=name, province=province),
                    full_name=person, email=email)
        for name, province, person, email in (
            ("Công ty Cơ khí Nông nghiệp Buôn Ma Thuột", "dak_lak", "Trần Thị Hoa",
             "hoa@cokhibmt.vn"),
            ("Công ty Nhiệt Điện Sạch Miền Trung", "da_nang", "Lê Văn Nam",
             "nam@nhietdiensach.vn"),
            ("Công ty Máy Nông Nghiệp Sài Gòn", "ho_chi_minh", "Phạm Quốc Bảo",
             "bao@maynongnghiep.vn"),
        )]
    offer = publish(make_listing(proposers[0].business, proposers[0], trl=8,
                                 title="Máy sấy cà phê bơm nhiệt 500 kg/mẻ"))
    staff = make_moderator(email="canbo@sokhcn.gov.vn", full_name="Cán bộ Sở KH&CN")

    # the cooperative posts a request with a closing date
    page = sign_in(new_page(), requester)
    page.goto("/listings/new?kind=request")
    page.fill("#title", "Cần mua máy sấy cà phê 500 kg/mẻ cho vụ thu hoạch")
    page.fill("#summary", "Hợp tác xã cần một máy sấy cà phê nhân, công suất 500 kg/mẻ, "
                          "lắp đặt tại Đắk Lắk.")
    page.select_option("#category", "equipment")
    page.select_option("#sector", "agriculture")
    page.select_option("#province", "dak_lak")
    page.fill("#budget_min", "200.000.000")
    page.fill("#budget_max", "300.000.000")
    page.fill("#proposals_close_on", (today + timedelta(days=10)).isoformat())
    page.click("button[name=action][value=submit]")
    page.wait_for_url(re.compile(r"/listings/\d+$"))
    listing_id = int(page.url.rsplit("/", 1)[1])
    publish(db.session.get(Listing, listing_id))  # the review itself has its own journey
    page.reload()
    assert page.locator("#proposals-close").is_visible()
    shots(page, "1-request-published")

    # three businesses answer; the first links its own offer
    for member, price, lead, mode, linked in (
            (proposers[0], "250.000.000", 30, "turnkey", offer.id),
            (proposers[1], "280.000.000", 45, "sale", None),
            (proposers[2], "230.000.000", 90, "sale", None)):
        send_proposal(sign_in(new_page(), member), listing_id, price, lead, mode, linked)
    visitor = new_page()
    visitor.goto(f"/listings/{listing_id}")
    assert visitor.locator("#proposal-count").inner_text() == "3"
    assert "Sài Gòn" not in visitor.locator("#proposal-panel").inner_text()

    # the requester compares them side by side
    page.goto(f"/listings/{listing_id}")
    page.click("#proposal-panel a[href$='/proposals']")
    page.wait_for_url(re.compile(r"/proposals$"))
    page.click("a[href$='sort=price']")
    table = page.locator("#comparison")
    assert table.locator("tbody tr").count() == 3
    first_row = table.locator("tbody tr").first.inner_text()
    assert "Sài Gòn" in first_row  # the cheapest
    winner_row = table.locator("tbody tr", has_text="Buôn Ma Thuột")
    assert "TRL 8" in winner_row.inner_text()
    shots(page, "2-comparison")

    winner_row.locator("button.award").click()
    page.wait_for_load_state()
    for name, reason, text in (("Miền Trung", "price", "Giá vượt ngân sách của hợp tác xã."),
                               ("Sài Gòn", "lead_time", "Cần lắp đặt trước vụ thu hoạch.")):
        row = page.locator("#comparison tbody tr", has_text=name)
        row.locator("details.decline summary").click()
        row.locator("select[name=reason]").select_option(reason)
        row.locator("textarea[name=text]").fill(text)
        row.locator("details.decline button[type=submit]").click()
        page.wait_for_load_state()
    states = {p.business.name: p.state for p in db.session.scalars(select(Proposal))}
    assert sorted(states.values()) == ["awarded", "declined", "declined"]
    shots(page, "3-decided")

    declined = sign_in(new_page(), proposers[2])
    declined.goto("/account/proposals")
    declined.locator("#proposals-sent a").first.click()
    assert "Cần lắp đặt trước vụ thu hoạch." in declined.locator("#decline-reason").inner_text()

    # the winner records the deal, the cooperative confirms it
    winner = sign_in(new_page(), proposers[0])
    winner.goto("/account/proposals")
    winner.locator("#proposals-sent a").first.click()
    winner.click("#record-deal")
    winner.select_option("#kind", "sale")
    winner.fill("#value", "250.000.000")
    winner.fill("#story", "Máy sấy cà phê bơm nhiệt cho Hợp tác xã Ea Tu")
    winner.check("#story_public")
    winner.click("#deal-form button[type=submit]")
    winner.wait_for_url(re.compile(r"/deals/\d+$"))
    deal_url = winner.url

    page.goto(deal_url)
    assert "250.000.000" in page.locator("#deal-value").inner_text()
    page.check("#story_public")
    page.click("#confirm-deal button[type=submit]")
    page.wait_for_load_state()
    deal = db.session.scalars(select(Deal)).one()
    assert deal.state == "confirmed" and deal.value_vnd == 250_000_000

    visitor.goto(f"/businesses/{proposers[0].business_id}")
    assert "1" in visitor.locator("#deals-concluded").inner_text()

    # the staff find it in this quarter's statistics for the request's sector and province
    desk = sign_in(new_page(), staff)
    desk.goto("/moderation/stats")
    desk.select_option("#period", "quarter")
    desk.fill("#year", str(today.year))
    desk.select_option("#quarter", str((today.month - 1) // 3 + 1))
    desk.select_option("#sector", "agriculture")
    desk.select_option("#province", "dak_lak")
    desk.click("#stats-form button[type=submit]")
    desk.wait_for_load_state()
    summary = desk.locator("#stats-summary").inner_text()
    assert "250.000.000" in summary
    assert desk.locator("#chart-deals rect").count() == 1
    shots(desk, "4-statistics")
    with desk.expect_download() as download:
        desk.click("#export-summary-xlsx")
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    values = [row[1] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert 250_000_000 in values
    assert values[8] == 1  # deals concluded
