"""Configuration classes; every setting can be overridden from the environment."""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("EXCHANGE_INSTANCE_DIR", BASE_DIR / "instance"))


def env(name, default=None, cast=str):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if cast is bool:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return cast(value)


class Config:
    SECRET_KEY = env("SECRET_KEY", "dev-insecure-change-me")
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'exchange.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    MEILI_URL = env("MEILI_URL", "http://127.0.0.1:7700")
    MEILI_MASTER_KEY = env("MEILI_MASTER_KEY", "")
    MEILI_INDEX_PREFIX = env("MEILI_INDEX_PREFIX", "")
    MEILI_TIMEOUT = env("MEILI_TIMEOUT", 2.0, float)
    MEILI_BATCH_TIMEOUT = env("MEILI_BATCH_TIMEOUT", 60.0, float)  # matching, alerts

    MAIL_SERVER = env("MAIL_SERVER", "")  # empty: mail is printed to the console
    MAIL_PORT = env("MAIL_PORT", 25, int)
    MAIL_USERNAME = env("MAIL_USERNAME", "")
    MAIL_PASSWORD = env("MAIL_PASSWORD", "")
    MAIL_USE_TLS = env("MAIL_USE_TLS", False, bool)
    MAIL_TIMEOUT = env("MAIL_TIMEOUT", 5.0, float)
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "San giao dich cong nghe <no-reply@exchange.local>")

    STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = env("STRIPE_API_BASE", "")

    # VietQR bank transfer (exchange/payments/vietqr.py): offered when all three are set.
    # VIETQR_BANK is the receiving bank's NAPAS BIN (e.g. 970436) or its short key
    # (e.g. vietcombank), checked against the bank list of the vietnam-qr-pay package
    VIETQR_BANK = env("VIETQR_BANK", "")
    VIETQR_ACCOUNT_NUMBER = env("VIETQR_ACCOUNT_NUMBER", "")
    VIETQR_ACCOUNT_NAME = env("VIETQR_ACCOUNT_NAME", "")
    # shared secret of the bank-notification service; empty: the webhook answers 503
    VIETQR_WEBHOOK_SECRET = env("VIETQR_WEBHOOK_SECRET", "")
    VIETQR_WEBHOOK_TOLERANCE = env("VIETQR_WEBHOOK_TOLERANCE", 300, int)  # seconds
    VIETQR_REFERENCE_PREFIX = env("VIETQR_REFERENCE_PREFIX", "SGD")
    VIETQR_ORDER_HOURS = env("VIETQR_ORDER_HOURS", 48, int)

    # the seller printed on receipts (exchange/payments/receipts.py)
    EXCHANGE_LEGAL_NAME = env("EXCHANGE_LEGAL_NAME", "Sàn giao dịch công nghệ và thiết bị")
    EXCHANGE_TAX_CODE = env("EXCHANGE_TAX_CODE", "")
    EXCHANGE_ADDRESS = env("EXCHANGE_ADDRESS", "")
    RECEIPT_VAT_PERCENT = env("RECEIPT_VAT_PERCENT", None, int)  # prices include this VAT
    RECEIPT_FONT_DIR = env("RECEIPT_FONT_DIR", "/usr/share/fonts/truetype/dejavu")

    UPLOAD_DIR = env("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = env("MAX_CONTENT_LENGTH", 60 * 1024 * 1024, int)

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = env("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    LANGUAGES = ("vi", "en")

    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env("SESSION_COOKIE_SECURE", False, bool)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)

    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = env("RATELIMIT_ENABLED", True, bool)
    LOGIN_RATE_LIMIT = env("LOGIN_RATE_LIMIT", "10 per minute")
    RATELIMIT_HEADERS_ENABLED = True

    EMAIL_TOKEN_MAX_AGE = env("EMAIL_TOKEN_MAX_AGE", 3 * 24 * 3600, int)
    RESET_TOKEN_MAX_AGE = env("RESET_TOKEN_MAX_AGE", 2 * 3600, int)
    INVITE_TOKEN_MAX_AGE = env("INVITE_TOKEN_MAX_AGE", 7 * 24 * 3600, int)
    CLAIM_MINUTES = env("CLAIM_MINUTES", 15, int)
    SITE_URL = env("SITE_URL", "http://127.0.0.1:5000")
    # side effects (index jobs, matching, mail) are drained once each response is sent
    DRAIN_AFTER_COMMIT = env("DRAIN_AFTER_COMMIT", True, bool)
    # how old each process's look at the outboxes may be (exchange/search/freshness.py):
    # another process's withdrawal leaves search results within this many seconds
    PUBLIC_STATE_SECONDS = env("PUBLIC_STATE_SECONDS", 0.5, float)
    # public pages kept for anonymous visitors (exchange/core/pagecache.py); 0 turns it off
    PAGE_CACHE_SECONDS = env("PAGE_CACHE_SECONDS", 30, int)
    PAGE_CACHE_ENTRIES = env("PAGE_CACHE_ENTRIES", 5000, int)
    PAGE_CACHE_DIR = env("PAGE_CACHE_DIR", str(INSTANCE_DIR / "page-cache"))


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = env("TEST_DATABASE_URL", "sqlite://")
    SERVER_NAME = "exchange.test"
    SITE_URL = "http://exchange.test"
    RATELIMIT_STORAGE_URI = "memory://"
    # still scrypt, at a cost that keeps a thousand sign-ups in the suite quick
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
    # tests change the database directly and look at once; the cache has its own tests
    PUBLIC_STATE_SECONDS = 0.0
    PAGE_CACHE_SECONDS = 0


class ProductionConfig(Config):
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600  # static URLs carry a content hash
    SESSION_COOKIE_SECURE = env("SESSION_COOKIE_SECURE", True, bool)
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
