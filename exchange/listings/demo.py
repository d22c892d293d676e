"""Demo offers and requests for `flask exchange seed-demo`, and bulk listings for benchmarks."""
import random
import time
from datetime import timedelta

import click
from sqlalchemy import bindparam, func, insert, select, update

from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.demo_data import (BULK_PRODUCTS, BULK_QUALIFIERS, CHANGES_REQUESTED,
                                         DRAFTS, LISTINGS, PENDING)
from exchange.listings.models import Listing, Revision, RevisionStatus, Status
from exchange.taxonomy import PROVINCES, TRANSFER_MODES, codes
from exchange.timeutil import utcnow

MILLION = 1_000_000
BULK_BATCH = 5_000


def seed_listings(people, count=None) -> int:
    """The hand-written set (once), then, with `count`, generated listings up to `count`."""
    created = _seed_handwritten(people)
    if count:
        created += seed_bulk(people, count)
    return created


def _author_for(people, sector, index):
    pairs = list(zip(people["businesses"], people["members"]))
    same_sector = [pair for pair in pairs if pair[0].sector == sector]
    return (same_sector or pairs)[index % len(same_sector or pairs)]


def _content(entry, now, index) -> dict:
    (kind, category, sector, province, title, summary, specs, keywords, money, trl, ip_status,
     modes, quantity, unit) = entry
    description = "\n".join((summary, "", "**Thông số và điều kiện chính:**", "",
                             *(f"- {line}" for line in specs)))
    content = {
        "title": title, "summary": summary, "description": description,
        "category": category, "sector": sector, "province": province,
        "trl": trl if kind == "offer" else None, "ip_status": ip_status,
        "transfer_modes": list(modes), "price_negotiable": money is None,
        "quantity": quantity, "unit": unit, "keywords": list(keywords),
        "expires_at": now + timedelta(days=120 + (index * 37) % 600),
    }
    if kind == "offer":
        content["price_vnd"] = money * MILLION if money is not None else None
    elif money is not None:
        content["budget_min_vnd"], content["budget_max_vnd"] = (m * MILLION for m in money)
    return content


def _seed_handwritten(people) -> int:
    if db.session.scalar(select(Listing.id).where(Listing.external_id.like("demo-%")).limit(1)):
        return 0
    now = utcnow()
    for index, entry in enumerate(LISTINGS):
        business, member = _author_for(people, entry[2], index)
        listing = lifecycle.create_listing(business.id, member.id, entry[0],
                                           _content(entry, now, index))
        listing.external_id = f"demo-{index}"
        if index in DRAFTS:
            continue
        lifecycle.submit(listing, member.id)
        if index in CHANGES_REQUESTED:
            lifecycle.request_changes(listing.latest_revision, CHANGES_REQUESTED[index])
        elif index not in PENDING:
            lifecycle.approve_revision(listing.latest_revision)
    db.session.flush()
    return len(LISTINGS)


def seed_bulk(people, count: int) -> int:
    """Generated, published listings up to `count` in total ("bench-N"), written with core
    inserts in batches. They skip the index outbox: `flask exchange reindex` indexes them."""
    existing = db.session.scalar(
        select(func.count()).select_from(Listing).where(Listing.external_id.like("bench-%")))
    if existing >= count:
        return 0
    rng = random.Random(existing)
    pairs = [(b.id, m.id) for b, m in zip(people["businesses"], people["members"])]
    provinces, modes = codes(PROVINCES), codes(TRANSFER_MODES)
    listings, revisions = Listing.__table__, Revision.__table__
    now = utcnow()
    started = time.monotonic()
    made = 0
    with click.progressbar(length=count - existing, label="bulk listings") as bar:
        for start in range(existing, count, BULK_BATCH):
            numbers = range(start, min(start + BULK_BATCH, count))
            rows = []
            for n in numbers:
                business_id, member_id = pairs[n % len(pairs)]
                published = now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
                rows.append({
                    "business_id": business_id, "created_by_id": member_id,
                    "kind": "offer" if rng.random() < 0.75 else "request",
                    "status": Status.PUBLISHED.value, "published_at": published,
                    "external_id": f"bench-{n}", "created_at": published,
                    "updated_at": published,
                })
            inserted = db.session.execute(
                insert(listings).returning(listings.c.id, listings.c.external_id,
                                           listings.c.kind, listings.c.created_by_id,
                                           sort_by_parameter_order=True),
                rows,
            ).all()
            revision_rows = [_bulk_revision(rng, row, provinces, modes, now) for row in inserted]
            revision_ids = db.session.execute(
                insert(revisions).returning(revisions.c.id, revisions.c.listing_id,
                                            sort_by_parameter_order=True),
                revision_rows,
            ).all()
            db.session.execute(
                update(listings).where(listings.c.id == bindparam("listing"))
                .values(approved_revision_id=bindparam("revision")),
                [{"listing": listing_id, "revision": revision_id}
                 for revision_id, listing_id in revision_ids],
            )
            db.session.commit()
            made += len(rows)
            bar.update(len(rows))
    elapsed = max(time.monotonic() - started, 1e-6)
    click.echo(f"created {made} bulk listings in {elapsed:.1f}s ({made / elapsed:,.0f}/s); "
               "run `flask exchange reindex` to index them")
    return made


def _bulk_revision(rng, row, provinces, modes, now) -> dict:
    listing_id, external_id, kind, author_id = row
    product, category, sector, unit = rng.choice(BULK_PRODUCTS)
    qualifier = rng.choice(BULK_QUALIFIERS)
    province = rng.choice(provinces)
    number = external_id.split("-", 1)[1]
    verb = "Chào bán" if kind == "offer" else "Cần mua"
    title = f"{verb} {product.lower()} {qualifier} #{number}"
    price = rng.randrange(10, 5000) * MILLION
    negotiable = rng.random() < 0.2
    return {
        "listing_id": listing_id, "number": 1, "status": RevisionStatus.APPROVED.value,
        "author_id": author_id, "title": title,
        "summary": f"{product} {qualifier}, giao tại {province.replace('_', ' ').title()}.",
        "description": f"{product} {qualifier}.\n\n- Bảo hành 12 tháng\n- Hỗ trợ lắp đặt",
        "category": category, "sector": sector, "province": province,
        "trl": rng.randint(4, 9) if kind == "offer" else None,
        "ip_status": "none", "transfer_modes": rng.sample(modes, rng.randint(1, 2)),
        "price_vnd": None if kind != "offer" or negotiable else price,
        "budget_min_vnd": None if kind == "offer" or negotiable else price // 2,
        "budget_max_vnd": None if kind == "offer" or negotiable else price,
        "price_negotiable": negotiable, "quantity": rng.randint(1, 20) if unit else None,
        "unit": unit, "keywords": [product.lower(), qualifier],
        "expires_at": now + timedelta(days=rng.randint(30, 700)),
        "created_at": now, "submitted_at": now, "decided_at": now,
    }
