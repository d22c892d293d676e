"""Matches on listing pages, the dashboard and the API; mail settings; saved searches."""
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange.accounts.dashboard import DASHBOARD
from exchange.core.panels import add_page_part, panel
from exchange.errors import DomainError
from exchange.extensions import csrf, db
from exchange.listings.visibility import note_listed, publisher_name
from exchange.matching import alerts, listeners, notices, services
from exchange.matching.explain import explainer
from exchange.matching.forms import NotificationSettingsForm, SavedSearchForm
from exchange.search.documents import build_document
from exchange.search.hits import hit_from_document
from exchange.search.views import page_query

bp = Blueprint("matching", __name__)
bp.record_once(listeners.connect)  # match jobs and the drain step


def listing_page_matches(listing) -> dict:
    """A public listing's page: its counterparts, best first, each with why it matched."""
    rows = services.listing_matches(listing)
    note_listed(other for other, _score in rows)
    why = explainer(listing.approved_revision) if rows else None
    return {"listing_matches": [
        (other, score, why(other.approved_revision), publisher_name(other, current_user))
        for other, score in rows]}


def dashboard_matches(member, _page, _gathered) -> dict:
    """The business's matches on the dashboard, each with why it matched."""
    rows = services.matches_for_business(member.business_id)
    explainers = {}
    for row in rows:
        own = row["own"]
        if own.id not in explainers:
            explainers[own.id] = explainer(own.approved_revision)
        row["why"] = explainers[own.id](row["counterpart"].approved_revision)
        row["publisher"] = publisher_name(row["counterpart"], member)
    return {"business_matches": rows}


@panel(bp, "save_search")
def save_search_panel():
    """"Save this search" on /search and category pages, for a signed-in member."""
    query = page_query() if current_user.is_authenticated else None
    if query is None or not (query.q or query.has_filters):
        return ""
    return render_template("matching/_save_search.html", query=query)


add_page_part(bp, "listing", listing_page_matches)
add_page_part(bp, DASHBOARD, dashboard_matches)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notification_settings():
    form = NotificationSettingsForm(match_mail_mode=str(current_user.match_mail_mode))
    if form.validate_on_submit():
        notices.set_match_mail_mode(current_user, form.match_mail_mode.data)
        flash(_("Your notification settings were saved."), "success")
        return redirect(url_for(".notification_settings"))
    return render_template("matching/notifications.html", form=form,
                           saved=alerts.searches_of(current_user.id))


@bp.route("/account/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # one-click (RFC 8058) POSTs from mail clients carry the signed token only
def unsubscribe(token):
    """The signed link names the member, no sign-in needed. Opening it asks for one click
    (mail scanners open links); the POST, from that page or a mail client, acts."""
    try:
        member = notices.member_from_unsubscribe_token(token)
    except DomainError as exc:
        return render_template("matching/unsubscribed.html", error=exc.message), 400
    if request.method == "GET":
        return render_template("matching/unsubscribe_confirm.html", stopped_alert=False)
    notices.set_match_mail_mode(member, "off")
    return render_template("matching/unsubscribed.html", error=None, member=member)


@bp.route("/account/saved-searches/stop/<token>", methods=["GET", "POST"])
@csrf.exempt
def stop_alert(token):
    if request.method == "GET":
        try:
            saved = alerts.saved_search_from_token(token)
        except DomainError as exc:
            return render_template("matching/unsubscribed.html", error=exc.message), 400
        return render_template("matching/unsubscribe_confirm.html", stopped_alert=True,
                               saved=saved)
    try:
        saved = alerts.stop_alert_by_token(token)
    except DomainError as exc:
        return render_template("matching/unsubscribed.html", error=exc.message), 400
    return render_template("matching/unsubscribed.html", error=None, saved=saved,
                           stopped_alert=True)


@bp.route("/account/saved-searches", methods=["GET", "POST"])
@login_required
def saved_searches():
    form = SavedSearchForm()
    status = 200
    if request.method == "POST":
        if not form.query.data:
            # a plain form posted from /search carries the search's own fields
            form.query.data = _query_from_fields(request.form)
        if form.validate_on_submit():
            try:
                alerts.save_search(current_user, form.name.data, form.query.data)
            except DomainError as exc:
                db.session.rollback()
                form.name.errors.append(exc.message)
                status = 400
            else:
                flash(_("Search saved. New listings that match it will be emailed to you."),
                      "success")
                return redirect(url_for(".saved_searches"))
        else:
            status = 400
    return render_template("matching/saved_searches.html", form=form,
                           saved=alerts.searches_of(current_user.id)), status


def _query_from_fields(form) -> str:
    from urllib.parse import urlencode
    return urlencode([(key, value) for key in form for value in form.getlist(key)
                      if key not in ("csrf_token", "name", "query")])


@bp.route("/account/saved-searches/<int:saved_id>/delete", methods=["POST"])
@login_required
def delete_saved_search(saved_id):
    alerts.delete_search(current_user, saved_id)
    flash(_("Saved search deleted."), "success")
    return redirect(url_for(".saved_searches"))


@bp.route("/api/v1/listings/<int:listing_id>/matches")
def api_matches(listing_id):
    # api.views reaches the deals' models, whose mappers need every model loaded: imported
    # when the route runs, so that importing matching alone configures no mapper half-way
    from exchange.api.views import hit_json, public_listing

    rows = services.listing_matches(public_listing(listing_id), limit=50)
    return jsonify(listing_id=listing_id, matches=[
        {"score": score, "listing": hit_json(hit_from_document(build_document(other)))}
        for other, score in rows
    ])
