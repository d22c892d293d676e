"""Canonical and alternate-language addresses of a public page, built from SITE_URL."""
from dataclasses import dataclass

from flask import current_app
from flask_babel import get_locale

from exchange.core.urls import site_url



@dataclass(frozen=True)
class PageLinks:
    canonical: str
    alternates: tuple[tuple[str, str], ...]  # (hreflang, address), x-default last


def _in_language(address: str, language: str) -> str:
    # the default language (Vietnamese) is what a visitor without a session (a crawler)
    # reads at the bare address
    if language == current_app.config["BABEL_DEFAULT_LOCALE"]:
        return address
    return f"{address}{'&' if '?' in address else '?'}lang={language}"


def page_links(endpoint: str, **values) -> PageLinks:
    """The page's address in the language it is shown in, and in each language."""
    address = site_url(endpoint, **values)
    config = current_app.config
    languages, default = config["LANGUAGES"], config["BABEL_DEFAULT_LOCALE"]
    language = str(get_locale() or default).split("_")[0]
    if language not in languages:
        language = default
    alternates = tuple((lang, _in_language(address, lang)) for lang in languages)
    return PageLinks(canonical=_in_language(address, language),
                     alternates=alternates + (("x-default", address),))
