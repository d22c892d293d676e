"""What may become markup: translated messages take values only through exchange/core/messages.py,
Markup is built in a few named places, and templates never switch escaping off."""
import ast
import json
import re
from pathlib import Path

from flask import flash, render_template_string, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from exchange.core.messages import LazyMessage, lazy_message, message
from exchange.search.query import QueryError, parse_query

ROOT = Path(__file__).resolve().parents[2]
GETTEXT = {"gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext",
           "lazy_pgettext", "npgettext", "lazy_npgettext", "_", "_l"}
HELPERS = {"message", "lazy_message"}
# the modules that may call Markup(): each escapes what it does not own first
# core/panels.py writes a panel's marker: a registered name and integer arguments only
# (tests/test_panels.py), never request data
MARKUP_MAKERS = {"exchange/core/messages.py", "exchange/search/hits.py",
                 "exchange/listings/markdown.py", "exchange/core/jsonld.py",
                 "exchange/core/panels.py"}
HOSTILE = '<div hx-post="/account/invite" hx-trigger="load">'


def _modules():
    for path in sorted((ROOT / "exchange").rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), str(path))


def _gettext_names(tree) -> set[str]:
    """Names the module binds to Flask-Babel's (or Babel's) translation functions."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
                "flask_babel", "babel"):
            names |= {alias.asname or alias.name for alias in node.names
                      if alias.name in GETTEXT}
    return names


def _helper_names(tree) -> set[str]:
    return {alias.asname or alias.name for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "exchange.core.messages"
            for alias in node.names if alias.name in HELPERS}


def _called(node, names) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in names)


def test_translated_messages_take_values_only_through_the_helpers():
    """`_l("… %(x)s …", x=value)` is markup-safe with the value unescaped; `_(…) % value` and
    `_(…).format(…)` mix text and values the same way. Each of these is refused."""
    problems = []
    for name, tree in _modules():
        gettext, helpers = _gettext_names(tree), _helper_names(tree)
        for node in ast.walk(tree):
            where = f"{name}:{getattr(node, 'lineno', '?')}"
            if _called(node, gettext):
                if node.keywords:
                    problems.append(f"{where}: values passed to {node.func.id}()")
                elif not (node.args and isinstance(node.args[0], ast.Constant)):
                    problems.append(f"{where}: {node.func.id}() of something not a literal")
            elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)
                  and _called(node.left, gettext)):
                problems.append(f"{where}: a translated message formatted with %")
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "format" and _called(node.func.value, gettext)):
                problems.append(f"{where}: a translated message formatted with .format()")
            elif _called(node, helpers) and not (node.args and _called(node.args[0], gettext)):
                problems.append(f"{where}: {node.func.id}() needs a translated template "
                                "(`_(…)` or `_l(…)`) as its first argument")
    assert not problems, "\n".join(problems + [
        "use exchange.core.messages: message(_(\"…%(x)s…\"), x=value) or "
        "lazy_message(_l(\"…%(x)s…\"), x=value)"])


def test_the_walk_sees_the_calls_it_guards():
    """The check above is only worth something if it finds the helpers' calls."""
    calls = sum(1 for _name, tree in _modules() for node in ast.walk(tree)
                if _called(node, _helper_names(tree)))
    assert calls >= 40


def test_markup_is_built_only_where_values_are_escaped_first():
    makers = set()
    for name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Markup":
                makers.add(name)
    assert makers <= MARKUP_MAKERS, f"Markup() outside {sorted(MARKUP_MAKERS)}: " \
                                    f"{sorted(makers - MARKUP_MAKERS)}"


def test_templates_never_switch_escaping_off():
    unsafe = re.compile(r"\|\s*safe\b|autoescape\s+false|Markup\s*\(")
    found = [f"{path.relative_to(ROOT)}:{number}"
             for path in sorted((ROOT / "templates").rglob("*.html"))
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if unsafe.search(line)]
    assert found == []


def test_message_trusts_the_translation_and_escapes_the_values(app):
    with app.test_request_context("/?lang=en"):
        shown = message(_("Invitation sent to %(email)s."), email=HOSTILE)
        assert isinstance(shown, Markup)
        assert shown == f"Invitation sent to {escape(HOSTILE)}."
        assert message(_("Item %(id)d"), id=7) == "Item 7"


def test_lazy_message_is_escaped_as_html_and_plain_as_text(app):
    lazy = lazy_message(_l("Unknown status: %(status)s."), status=HOSTILE)
    assert isinstance(lazy, LazyMessage)
    with app.test_request_context("/?lang=en"):
        assert str(lazy) == f"Unknown status: {HOSTILE}."  # mail subjects, JSON, logs
        assert lazy.__html__() == f"Unknown status: {escape(HOSTILE)}."
        page = render_template_string("<p>{{ m }}</p><p>{{ m ~ '!' }}</p>", m=lazy)
        assert HOSTILE not in page and str(escape(HOSTILE)) in page
    with force_locale("vi"):
        assert HOSTILE in str(lazy) and "Unknown" not in str(lazy)  # translated when used


def test_a_flashed_message_stays_escaped_through_the_session(app):
    """The session keeps anything with __html__ as markup: a flashed lazy string with a raw
    value would come back as raw markup on the next page."""
    serializer = app.session_interface.get_signing_serializer(app)
    with app.test_request_context("/?lang=en"):
        flash(lazy_message(_l("Unknown status: %(status)s."), status=HOSTILE))
        flash(message(_("Invitation sent to %(email)s."), email=HOSTILE))
        cookie = serializer.dumps(dict(session))
    with app.test_request_context("/?lang=en"):
        session.update(serializer.loads(cookie))
        page = render_template_string(
            "{% for m in get_flashed_messages() %}<p>{{ m }}</p>{% endfor %}")
    assert HOSTILE not in page
    assert page.count(str(escape(HOSTILE))) == 2


def test_search_errors_name_the_parameter_as_text(app):
    from werkzeug.datastructures import MultiDict
    with app.test_request_context("/?lang=en"):
        try:
            parse_query(MultiDict({HOSTILE: "x" * 2100}))
        except QueryError as exc:
            error = exc
        html = render_template_string("{{ e }}", e=error.message)
        assert HOSTILE not in html and str(escape(HOSTILE)) in html
        assert HOSTILE in json.loads(app.json.dumps({"m": str(error.message)}))["m"]


def test_templates_translate_with_values_escaped(app):
    """Templates may pass values to `_()`: Jinja's i18n (newstyle, autoescaped) escapes them."""
    with app.test_request_context("/?lang=en"):
        page = render_template_string("{{ _('Invitation sent to %(email)s.', email=v) }}",
                                      v=HOSTILE)
    assert page == f"Invitation sent to {escape(HOSTILE)}."
