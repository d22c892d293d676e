"""Saved searches and their alerts: one digest per member of what was published since."""
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from exchange.accounts.models import Member
from exchange.accounts.tokens import make_token, read_token
from exchange.core.urls import site_url
from exchange.core.messages import lazy_message
from exchange.errors import DomainError, NotAllowed
from exchange.extensions import db
from exchange.mail import queue_mail
from exchange.matching.models import AlertSent, SavedSearch
from exchange.search import index
from exchange.search.query import SearchQuery, build_filter, parse_query
from exchange.timeutil import utcnow

MAX_SAVED_PER_MEMBER = 50
SEARCHES_PER_REQUEST = 250  # queries per Meilisearch multi-search call
HITS_PER_ALERT = 20
SEARCH_THREADS = 4
# listings can reach the index a little after they are published: look back this far
# (AlertSent keeps a listing from being announced twice)
INDEX_LAG = timedelta(minutes=15)
ALERT_UNSUBSCRIBE_PURPOSE = "alert-unsubscribe"
_IGNORED = {"page", "per_page", "sort"}


def normalise_query(raw: str) -> tuple[str, SearchQuery]:
    """Validate a /search query string and write it back in one canonical form."""
    raw = (raw or "").lstrip("?")
    pairs = [(k, v) for k, v in parse_qsl(raw, keep_blank_values=False) if k not in _IGNORED]
    query = parse_query(MultiDict(pairs))  # raises QueryError (a DomainError)
    args = query.to_args(page=1, sort="relevance")
    canonical = urlencode(sorted((k, v) for k, values in args.items()
                                 for v in (values if isinstance(values, list) else [values])))
    if not canonical:
        raise DomainError(_l("Search for something or choose a filter before saving."),
                          code="empty_search")
    return canonical, query


def save_search(member: Member, name: str, raw_query: str) -> SavedSearch:
    canonical, _query = normalise_query(raw_query)
    name = " ".join((name or "").split())[:100]
    if not name:
        raise DomainError(_l("Give the search a name."), code="name_required")
    existing = db.session.scalar(select(SavedSearch).where(
        SavedSearch.member_id == member.id, SavedSearch.query == canonical))
    if existing is not None:
        existing.name = name
        db.session.flush()
        return existing
    count = db.session.scalar(select(func.count()).select_from(SavedSearch).where(
        SavedSearch.member_id == member.id))
    if count >= MAX_SAVED_PER_MEMBER:
        raise DomainError(lazy_message(_l("You can keep at most %(n)d saved searches."),
                                       n=MAX_SAVED_PER_MEMBER), code="too_many")
    now = utcnow()
    saved = SavedSearch(member_id=member.id, name=name, query=canonical, created_at=now,
                        last_alerted_at=now)
    db.session.add(saved)
    db.session.flush()
    return saved


def delete_search(member: Member, saved_search_id: int) -> None:
    saved = db.session.get(SavedSearch, saved_search_id)
    if saved is None or saved.member_id != member.id:
        raise NotAllowed(_l("This saved search is not yours."), code="not_yours")
    db.session.execute(AlertSent.__table__.delete().where(
        AlertSent.saved_search_id == saved.id))
    db.session.delete(saved)
    db.session.flush()


def searches_of(member_id: int) -> list[SavedSearch]:
    return list(db.session.scalars(select(SavedSearch).where(
        SavedSearch.member_id == member_id).order_by(SavedSearch.created_at.desc(),
                                                     SavedSearch.id.desc())))


def alert_search(saved: SavedSearch, query: SearchQuery, until, business_id, uid) -> dict:
    since = max(saved.created_at, saved.last_alerted_at - INDEX_LAG)
    expression = build_filter(query, now=until)
    expression.append(f"published_at > {since.timestamp():.3f}")
    expression.append(f"published_at <= {until.timestamp():.3f}")
    if business_id:
        expression.append(f"business_id != {int(business_id)}")  # not one's own listings
    return {"indexUid": uid, "q": query.q, "filter": expression, "limit": HITS_PER_ALERT,
            "attributesToRetrieve": ["id", "title", "kind", "province", "sector",
                                     "business_name", "anonymous", "business_verified"],
            "sort": ["published_at:desc"]}


def send_alerts(progress=None, batch: int = SEARCHES_PER_REQUEST) -> dict:
    """Search every saved search for listings published since its last run and queue one
    digest per member. Safe to re-run: each listing is announced once per saved search."""
    started = time.monotonic()
    until = utcnow()
    uid = index.index_name()
    client = index.search_client(background=True)
    figures = {"searches": 0, "mails": 0, "listings": 0}
    member_ids = db.session.scalars(
        select(SavedSearch.member_id).distinct().order_by(SavedSearch.member_id)).all()
    # members in chunks: one multi-search per chunk of saved searches, one commit per chunk
    chunk: list[SavedSearch] = []
    for start in range(0, len(member_ids), 100):
        ids = member_ids[start:start + 100]
        searches = db.session.scalars(
            select(SavedSearch).where(SavedSearch.member_id.in_(ids))
            .order_by(SavedSearch.member_id, SavedSearch.id)).all()
        chunk.extend(searches)
        if len(chunk) >= batch or start + 100 >= len(member_ids):
            _alert_chunk(client, uid, chunk, until, figures)
            if progress:
                progress(len(chunk))
            chunk = []
    figures["seconds"] = time.monotonic() - started
    return figures


def _alert_chunk(client, uid, searches: list[SavedSearch], until, figures) -> None:
    members = {m.id: m for m in db.session.scalars(
        select(Member).where(Member.id.in_({s.member_id for s in searches})))}
    queries, owners = [], []
    for saved in searches:
        try:
            _canonical, query = normalise_query(saved.query)
        except DomainError:
            continue  # a taxonomy value that no longer exists: skip, the member can fix it
        member = members.get(saved.member_id)
        queries.append(alert_search(saved, query, until,
                                    member.business_id if member else None, uid))
        owners.append(saved)
    batches = [queries[start:start + SEARCHES_PER_REQUEST]
               for start in range(0, len(queries), SEARCHES_PER_REQUEST)]
    # Meilisearch answers concurrent multi-searches on several cores
    with ThreadPoolExecutor(max_workers=SEARCH_THREADS) as pool:
        answers = pool.map(lambda batch: client.post(
            "/multi-search", {"queries": batch})["results"], batches)
        results = [result for answer in answers for result in answer]
    found = {saved.id: result["hits"] for saved, result in zip(owners, results)}
    announced = set()
    if any(found.values()):
        announced = set(db.session.execute(
            select(AlertSent.saved_search_id, AlertSent.listing_id).where(
                AlertSent.saved_search_id.in_([s for s, hits in found.items() if hits]))
        ).all())
    per_member: dict[int, list[tuple[SavedSearch, list[dict]]]] = {}
    for saved in owners:
        hits = [hit for hit in found.get(saved.id, ())
                if (saved.id, hit["id"]) not in announced]
        if hits:
            per_member.setdefault(saved.member_id, []).append((saved, hits))
        saved.last_alerted_at = until
    with db.session.no_autoflush:  # one flush at the commit, not one per digest
        _queue_digests(per_member, members, until, figures)
    figures["searches"] += len(searches)
    db.session.commit()


def _queue_digests(per_member, members, until, figures) -> None:
    for member_id, sections in per_member.items():
        member = members.get(member_id)
        if member is None or not member.is_active or not member.is_email_verified:
            continue
        digest = [{
            "name": saved.name,
            "search_link": site_url("search.search") + "?" + saved.query,
            "stop_link": site_url("matching.stop_alert", token=alert_token(saved)),
            "hits": [{**hit, "link": site_url("listings.show", listing_id=hit["id"])}
                     for hit in hits],
        } for saved, hits in sections]
        mail = queue_mail(
            member.email, _l("New listings for your saved searches"), "saved_search_digest",
            dedupe_key=f"alerts:{member.id}:{until.isoformat()}", locale=member.locale,
            member=member, sections=digest,
            manage_link=site_url("matching.saved_searches"))
        for saved, hits in sections:
            for hit in hits:
                db.session.add(AlertSent(saved_search_id=saved.id, listing_id=hit["id"],
                                         mail_id=mail.id if mail is not None else None))
                figures["listings"] += 1
        figures["mails"] += 1


def alert_token(saved: SavedSearch) -> str:
    return make_token(ALERT_UNSUBSCRIBE_PURPOSE, {"s": saved.id, "m": saved.member_id})


def saved_search_from_token(token: str) -> SavedSearch | None:
    """The saved search a signed 'stop this alert' link names (None if already gone)."""
    payload = read_token(ALERT_UNSUBSCRIBE_PURPOSE, token, 400 * 24 * 3600)
    saved = db.session.get(SavedSearch, payload.get("s")) if isinstance(payload, dict) else None
    if saved is not None and saved.member_id != payload.get("m"):
        raise DomainError(_l("This link is not valid."), code="invalid_token")
    return saved


def stop_alert_by_token(token: str) -> SavedSearch | None:
    """Delete the saved search a signed 'stop this alert' link names (None if gone)."""
    saved = saved_search_from_token(token)
    if saved is None:
        return None
    member = db.session.get(Member, saved.member_id)
    delete_search(member, saved.id)
    return saved


def log_figures(figures: dict) -> None:
    current_app.logger.info("alerts: %(searches)d searches, %(mails)d mails", figures)
