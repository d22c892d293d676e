"""/businesses: businesses with a public listing or verified, filtered and searched without
diacritics, each linking to its profile."""
from datetime import timedelta

from exchange.extensions import db
from exchange.timeutil import utcnow
from tests.factories import make_business, make_listing, make_member, publish


def _ids(client, url) -> set[int]:
    import re
    return {int(x) for x in re.findall(r'data-business-id="(\d+)"',
                                       client.get(url).get_data(as_text=True))}


def test_the_directory_lists_businesses_with_public_listings_or_verified(app):
    listed = make_business(name="Công ty Cơ khí Đông Á", verified=False,
                           sector="mechanical_engineering", province="hai_phong")
    publish(make_listing(listed, make_member(business=listed)))
    verified = make_business(name="Viện Công nghệ Sinh học", verified=True,
                             sector="biotechnology")
    hidden = make_business(name="Công ty Chưa Đăng Tin", verified=False)
    make_listing(hidden, make_member(business=hidden))  # waiting for review: not public
    expired_owner = make_business(name="Công ty Tin Hết Hạn", verified=False)
    old = publish(make_listing(expired_owner, make_member(business=expired_owner)))
    old.approved_revision.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()

    client = app.test_client()
    assert _ids(client, "/businesses") == {listed.id, verified.id}
    page = client.get("/businesses").get_data(as_text=True)
    assert f'href="/businesses/{listed.id}"' in page
    assert _ids(client, "/businesses?q=co+khi+dong") == {listed.id}  # no diacritics
    assert _ids(client, "/businesses?q=VIỆN") == {verified.id}
    assert _ids(client, "/businesses?verified=1") == {verified.id}
    assert _ids(client, "/businesses?sector=biotechnology") == {verified.id}
    assert _ids(client, "/businesses?province=hai_phong") == {listed.id}
    assert _ids(client, "/businesses?q=%25") == set()  # LIKE wildcards are plain text
    assert client.get("/businesses?province=nowhere&page=zz").status_code == 200


def test_the_directory_is_paginated(app):
    for n in range(30):
        make_business(name=f"Doanh nghiệp {n:02d}", verified=True)
    client = app.test_client()
    first, second = _ids(client, "/businesses"), _ids(client, "/businesses?page=2")
    assert len(first) == 24 and len(second) == 6 and not first & second
    assert 'href="/businesses?page=2"' in client.get("/businesses").get_data(as_text=True)
