"""A readable field-by-field diff between two revisions of a listing."""
import difflib
import re
from dataclasses import dataclass, field

from flask_babel import format_date, format_decimal, lazy_gettext as _l

from exchange import taxonomy

FIELD_LABELS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "description": _l("Description"),
    "category": _l("Category"),
    "sector": _l("Sector"),
    "province": _l("Province"),
    "trl": _l("Technology readiness level"),
    "ip_status": _l("IP status"),
    "transfer_modes": _l("Transfer modes"),
    "price_vnd": _l("Price"),
    "budget_min_vnd": _l("Budget from"),
    "budget_max_vnd": _l("Budget up to"),
    "price_negotiable": _l("Price negotiable"),
    "quantity": _l("Quantity"),
    "unit": _l("Unit"),
    "keywords": _l("Keywords"),
    "expires_at": _l("Expires on"),
    "proposals_close_at": _l("Proposals close on"),
    "images": _l("Images"),
    "attachments": _l("Attachments"),
    "description_confidential": _l("Description confidential"),
    "is_anonymous": _l("Published anonymously"),
}
TERMS = {
    "category": taxonomy.CATEGORIES,
    "sector": taxonomy.SECTORS,
    "province": taxonomy.PROVINCES,
    "ip_status": taxonomy.IP_STATUSES,
    "unit": taxonomy.UNITS,
}
WORD_DIFF_FIELDS = ("title", "summary", "keywords", "transfer_modes")
LINE_DIFF_FIELDS = ("description",)
# a word with the spaces before it, so that a replaced phrase reads as one deletion and one
# insertion instead of alternating words and matching spaces
_TOKENS = re.compile(r"\s*\S+|\s+$")


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str
    # (op, text) with op in equal | delete | insert; words for short text, lines for long
    segments: list = field(default_factory=list)
    by_line: bool = False


def display(name, value) -> str:
    """A field's value as a moderator reads it (labels, not codes)."""
    if value is None or value == "" or value == []:
        return "—"
    if name in TERMS:
        return taxonomy.label(TERMS[name], value)
    if name == "transfer_modes":
        return ", ".join(taxonomy.label(taxonomy.TRANSFER_MODES, code) for code in value)
    if name == "keywords":
        return ", ".join(value)
    if name in ("price_vnd", "budget_min_vnd", "budget_max_vnd"):
        return f"{format_decimal(value)} ₫"
    if name in ("price_negotiable", "description_confidential", "is_anonymous"):
        return str(_l("Yes") if value else _l("No"))
    if name == "trl":
        return f"TRL {value}"
    if name in ("expires_at", "proposals_close_at"):
        return format_date(value, "long")
    return str(value)


def _merge(segments: list) -> list:
    merged = []
    for op, text in segments:
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        elif text:
            merged.append((op, text))
    return merged


def _word_segments(old: str, new: str) -> list:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(("insert", "".join(b[j1:j2])))
    return _merge(segments)


def _line_segments(old: str, new: str) -> list:
    segments = []
    for line in difflib.ndiff((old or "").splitlines(), (new or "").splitlines()):
        tag, text = line[:2], line[2:]
        if tag == "  ":
            segments.append(("equal", text))
        elif tag == "- ":
            segments.append(("delete", text))
        elif tag == "+ ":
            segments.append(("insert", text))
    return segments


def _files(revision, kind) -> list:
    # a file made confidential (or public again) is a change the moderator must see
    return [(f"{f.filename} ({_l('confidential')})" if f.is_confidential else f.filename,
             f.sha256) for f in revision.files if f.kind == kind]


def revision_diff(old, new) -> list[FieldChange]:
    """What changed from `old` (the published revision) to `new`; empty when identical."""
    changes = []
    for name in new.CONTENT_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if (name in ("expires_at", "proposals_close_at") and before and after
                and before.date() == after.date()):
            continue
        if before == after or (before in (None, "", []) and after in (None, "", [])):
            continue
        change = FieldChange(name=name, label=str(FIELD_LABELS.get(name, name)),
                             old=display(name, before), new=display(name, after))
        if name in WORD_DIFF_FIELDS:
            change.segments = _word_segments(change.old if before else "",
                                             change.new if after else "")
        elif name in LINE_DIFF_FIELDS:
            change.segments = _line_segments(before or "", after or "")
            change.by_line = True
        changes.append(change)
    for kind, name in (("image", "images"), ("pdf", "attachments")):
        before, after = _files(old, kind), _files(new, kind)
        if before != after:
            changes.append(FieldChange(
                name=name, label=str(FIELD_LABELS[name]),
                old=", ".join(fn for fn, _ in before) or "—",
                new=", ".join(fn for fn, _ in after) or "—",
                segments=[("delete", fn) for fn, sha in before if (fn, sha) not in after]
                + [("insert", fn) for fn, sha in after if (fn, sha) not in before],
                by_line=True,
            ))
    return changes
