"""Why a pair matched: the shared words per field the matcher searches with, and the
preferences that added to the score, on the listing page and the dashboard."""
import re
from types import SimpleNamespace

from exchange.matching.explain import why_matched
from exchange.taxonomy import fold
from tests.factories import login
from tests.matching.test_matching import DRYER_OFFER, DRYER_REQUEST


def revision(**content):
    base = dict(title="", summary="", keywords=[], description="", description_confidential=False,
                sector=None, category=None, province=None)
    return SimpleNamespace(**{**base, **content})


def test_shared_words_per_field_and_the_preferences_that_applied():
    offer = revision(**DRYER_OFFER)
    request = revision(**DRYER_REQUEST)
    why = why_matched(offer, request)
    fields = dict(why.fields)
    assert {"máy", "sấy", "nông", "năng"} <= set(fields["title"])
    assert {"máy", "sấy", "năng"} <= set(fields["keywords"]) and len(fields["keywords"]) <= 6
    # words that say what kind of listing it is are not reasons ("cần", "mua")
    assert not {"cần", "mua"} & {w for words in fields.values() for w in words}
    # same sector and category; Đắk Lắk and Lâm Đồng share a region, not a province
    assert why.preferences == ("same sector", "same category", "same region")


def test_words_match_without_diacritics_and_nothing_unrelated_is_a_reason():
    why = why_matched(revision(title="May say ca phe"), revision(title="Máy sấy cà phê nhân"))
    assert {fold(word) for word in dict(why.fields)["title"]} == {"may", "say", "ca", "phe"}
    unrelated = why_matched(revision(title="Máy siêu âm tổng quát", sector="health"),
                            revision(title="Dây chuyền ép viên nén", sector="wood"))
    assert not unrelated and unrelated.fields == () and unrelated.preferences == ()


def test_a_confidential_description_is_never_a_reason():
    secret = revision(title="Quy trình lên men", description="enzyme xylanase chủng riêng",
                      description_confidential=True)
    asking = revision(title="Cần quy trình lên men", summary="enzyme xylanase")
    words = {w for _label, found in why_matched(asking, secret).fields for w in found}
    assert "xylanase" not in words and "men" in words
    public = revision(title="Quy trình lên men", description="enzyme xylanase chủng riêng")
    words = {w for _label, found in why_matched(asking, public).fields for w in found}
    assert "xylanase" in words


def test_the_listing_page_and_the_dashboard_say_why(client, post, owner_factory):
    seller = owner_factory()
    offer = post(owner=seller, kind="offer", **DRYER_OFFER)
    request = post(kind="request", **DRYER_REQUEST)
    page = client.get(f"/listings/{request.id}").get_data(as_text=True)
    section = page[page.index('id="listing-matches"'):]
    assert "Vì sao khớp:" in section
    reason = re.search(r'class="small text-muted match-why">(.*?)</div>', section, re.S).group(1)
    assert "tiêu đề" in reason and "sấy" in reason and "cùng ngành" in reason
    login(client, seller)
    dashboard = client.get("/account").get_data(as_text=True)
    part = dashboard[dashboard.index('id="dashboard-matches"'):]
    assert "Vì sao khớp:" in part and "sấy" in part
    assert offer.id and request.id
