"""Listing content rules: the limits, parsing and checks that the listing form, the CSV
import (exchange.transfer.csv_format) and renewals apply alike. A refused value raises a
RuleError whose message both show: the form in the member's language, the import's report
in English."""
import calendar
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date, lazy_gettext as _l

from exchange.core.messages import lazy_message
from exchange.listings.lifetimes import lifetime_for
from exchange.timeutil import utcnow

TITLE_MIN, TITLE_MAX = 5, 200
SUMMARY_MAX = 300
DESCRIPTION_MAX = 20000
KEYWORDS_TEXT_MAX = 500  # what the form's keyword field takes, before it is split
KEYWORD_MAX, KEYWORDS_MAX = 50, 20  # characters per keyword, keywords per listing
QUANTITY_MIN, QUANTITY_MAX = 1, 1_000_000_000
TRL_MIN, TRL_MAX = 1, 9
MAX_VND = 10**15
# what people type around the digits of an amount: separators and the currency
MONEY_NOISE = re.compile(r"[\s.,_]|vnd|vnđ|₫|đ", re.IGNORECASE)


class RuleError(ValueError):
    """A value the rules refuse; `message` (a lazy translation) says why, `code` names the
    rule."""

    def __init__(self, message, code: str):
        super().__init__(message)
        self.message, self.code = message, code


# -- amounts -------------------------------------------------------------------------------

def parse_money(text: str | None) -> int | None:
    """VND as digits, with the separators people type (1.500.000, 1 500 000, 1500000 ₫);
    None when nothing is written."""
    digits = MONEY_NOISE.sub("", text or "")
    if not digits:
        return None
    if not digits.isdigit():
        raise RuleError(_l("Enter an amount in VND using digits only, e.g. 150.000.000."),
                        "not_a_number")
    amount = int(digits)
    if amount > MAX_VND:
        raise RuleError(_l("This amount is too large."), "too_large")
    return amount


def check_budget(low: int | None, high: int | None) -> None:
    if low is not None and high is not None and high < low:
        raise RuleError(_l("The upper budget must not be below the lower one."),
                        "budget_order")


# -- quantity ------------------------------------------------------------------------------

def check_unit(quantity: int | None, unit: str | None) -> None:
    if quantity and not unit:
        raise RuleError(_l("Choose the unit of the quantity."), "unit_missing")


# -- keywords ------------------------------------------------------------------------------

def keyword_list(words) -> list[str]:
    """Keywords as kept: each on one line, at most KEYWORD_MAX characters, without
    repeats (whatever their case), at most KEYWORDS_MAX of them."""
    seen, kept = set(), []
    for word in words:
        word = " ".join(word.split())[:KEYWORD_MAX]
        if word and word.lower() not in seen:
            seen.add(word.lower())
            kept.append(word)
    return kept[:KEYWORDS_MAX]


# -- dates ---------------------------------------------------------------------------------

def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))


def local_today() -> date:
    """Today in Vietnam (the clock tests move too): from 17:00 UTC it is already tomorrow."""
    return utcnow().astimezone(local_zone()).date()


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def default_expiry(category: str | None = None) -> date:
    """The expiry a new listing of `category` gets when the owner does not choose one."""
    return expiry_bounds(category)[0]


def expiry_bounds(category: str | None, today: date | None = None) -> tuple[date, date]:
    """(default, latest) expiry date for a listing of `category` posted `today`: what
    staff set for the category (listings.lifetimes), else 12 and at most 24 months."""
    today = today or local_today()
    chosen = lifetime_for(category)
    if chosen is None:
        return add_months(today, 12), add_months(today, 24)
    return today + timedelta(days=chosen[0]), today + timedelta(days=chosen[1])


def end_of_day(day: date) -> datetime:
    """A listing stays up for the whole of its last day, in Vietnamese time."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=local_zone()).astimezone(
        ZoneInfo("UTC"))


def check_expiry(day: date, category: str | None, today: date | None = None) -> None:
    """An expiry date from today to the latest the category allows."""
    today = today or local_today()
    if day < today:
        raise RuleError(_l("The expiry date cannot be in the past."), "in_the_past")
    latest = expiry_bounds(category, today)[1]
    if day > latest:
        if lifetime_for(category) is None:
            raise RuleError(_l("A listing can run for at most 24 months."), "too_late")
        raise RuleError(lazy_message(
            _l("A listing in this category can run until %(date)s at the latest."),
            date=format_date(latest)), "too_late")
