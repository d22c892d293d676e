"""What production refuses to start without, and which Host headers it answers."""
from urllib.parse import urlsplit

from config import DEV_SECRET_KEY, SECRET_KEY_MIN_LENGTH


class ConfigurationError(RuntimeError):
    """A setting production cannot run with; raised by create_app, so no worker boots."""


def check_secret_key(config) -> None:
    """Production signs sessions, reset links and invitations with SECRET_KEY: the
    development default (public, in the source) or a short key would let anyone forge them."""
    key = config.get("SECRET_KEY") or ""
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    if not key:
        problem = "SECRET_KEY is not set"
    elif key == DEV_SECRET_KEY:
        problem = "SECRET_KEY is the development default"
    elif len(key) < SECRET_KEY_MIN_LENGTH:
        problem = f"SECRET_KEY is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    else:
        return
    raise ConfigurationError(
        f"{problem}: EXCHANGE_ENV=production refuses to start. Set SECRET_KEY to a random "
        f"value of at least {SECRET_KEY_MIN_LENGTH} characters, e.g. "
        "`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`.")


def site_host(config) -> str:
    host = urlsplit(config.get("SITE_URL") or "").hostname
    if not host:
        raise ConfigurationError("SITE_URL must be an absolute URL such as "
                                 "https://sangiaodich.example.vn")
    return host


def configure_production(app) -> None:
    """Refuse to start without a real secret; answer only the configured hosts (a request
    with another Host header is a 400), SITE_URL's host unless TRUSTED_HOSTS says more."""
    check_secret_key(app.config)
    if not app.config.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [site_host(app.config)]
