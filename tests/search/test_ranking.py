"""Ranking on the real Meilisearch: business legal-form words, provinces, typos, tie-breaks
and the Vietnamese–English glossary."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.search import glossary
from exchange.search.names import province_names, split_business_name
from exchange.search.rebuild import reindex
from exchange.timeutil import utcnow
from tests.factories import make_business, make_listing, make_member, publish
from tests.helpers import api_ids, settle


def api_total(client, **params) -> int:
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["total"]


@pytest.fixture
def trading_houses(meili, app):
    """Every business is a "Công ty TNHH Thương mại …", as most Vietnamese businesses are."""
    listings = {}
    for name, title, summary in [
        ("Công ty TNHH Thương mại và Dịch vụ Hải Âu", "Máy ép viên mùn cưa",
         "Ép viên nhiên liệu sinh khối."),
        ("CÔNG TY CỔ PHẦN ĐẦU TƯ PHÁT TRIỂN TÂN TIẾN", "Dây chuyền rửa chai thủy tinh",
         "Rửa và tiệt trùng chai."),
        ("Cty TNHH MTV Sản xuất Xuất nhập khẩu Bình Minh", "Robot hàn hồ quang",
         "Hàn MIG cho xưởng kết cấu thép."),
        ("Cong ty TNHH Thuong mai Minh Phat", "Phần mềm quản lý kho", "Quản lý tồn kho."),
        ("Vina Tech JSC", "Cảm biến độ ẩm đất", "Đo độ ẩm cho vườn cà phê."),
        ("Công ty TNHH Hải Sản Biển Đông", "Kho lạnh bảo quản hải sản", "Kho 500 tấn."),
    ]:
        member = make_member(business=make_business(name=name))
        listing = make_listing(member.business, member, title=title, summary=summary,
                               description="", keywords=[], province="ha_noi")
        publish(listing)
        listings[title] = listing.id
    settle(meili)
    return listings


@pytest.mark.parametrize("name, distinctive", [
    ("Công ty TNHH Thương mại và Dịch vụ Hải Âu", "Hải Âu"),
    ("CÔNG TY CỔ PHẦN ĐẦU TƯ PHÁT TRIỂN TÂN TIẾN", "TÂN TIẾN"),
    ("Cty TNHH MTV Sản xuất Xuất nhập khẩu Bình Minh", "Bình Minh"),
    ("Công ty TNHH một thành viên Cơ khí Đông Á", "Cơ khí Đông Á"),
    ("Vina Tech JSC", "Vina Tech"),
    ("Hoa Sen Group Co., Ltd.", "Hoa Sen"),
    ("Công ty CP Tập đoàn Thiên Long", "Thiên Long"),
    ("Công ty Cơ khí Co Khi", "Cơ khí Khi"),
])
def test_legal_form_words_are_split_from_the_distinctive_name(name, distinctive):
    assert split_business_name(name)[0] == distinctive


def test_generic_company_words_do_not_match_every_listing(client, trading_houses):
    for words in ("tn", "tnhh", "cong ty", "công ty", "thuong mai", "dich vu", "cty",
                  "co phan", "xuat nhap khau", "jsc"):
        assert api_total(client, q=words) <= 1, words


def test_the_distinctive_part_of_a_business_name_still_finds_its_listings(client,
                                                                          trading_houses):
    assert api_ids(client, q="hai au")[0] == trading_houses["Máy ép viên mùn cưa"]
    assert api_ids(client, q="Bình Minh")[0] == trading_houses["Robot hàn hồ quang"]


def test_legal_form_words_typed_before_a_name_or_a_title_do_not_hide_it(client,
                                                                         trading_houses):
    # the words are in no searched attribute: left in the query they would crowd out the
    # words that are (a buyer types the name as it stands on a business card)
    assert api_ids(client, q="cong ty tnhh hai au")[0] == trading_houses["Máy ép viên mùn cưa"]
    assert api_ids(client, q="Công ty TNHH Thương mại Bình Minh")[0] == \
        trading_houses["Robot hàn hồ quang"]
    assert api_ids(client, q="thuong mai robot han")[0] == trading_houses["Robot hàn hồ quang"]


def test_listing_text_ranks_above_a_business_name(client, trading_houses):
    # "hải sản" is in one title and in another business's name: the title wins
    ids = api_ids(client, q="hai san")
    assert ids[0] == trading_houses["Kho lạnh bảo quản hải sản"]


@pytest.mark.parametrize("words", ["vinh phuc", "Vĩnh Phúc", "Phú Thọ", "phu tho",
                                   "Hoa Binh"])
def test_a_listing_is_found_by_its_province_current_and_former_names(client, post, words):
    quiet = post(title="Máy phay gỗ CNC", summary="Phay mộng, khoan lỗ.", province="phu_tho",
                 description="", keywords=[])
    elsewhere = post(title="Máy phay gỗ cầm tay", summary="Phay mộng.", province="can_tho",
                     description="", keywords=[])
    ids = api_ids(client, q=words)
    assert quiet.id in ids and elsewhere.id not in ids


def test_the_province_ranks_below_the_listing_text(client, post):
    in_province = post(title="Bơm chìm nước thải", summary="Bơm inox.", province="phu_tho",
                       description="", keywords=[])
    named = post(title="Gạch không nung Phú Thọ", summary="Xưởng ở Việt Trì.",
                 province="ha_noi", description="", keywords=[])
    assert api_ids(client, q="phu tho") == [named.id, in_province.id]


def test_province_names_hold_current_and_former_names():
    assert province_names("phu_tho") == ["Phú Thọ", "Phu Tho", "Vĩnh Phúc", "Vinh Phuc",
                                         "Hòa Bình", "Hoa Binh"]


def test_a_short_word_is_not_read_as_a_typo_of_another(client, post):
    post(title="Viên nén gỗ", summary="Viên nén sinh khối.", description="", keywords=[])
    post(title="Tủ điện công nghiệp", summary="Tủ điện hạ thế.", description="", keywords=[])
    money = post(title="Máy đếm tiền", summary="Đếm tiền giấy.", description="",
                 keywords=[])
    assert api_ids(client, q="tien") == [money.id]


@pytest.mark.parametrize("typo", ["nheit dien", "nhiet dienn", "thuy tinhh", "bao quanr"])
def test_a_typo_in_a_longer_word_still_finds_the_listing(client, post, typo):
    listing = post(title="Máy sấy bảo quản thủy tinh nhiệt điện", summary="Thử lỗi gõ.",
                   description="", keywords=[])
    assert listing.id in api_ids(client, q=typo)


def test_numbers_are_matched_exactly(client, post):
    five = post(title="Máy phay model 20245", summary="Phay.", description="", keywords=[])
    post(title="Máy phay model 20241", summary="Phay.", description="", keywords=[])
    assert api_ids(client, q="20245") == [five.id]


def test_ties_at_one_timestamp_come_out_in_a_stable_order(client, app, post, meili):
    ids = [post(title=f"Bồn chứa inox {n} khối", summary="Bồn.", description="", keywords=[],
                wait=False).id for n in (10, 20, 30)]
    # a bulk import: one timestamp for the whole batch
    db.session.execute(update(Listing).where(Listing.id.in_(ids))
                       .values(published_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    reindex()
    settle(meili)
    first = api_ids(client, q="bon chua inox")
    # the order of the batch (its file), not the length of the titles
    assert first == sorted(ids)
    for _ in range(3):
        assert api_ids(client, q="bon chua inox") == first


def test_glossary_has_at_least_300_pairs():
    pairs = glossary.pairs()
    assert len(pairs) >= 300
    assert ("máy sấy năng lượng mặt trời", "solar dryer") in pairs
    assert all(vi and en for vi, en in pairs)


@pytest.mark.parametrize("words", ["solar dryer", "Solar Dryer"])
def test_english_words_find_vietnamese_listings(client, post, words):
    dryer = post(title="Máy sấy năng lượng mặt trời cho cà phê", summary="Sấy hạt.",
                 description="", keywords=[])
    post(title="Máy khoan bàn", summary="Khoan.", description="", keywords=[])
    assert api_ids(client, q=words)[0] == dryer.id


@pytest.mark.parametrize("words", ["máy sấy năng lượng mặt trời", "may say", "nuoc thai"])
def test_vietnamese_words_find_english_listings(client, post, words):
    dryer = post(title="Solar dryer for coffee beans", summary="Wastewater free drying.",
                 description="", keywords=["wastewater treatment"])
    post(title="Bench drill", summary="Drilling.", description="", keywords=[])
    assert api_ids(client, q=words)[0] == dryer.id


def test_an_existing_index_with_older_settings_is_brought_up_to_date(app, client, post, meili):
    from exchange.search import index

    listing = post(title="Máy đếm tiền", summary="Đếm tiền.", description="", keywords=[])
    live = index.index_name()
    older = {"searchableAttributes": ["title", "keywords", "summary", "description",
                                      "business_name"],
             "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness",
                              "published_at:desc"],
             "typoTolerance": {"minWordSizeForTypos": {"oneTypo": 4, "twoTypos": 8}},
             "synonyms": {}}
    meili.request("PATCH", f"/indexes/{live}/settings", json=older)
    meili.wait_idle()
    index.forget_ready()  # a new process, as after a deploy
    assert listing.id in api_ids(client, q="may dem")
    meili.wait_idle()
    settings = meili.request("GET", f"/indexes/{live}/settings").json()
    assert settings["searchableAttributes"] == index.SEARCHABLE
    assert settings["rankingRules"] == index.RANKING_RULES
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert "máy sấy năng lượng mặt trời" in settings["synonyms"]["solar dryer"]
