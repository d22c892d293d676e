"""VietQR transfers: the receiving account, checksummed transfer references, QR payloads."""
import io
import re
import secrets
from dataclasses import dataclass

import segno
from flask import current_app
from stdnum.iso7064 import mod_37_36
from vietnam_qr_pay import BanksObject, QRPay

# ISO 7064 MOD 37,36 works over digits and upper-case letters: one check character that
# catches every single mistyped character and nearly every swap of two neighbours
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
BODY_LENGTH = 7
# references never contain O or I, so a payer typing 0 for O (or 1 for I) is read right
UNAMBIGUOUS = ALPHABET.replace("O", "").replace("I", "")
READ_AS = str.maketrans("OI", "01")


@dataclass(frozen=True)
class Account:
    bank_bin: str
    bank_name: str
    bank_short_name: str
    number: str
    name: str


def find_bank(value: str):
    """The bank named by its NAPAS BIN (970436) or its key (vietcombank), or None."""
    value = (value or "").strip().lower()
    for key, bank in BanksObject.items():
        if value in (bank.bin, key.value) and not bank.deprecated:
            return bank
    return None


def receiving_account() -> Account | None:
    """The exchange's account from the configuration; None unless fully and validly set."""
    cfg = current_app.config
    bank = find_bank(cfg.get("VIETQR_BANK", ""))
    number = (cfg.get("VIETQR_ACCOUNT_NUMBER") or "").strip()
    name = (cfg.get("VIETQR_ACCOUNT_NAME") or "").strip()
    if bank is None or not re.fullmatch(r"[0-9A-Za-z]{4,19}", number) or not name:
        return None
    return Account(bank_bin=bank.bin, bank_name=bank.name, bank_short_name=bank.short_name,
                   number=number, name=name.upper())


def _prefix() -> str:
    prefix = re.sub(r"[^A-Z]", "", (current_app.config.get("VIETQR_REFERENCE_PREFIX")
                                    or "SGD").upper())
    return prefix or "SGD"


def new_reference() -> str:
    """A fresh reference: prefix, 7 random characters and their check character."""
    while True:
        body = "".join(secrets.choice(UNAMBIGUOUS) for _ in range(BODY_LENGTH))
        check = mod_37_36.calc_check_digit(body)
        if check in UNAMBIGUOUS:
            return f"{_prefix()}{body}{check}"


@dataclass(frozen=True)
class FoundReference:
    text: str        # as it should be, e.g. SGDK7Q2M9X4P
    valid: bool      # its check character agrees


def find_reference(description: str) -> FoundReference | None:
    """The reference carried by a transfer's text, valid first; a near miss comes back with
    valid=False so the transfer is kept for staff instead of matched to the wrong order.

    Banking apps upper-case, strip accents and may glue words together or split them with
    spaces, dots or dashes; all of that is tolerated."""
    spaced = re.sub(r"[^0-9A-Z]+", " ", (description or "").upper())
    prefix = _prefix()
    candidates = []
    # as written first; then with every separator dropped, for "SGD K7Q2 M9X4P"
    for text in (spaced, spaced.replace(" ", "")):
        for match in re.finditer(rf"{prefix} ?([0-9A-Z]{{{BODY_LENGTH + 1}}})", text):
            code = match.group(1).translate(READ_AS)
            candidates.append(FoundReference(prefix + code, mod_37_36.is_valid(code)))
    if not candidates:
        return None
    return next((c for c in candidates if c.valid), candidates[0])


def payload(account: Account, amount_vnd: int, reference: str) -> str:
    """The EMVCo / NAPAS VietQR string for a transfer of exactly `amount_vnd` to `account`,
    with the reference as the purpose of transaction (what banking apps prefill)."""
    qr = QRPay.init_viet_qr(bank_bin=account.bank_bin, bank_number=account.number,
                            amount=str(int(amount_vnd)), purpose=reference)
    return qr.build()


def parse(content: str) -> QRPay:
    return QRPay(content)


def qr_svg(content: str) -> str:
    """The QR code drawn on the server as an SVG `data:` URI, for an `<img>`: the page
    embeds it as an address (escaped like any value), never as markup of its own."""
    return segno.make(content, error="m", micro=False).svg_data_uri(
        scale=6, border=4, xmldecl=False, svgns=True, nl=False, title="VietQR")
