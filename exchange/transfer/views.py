"""CSV downloads: every listing for staff, published listings for other exchanges."""
from datetime import datetime, time

from flask import Blueprint, Response, request, stream_with_context
from flask_babel import lazy_gettext as _l

from exchange.accounts.requirements import can, requires
from exchange.core.messages import lazy_message
from exchange.errors import DomainError
from exchange.listings.forms import local_zone
from exchange.listings.models import Status
from exchange.timeutil import utcnow
from exchange.transfer.exporter import csv_chunks, iter_records

bp = Blueprint("transfer", __name__)


def _csv_response(records, name: str) -> Response:
    stamp = utcnow().astimezone(local_zone()).strftime("%Y%m%d")
    return Response(
        stream_with_context(csv_chunks(records)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"',
                 "Cache-Control": "no-store"},
    )


def _since():
    text = request.args.get("since", "").strip()
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise DomainError(_l("Give the date as YYYY-MM-DD."), code="bad_since") from None
    return datetime.combine(day, time.min, tzinfo=local_zone())


@bp.route("/moderation/export.csv")
@requires(can.moderate)
def staff_export():
    statuses = request.args.getlist("status")
    unknown = set(statuses) - {s.value for s in Status}
    if unknown:
        raise DomainError(lazy_message(_l("Unknown status: %(status)s."),
                                       status=", ".join(sorted(unknown))),
                          code="bad_status")
    return _csv_response(iter_records(statuses, _since()), "listings")


@bp.route("/api/v1/listings.csv")
def public_export():
    records = iter_records(since=_since(), public_only=True, with_contacts=False)
    return _csv_response(records, "published-listings")
