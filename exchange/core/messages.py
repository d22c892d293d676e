"""Translated messages that carry values: the translation is trusted, every value is escaped."""
# Flask-Babel's lazy strings have `__html__`, so `_l("“%(name)s” is too long.", name=value)`
# reaches a page as markup with the value inside unescaped, and a flashed lazy string is kept
# in the session as markup too. These two helpers are the only way a translated message
# takes values (tests/security/test_markup.py fails on any other): `message(_("…%(name)s…"),
# name=value)` in views, `lazy_message(_l("…%(name)s…"), name=value)` where the language is
# only known later (forms, domain errors, mail subjects).
from flask_babel.speaklater import LazyString
from markupsafe import Markup


def message(template, **params) -> Markup:
    """`template`, already translated, as markup with each of `params` HTML-escaped."""
    return Markup(str(template)) % params


def _text(template, params) -> str:
    return str(template) % params


class LazyMessage(LazyString):
    """Translated when used: as HTML (in a template, a flashed message, a WTForms error)
    with its values escaped; as plain text (`str()`: a mail subject, a JSON error, a log
    line) with its values as they are, since nothing there reads markup."""

    def __init__(self, template, params):
        super().__init__(_text, template, params)
        self._template, self._params = template, params

    def __html__(self) -> str:
        return str(message(self._template, **self._params))


def lazy_message(template, **params) -> LazyMessage:
    """`template` is a lazy translation (`_l("…")`, without values)."""
    return LazyMessage(template, params)
