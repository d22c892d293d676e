"""Search as you type (/search/suggest) and the “did you mean” line of /search."""
import re

import pytest


@pytest.fixture
def titles(post):
    dryer = post(title="Máy sấy nông sản năng lượng mặt trời", summary="Sấy cà phê.",
                 description="", keywords=["máy sấy"], wait=False)
    drill = post(title="Máy khoan CNC 5 trục", summary="Gia công cơ khí.", description="",
                 keywords=["khoan"], wait=False)
    water = post(title="Công nghệ xử lý nước thải thủy sản", summary="Hiếu khí.",
                 description="", keywords=["nước thải"])
    return {"dryer": dryer.id, "drill": drill.id, "water": water.id}


def option_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/listings/(\d+)"', html)]


@pytest.mark.parametrize("typed", ["máy sấy", "may say", "MAY SA", "nang luong"])
def test_suggestions_are_titles_found_without_diacritics(client, titles, typed):
    response = client.get("/search/suggest", query_string={"q": typed, "box": "header"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert option_ids(html)[0] == titles["dryer"]
    assert 'role="option"' in html and 'id="suggest-header-1"' in html
    assert "<mark>" in html


def test_suggestions_are_a_short_list_of_titles_only(client, titles, post):
    for n in range(8):
        post(title=f"Máy đóng gói túi {n}", summary="Đóng gói.", description="", keywords=[],
             wait=n == 7)
    html = client.get("/search/suggest?q=may").get_data(as_text=True)
    assert len(option_ids(html)) == 6
    # the summary is not searched for suggestions
    assert option_ids(client.get("/search/suggest?q=hieu+khi").get_data(as_text=True)) == []


def test_too_short_or_empty_text_suggests_nothing(client, titles):
    for typed in ("", "m", "   "):
        response = client.get("/search/suggest", query_string={"q": typed})
        assert response.status_code == 200 and option_ids(response.get_data(as_text=True)) == []


def test_an_unknown_box_name_is_not_echoed(client, titles):
    html = client.get('/search/suggest?q=may+say&box="><b>x').get_data(as_text=True)
    assert "<b>" not in html and 'id="suggest-box-1"' in html


def test_a_bad_text_is_a_400(client):
    assert client.get("/search/suggest?q=%00").status_code == 400
    assert client.get("/search/suggest?q=" + "a" * 300).status_code == 400


def test_search_boxes_are_comboboxes_that_work_as_plain_forms(client, titles):
    home = client.get("/").get_data(as_text=True)
    for box in ("header", "home"):
        assert f'aria-controls="suggest-{box}"' in home
        assert f'id="suggest-{box}"' in home and 'role="listbox"' in home
        assert f"/search/suggest?box={box}" in home
    assert 'role="combobox"' in home
    assert re.search(r'<form[^>]+action="/search"[^>]+method="get"', home)
    assert "<script>" not in home  # the CSP forbids inline script


def test_did_you_mean_offers_a_near_spelling_that_finds_listings(client, titles):
    # one typo in a 5-letter word is tolerated, so these find the drill directly
    for words in ("khaon+cnc", "khoam"):
        page = client.get(f"/search?q={words}").get_data(as_text=True)
        assert "did-you-mean" not in page
        assert f'href="/listings/{titles["drill"]}"' in page
    page = client.get("/search?q=nuoc+thia").get_data(as_text=True)
    assert f'href="/listings/{titles["water"]}"' in page  # "nuoc" alone still finds it
    page = client.get("/search?q=thia+san").get_data(as_text=True)
    assert "did-you-mean" in page
    # the unknown word takes the indexed spelling; a known word stays as it was typed
    assert re.search(r'class="did-you-mean".*?href="/search\?q=th%E1%BA%A3i\+san">'
                     r'<strong>thải san</strong>', page, re.S)
    follow = client.get("/search?q=thải+san").get_data(as_text=True)
    assert f'href="/listings/{titles["water"]}"' in follow


def test_no_did_you_mean_when_nothing_near_is_indexed(client, titles):
    page = client.get("/search?q=zzyzx+qwv").get_data(as_text=True)
    assert "search-empty" in page and "did-you-mean" not in page


def test_did_you_mean_keeps_the_filters(client, titles):
    page = client.get("/search?q=thia&kind=request").get_data(as_text=True)
    assert "did-you-mean" not in page  # the water listing is an offer: nothing there
    page = client.get("/search?q=thia&kind=offer").get_data(as_text=True)
    assert re.search(r'class="did-you-mean".*?href="/search\?q=th%E1%BA%A3i&amp;kind=offer"',
                     page, re.S)
