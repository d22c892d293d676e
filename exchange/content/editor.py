"""Editor pages: list, write, schedule and archive articles and events (editors and admins)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from exchange.accounts.requirements import can, requires
from exchange.content import services
from exchange.content.forms import ActionForm, ArticleForm, EventForm, ScheduleForm, to_local
from exchange.content.forms import to_utc
from exchange.content.models import Article, Event
from exchange.content.views import bp
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings import files
from exchange.timeutil import utcnow

LIST_LIMIT = 200


def _get(model, item_id):
    item = db.session.get(model, item_id)
    if item is None:
        abort(404)
    return item


@bp.route("/editor/")
@requires(can.edit_content)
def editor_home():
    articles = db.session.scalars(select(Article).order_by(Article.updated_at.desc())
                                  .limit(LIST_LIMIT)).all()
    events = db.session.scalars(select(Event).order_by(Event.starts_at.desc())
                                .limit(LIST_LIMIT)).all()
    return render_template("content/editor/index.html", articles=articles, events=events,
                           now=utcnow(), action_form=ActionForm())


def _article_form_page(form, article):
    return render_template("content/editor/article_form.html", form=form, article=article,
                           schedule_form=ScheduleForm(), action_form=ActionForm())


def _save_article(form, article):
    cover = files.present([form.cover.data])
    try:
        prepared = [files.prepare_image(cover[0])] if cover else []
        with files.stored(prepared) as rows:
            article = services.save_article(article, form.values(), current_user.id,
                                            cover_sha256=rows[0].sha256 if rows else None)
    except DomainError as error:
        flash(str(error.message), "error")
        return None
    return article


@bp.route("/editor/articles/new", methods=["GET", "POST"])
@requires(can.edit_content)
def new_article():
    form = ArticleForm(author_name=current_user.full_name)
    if form.validate_on_submit():
        article = _save_article(form, None)
        if article is not None:
            flash(_("Article saved as a draft."), "success")
            return redirect(url_for("content.edit_article", article_id=article.id))
    return _article_form_page(form, None)


@bp.route("/editor/articles/<int:article_id>", methods=["GET", "POST"])
@requires(can.edit_content)
def edit_article(article_id):
    article = _get(Article, article_id)
    form = ArticleForm(obj=article if request.method == "GET" else None)
    if form.validate_on_submit():
        if _save_article(form, article) is not None:
            flash(_("Article saved."), "success")
            return redirect(url_for("content.edit_article", article_id=article.id))
    return _article_form_page(form, article)


def _event_form_page(form, event):
    return render_template("content/editor/event_form.html", form=form, event=event,
                           schedule_form=ScheduleForm(), action_form=ActionForm())


def _save_event(form, event):
    try:
        event = services.save_event(event, form.values(), current_user.id,
                                    listing_ids=form.listing_id_list())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return None
    return event


@bp.route("/editor/events/new", methods=["GET", "POST"])
@requires(can.edit_content)
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        event = _save_event(form, None)
        if event is not None:
            flash(_("Event saved as a draft."), "success")
            return redirect(url_for("content.edit_event", event_id=event.id))
    return _event_form_page(form, None)


@bp.route("/editor/events/<int:event_id>", methods=["GET", "POST"])
@requires(can.edit_content)
def edit_event(event_id):
    event = _get(Event, event_id)
    if request.method == "GET":
        form = EventForm(obj=event)
        form.starts_at.data, form.ends_at.data = to_local(event.starts_at), to_local(event.ends_at)
        form.listing_ids.data = ", ".join(str(row.listing_id) for row in event.shown_listings)
    else:
        form = EventForm()
    if form.validate_on_submit():
        if _save_event(form, event) is not None:
            flash(_("Event saved."), "success")
            return redirect(url_for("content.edit_event", event_id=event.id))
    return _event_form_page(form, event)


def _publish(item, back):
    form = ScheduleForm()
    if not form.validate_on_submit():
        flash(_("Enter the date and time as shown."), "error")
        return redirect(back)
    at = to_utc(form.publish_at.data)
    services.publish(item, at)
    if at is not None and at > utcnow():
        flash(_("Scheduled. It appears on the site at the time you chose."), "success")
    else:
        flash(_("Published."), "success")
    return redirect(back)


def _archive(item, back):
    if not ActionForm().validate_on_submit():
        abort(400)
    services.archive(item)
    flash(_("Archived: it is no longer shown on the site."), "success")
    return redirect(back)


@bp.route("/editor/articles/<int:article_id>/publish", methods=["POST"])
@requires(can.edit_content)
def publish_article(article_id):
    article = _get(Article, article_id)
    return _publish(article, url_for("content.edit_article", article_id=article.id))


@bp.route("/editor/articles/<int:article_id>/archive", methods=["POST"])
@requires(can.edit_content)
def archive_article(article_id):
    article = _get(Article, article_id)
    return _archive(article, url_for("content.edit_article", article_id=article.id))


@bp.route("/editor/events/<int:event_id>/publish", methods=["POST"])
@requires(can.edit_content)
def publish_event(event_id):
    event = _get(Event, event_id)
    return _publish(event, url_for("content.edit_event", event_id=event.id))


@bp.route("/editor/events/<int:event_id>/archive", methods=["POST"])
@requires(can.edit_content)
def archive_event(event_id):
    event = _get(Event, event_id)
    return _archive(event, url_for("content.edit_event", event_id=event.id))
