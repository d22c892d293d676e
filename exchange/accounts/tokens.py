"""Signed, expiring tokens for verification, password reset and invitations."""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from exchange.errors import DomainError
from exchange.timeutil import utcnow
from flask_babel import lazy_gettext as _l


class _Signer(TimestampSigner):
    """Stamps and ages tokens by utcnow(), the one clock of the app (and of its tests)."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"exchange-{purpose}",
                                  signer=_Signer)


def make_token(purpose: str, payload) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int):
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise DomainError(_l("This link has expired. Please ask for a new one."),
                          code="expired") from exc
    except BadSignature as exc:
        raise DomainError(_l("This link is not valid."), code="invalid_token") from exc
