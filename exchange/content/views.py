"""Public news and events pages, their feeds, calendar files and event registration."""
from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from exchange.accounts.requirements import can
from exchange.content import feeds, indexing
from exchange.content.forms import RegistrationForm, category_choices, kind_choices
from exchange.content.models import Article, ArticleCategory, Event
from exchange.content.registrations import register as take_place
from exchange.content.sitemap import register_content_sections
from exchange.core.jsonld import json_ld
from exchange.core.urls import site_url
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings.files import file_path
from exchange.listings.models import Listing, StoredFile
from exchange.listings.visibility import find_visible_listing
from exchange.search.index import SearchUnavailable
from exchange.search.tabs import Tab, register_tab
from exchange.timeutil import utcnow

bp = Blueprint("content", __name__)

PER_PAGE = 12
MAX_PAGE = 1000
FEED_ENTRIES = 30


def _locale() -> str:
    return str(get_locale() or "vi")


def _page() -> int:
    raw = request.args.get("page", "1")
    return min(int(raw), MAX_PAGE) if raw.isdigit() and 0 < len(raw) < 6 and int(raw) else 1


def _visible(model, item_id):
    """The item if public now, or for editors in any state (their preview); 404 otherwise."""
    item = db.session.get(model, item_id)
    if item is None or not (item.is_public() or can.edit_content(current_user)):
        abort(404)
    return item


@bp.app_context_processor
def content_helpers():
    return {"category_labels": dict(category_choices()), "event_kind_labels": dict(kind_choices()),
            "localized": lambda item, name: item.localized(name, _locale())}


@bp.route("/news")
def news():
    category = request.args.get("category", "")
    if category and category not in tuple(ArticleCategory):
        abort(404)
    now = utcnow()
    stmt = select(Article).where(Article.public_clause(now))
    if category:
        stmt = stmt.where(Article.category == category)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = _page()
    articles = db.session.scalars(stmt.order_by(Article.publish_at.desc(), Article.id.desc())
                                  .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    pages = max(1, -(-total // PER_PAGE))
    return render_template("content/news.html", articles=articles, category=category,
                           page=page, pages=pages, total=total)


@bp.route("/news/<int:article_id>")
def article(article_id):
    item = _visible(Article, article_id)
    locale = _locale()
    cover_url = site_url("content.cover", article_id=item.id) if item.cover_sha256 else None
    return render_template(
        "content/article.html", article=item, preview=not item.is_public(),
        # a draft has no publication date to describe yet
        json_ld=json_ld(feeds.article_json_ld(item, locale, cover_url))
        if item.is_public() else None,
        shown_locale="en" if locale == "en" and item.has_english() else "vi")


@bp.route("/news/<int:article_id>/cover")
def cover(article_id):
    item = _visible(Article, article_id)
    if not item.cover_sha256 or not file_path(item.cover_sha256).is_file():
        abort(404)
    stored = db.session.get(StoredFile, item.cover_sha256)
    response = send_file(file_path(item.cover_sha256), mimetype=stored.content_type,
                         conditional=True, max_age=300 if item.is_public() else None)
    if not item.is_public():
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/news.atom")
def news_feed():
    articles = db.session.scalars(select(Article).where(Article.public_clause(utcnow()))
                                  .order_by(Article.publish_at.desc(), Article.id.desc())
                                  .limit(FEED_ENTRIES)).all()
    return Response(feeds.news_feed(articles, _locale()),
                    mimetype="application/atom+xml")


def _public_events():
    return select(Event).where(Event.public_clause(utcnow()))


@bp.route("/events")
def events():
    now = utcnow()
    upcoming = db.session.scalars(_public_events().where(Event.ends_at >= now)
                                  .order_by(Event.starts_at, Event.id)).all()
    past = db.session.scalars(_public_events().where(Event.ends_at < now)
                              .order_by(Event.starts_at.desc(), Event.id.desc())
                              .limit(PER_PAGE * 2)).all()
    return render_template("content/events.html", upcoming=upcoming, past=past)


def _shown_listings(event: Event) -> list[Listing]:
    ids = [row.listing_id for row in event.shown_listings]
    if not ids:
        return []
    # the event page is kept for everyone: only what any visitor may see
    listings = [find_visible_listing(listing_id, can.see_public_listing) for listing_id in ids]
    return [listing for listing in listings if listing is not None]


def _event_page(event: Event, form: RegistrationForm, status: int = 200):
    return render_template(
        "content/event.html", event=event, form=form, preview=not event.is_public(),
        listings=_shown_listings(event), is_over=event.ends_at <= utcnow(),
        json_ld=json_ld(feeds.event_json_ld(event, _locale()))), status


@bp.route("/events/<int:event_id>")
def event(event_id):
    return _event_page(_visible(Event, event_id), RegistrationForm())


@bp.route("/events/<int:event_id>/register", methods=["POST"])
def register(event_id):
    item = _visible(Event, event_id)
    form = RegistrationForm()
    if not form.validate_on_submit():
        return _event_page(item, form, 400)
    try:
        take_place(item, form.name.data, form.email.data, form.organisation.data or "",
                   locale=_locale())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _event_page(db.session.get(Event, event_id), form, error.status_code)
    flash(_("You are registered. A confirmation is on its way to your mailbox."), "success")
    return redirect(url_for("content.event", event_id=event_id))


@bp.route("/events/<int:event_id>.ics")
def event_ics(event_id):
    item = _visible(Event, event_id)
    return Response(feeds.event_calendar(item, _locale()), mimetype="text/calendar",
                    headers={"Content-Disposition":
                             f'attachment; filename="event-{item.id}.ics"'})


@bp.route("/events.atom")
def events_feed():
    events = db.session.scalars(_public_events().order_by(Event.publish_at.desc(),
                                                          Event.id.desc())
                                .limit(FEED_ENTRIES)).all()
    return Response(feeds.events_feed(events, _locale()), mimetype="application/atom+xml")


def search_tab():
    """/search?tab=news: articles and events matching the words, read back from the
    database so only what is public now is shown, in the visitor's language."""
    q = request.args.get("q", "").strip()[:200]
    page = _page()
    error, items, total = None, [], 0
    try:
        result = indexing.search(q, page=page, per_page=PER_PAGE)
    except SearchUnavailable:
        error = _("Search is unavailable at the moment. Please try again shortly.")
    else:
        total = result.get("totalHits", 0)
        items = _load_hits(result["hits"])
    pages = max(1, -(-total // PER_PAGE))
    return render_template("content/search.html", q=q, items=items, total=total, page=page,
                           pages=min(pages, MAX_PAGE), error=error)


def _load_hits(hits: list[dict]) -> list:
    now = utcnow()
    wanted = {"article": [], "event": []}
    for hit in hits:
        kind, _, number = hit["id"].partition("-")
        if kind in wanted and number.isdigit():
            wanted[kind].append(int(number))
    found = {}
    for model, kind in ((Article, "article"), (Event, "event")):
        if wanted[kind]:
            for item in db.session.scalars(select(model).where(
                    model.id.in_(wanted[kind]), model.public_clause(now))):
                found[f"{kind}-{item.id}"] = (kind, item)
    return [found[hit["id"]] for hit in hits if hit["id"] in found]


register_tab(Tab(name="news", label=lambda: _("News and events"), view=search_tab))


@bp.record_once
def _sitemap(_state):
    # registered here: the sitemap sections belong to the app, not to importing this module
    register_content_sections()

