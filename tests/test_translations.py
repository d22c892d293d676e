"""The Vietnamese catalog covers every translatable string in the source, and is compiled."""
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# The same keywords as `make extract-messages` (-k _l -k lazy_gettext).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
SKIPPED_DIRS = {"node_modules", "translations", "tests", "migrations", "instance", "docs"}

PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]")


def placeholders(text):
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


def extract_source_messages():
    """What `pybabel extract -F babel.cfg` finds in the working tree right now."""
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)

    def wanted(dirpath):
        return not set(Path(dirpath).relative_to(ROOT).parts[:1]) & SKIPPED_DIRS

    catalog = Catalog()
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, KEYWORDS, directory_filter=wanted):
        catalog.add(message, None, [(filename, lineno)], context=context)
    return [m for m in catalog if m.id]


def load_po():
    with open(PO_PATH, "rb") as fh:
        return read_po(fh, locale="vi")


def where(message):
    return ", ".join(f"{f}:{n}" for f, n in message.locations[:2])


def test_catalog_header_is_vietnamese():
    catalog = load_po()
    assert str(catalog.locale) == "vi"
    assert catalog.plural_forms == "nplurals=1; plural=0;"


def test_every_source_string_has_a_vietnamese_translation():
    source = extract_source_messages()
    assert len(source) > 100, "extraction found almost nothing; is babel.cfg right?"
    catalog = load_po()
    problems = []
    for message in source:
        entry = catalog.get(message.id, context=message.context)
        label = f"{message.id!r} ({where(message)})"
        if entry is None:
            problems.append(f"missing: {label}")
            continue
        forms = entry.string if isinstance(entry.string, (list, tuple)) else [entry.string]
        if not all(form and form.strip() for form in forms):
            problems.append(f"untranslated: {label}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {label}")
        elif message.pluralizable and not entry.pluralizable:
            problems.append(f"needs a plural entry: {label}")
    assert not problems, (
        f"{len(problems)} string(s) lack a Vietnamese translation; run `make extract-messages` "
        "and translate them in translations/vi/LC_MESSAGES/messages.po:\n  " + "\n  ".join(problems))


def test_translations_keep_the_placeholders():
    problems = []
    for entry in load_po():
        if not entry.id or not entry.string:
            continue
        if entry.pluralizable:
            expected = placeholders(entry.id[1])
            pairs = [(form, expected) for form in entry.string]
        else:
            pairs = [(entry.string, placeholders(entry.id))]
        for form, expected in pairs:
            if form and placeholders(form) != expected:
                problems.append(f"{entry.id!r}: expected {expected}, got {placeholders(form)} "
                                f"in {form!r}")
    assert not problems, "placeholders differ between msgid and msgstr:\n  " + "\n  ".join(problems)


def test_compiled_catalog_is_current():
    assert MO_PATH.exists(), f"{MO_PATH.relative_to(ROOT)} is missing; run `make translations`"
    with open(MO_PATH, "rb") as fh:
        compiled = read_mo(fh)
    stale = [entry.id for entry in load_po()
             if entry.id and entry.string and not entry.fuzzy
             and compiled.get(entry.id, context=entry.context) is None]
    assert not stale, (f"{len(stale)} translation(s) are not in the compiled catalog; run "
                       "`make translations`:\n  " + "\n  ".join(map(repr, stale[:20])))


def test_pages_render_in_vietnamese_by_default_and_english_on_request(client):
    page = client.get("/auth/register").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng ký doanh nghiệp" in page
    assert "Mã số thuế (MST)" in page

    page = client.get("/auth/register?lang=en").get_data(as_text=True)
    assert "Register your business" in page
    assert "Đăng ký doanh nghiệp" not in page
