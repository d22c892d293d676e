"""Configuration classes; every setting can be overridden from the environment."""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("EXCHANGE_INSTANCE_DIR", BASE_DIR / "instance"))
# browser features no page of the exchange uses, refused to the page and to anything it
# frames; payment is Stripe Checkout's own page, reached by a redirect, not a request from ours
DEFAULT_PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
    "encrypted-media", "fullscreen", "geolocation", "gyroscope", "hid", "idle-detection",
    "magnetometer", "microphone", "midi", "payment", "picture-in-picture",
    "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
))


def env(name, default=None, cast=str):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if cast is bool:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return cast(value)


DEV_SECRET_KEY = "dev-insecure-change-me"
SECRET_KEY_MIN_LENGTH = 32  # e.g. `python -c "import secrets; print(secrets.token_urlsafe(48))"`


def env_list(name, default=None):
    """A comma-separated setting as a list (empty entries dropped)."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


class Config:
    EXCHANGE_ENV = "development"
    SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'exchange.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # PostgreSQL only (exchange/core/dbtimeouts.py): a web request's statement, and its wait
    # for a lock, end after this long and the visitor gets a 503 with Retry-After instead
    # of a worker thread stuck behind a lock; CLI jobs may take longer; 0 = no limit
    DB_STATEMENT_TIMEOUT_MS = env("DB_STATEMENT_TIMEOUT_MS", 5000, int)
    DB_LOCK_TIMEOUT_MS = env("DB_LOCK_TIMEOUT_MS", 2000, int)
    DB_CLI_STATEMENT_TIMEOUT_MS = env("DB_CLI_STATEMENT_TIMEOUT_MS", 30 * 60 * 1000, int)
    DB_CLI_LOCK_TIMEOUT_MS = env("DB_CLI_LOCK_TIMEOUT_MS", 60 * 1000, int)
    # /healthz reports a database that does not answer within this budget as degraded
    HEALTHZ_DB_TIMEOUT_MS = env("HEALTHZ_DB_TIMEOUT_MS", 1000, int)

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
    # pixels decoded per image and per request (exchange/listings/files.py), checked on
    # the headers before anything is decoded; large JPEGs are decoded at a reduced scale
    IMAGE_MAX_PIXELS = env("IMAGE_MAX_PIXELS", 16_000_000, int)
    IMAGE_REQUEST_MAX_PIXELS = env("IMAGE_REQUEST_MAX_PIXELS", 100_000_000, int)

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

    PERMISSIONS_POLICY = env("PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)
    # Strict-Transport-Security: 0 sends none (a development server speaks plain http)
    HSTS_SECONDS = env("HSTS_SECONDS", 0, int)
    HSTS_INCLUDE_SUBDOMAINS = env("HSTS_INCLUDE_SUBDOMAINS", True, bool)
    HSTS_PRELOAD = env("HSTS_PRELOAD", False, bool)

    # abuse limits (exchange/ratelimits.py): the default store is a SQLite file that every
    # worker of this instance shares; several instances share one `redis://…` instead
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI",
                                f"sqlite:///{INSTANCE_DIR / 'ratelimits.db'}")
    RATELIMIT_ENABLED = env("RATELIMIT_ENABLED", True, bool)
    RATELIMIT_HEADERS_ENABLED = True
    # each value is a limits string: "10 per minute", or several: "5 per minute;50 per day"
    LOGIN_RATE_LIMIT = env("LOGIN_RATE_LIMIT", "10 per minute")  # per IP address
    LOGIN_EMAIL_RATE_LIMIT = env("LOGIN_EMAIL_RATE_LIMIT", "10 per hour")  # failed, per account
    SIGNUP_RATE_LIMIT = env("SIGNUP_RATE_LIMIT", "5 per hour")  # per IP address
    SIGNUP_EMAIL_RATE_LIMIT = env("SIGNUP_EMAIL_RATE_LIMIT", "3 per day")  # per email address
    RESET_RATE_LIMIT = env("RESET_RATE_LIMIT", "5 per 10 minutes")  # per IP address
    RESET_EMAIL_RATE_LIMIT = env("RESET_EMAIL_RATE_LIMIT", "3 per hour")  # per email address
    VERIFY_RESEND_RATE_LIMIT = env("VERIFY_RESEND_RATE_LIMIT", "3 per hour")  # per account
    INVITE_RATE_LIMIT = env("INVITE_RATE_LIMIT", "10 per day")  # per account
    INVITE_EMAIL_RATE_LIMIT = env("INVITE_EMAIL_RATE_LIMIT", "2 per day")  # per invited address
    INQUIRY_RATE_LIMIT = env("INQUIRY_RATE_LIMIT", "10 per hour")  # new inquiries per account
    REPLY_RATE_LIMIT = env("REPLY_RATE_LIMIT", "60 per hour")  # replies per account
    # invitations, confirmation links, inquiries and replies together, per IP address
    MEMBER_ACTIONS_IP_RATE_LIMIT = env("MEMBER_ACTIONS_IP_RATE_LIMIT", "200 per hour")

    EMAIL_TOKEN_MAX_AGE = env("EMAIL_TOKEN_MAX_AGE", 3 * 24 * 3600, int)
    RESET_TOKEN_MAX_AGE = env("RESET_TOKEN_MAX_AGE", 2 * 3600, int)
    INVITE_TOKEN_MAX_AGE = env("INVITE_TOKEN_MAX_AGE", 7 * 24 * 3600, int)
    CLAIM_MINUTES = env("CLAIM_MINUTES", 15, int)
    # every absolute link (mail, Stripe return addresses, export ids) is built from this,
    # never from the request's Host header (exchange/core/urls.py)
    # addresses per sitemap file (the protocol allows at most 50,000)
    SITEMAP_CHUNK_SIZE = env("SITEMAP_CHUNK_SIZE", 50_000, int)
    SITE_URL = env("SITE_URL", "http://127.0.0.1:5000")
    # Host headers the app answers; None: any. Production defaults to SITE_URL's host
    TRUSTED_HOSTS = env_list("TRUSTED_HOSTS")
    # side effects (index jobs, matching, mail) are drained once each response is sent
    DRAIN_AFTER_COMMIT = env("DRAIN_AFTER_COMMIT", True, bool)
    # how much one such drain may do (the rest waits for `flask exchange tick`): seconds of
    # work, and match jobs; a bulk import's backlog must not hold web worker threads
    DRAIN_BUDGET_SECONDS = env("DRAIN_BUDGET_SECONDS", 0.5, float)
    DRAIN_MAX_JOBS = env("DRAIN_MAX_JOBS", 5, int)
    # match jobs per batch of `tick`: the larger, the fewer reverse searches per listing
    MATCH_BATCH = env("MATCH_BATCH", 5000, int)
    # how old each process's look at the outboxes may be (exchange/search/freshness.py):
    # another process's withdrawal leaves search results within this many seconds
    PUBLIC_STATE_SECONDS = env("PUBLIC_STATE_SECONDS", 0.5, float)
    # public pages kept for anonymous visitors (exchange/core/pagecache.py); 0 turns it off
    PAGE_CACHE_SECONDS = env("PAGE_CACHE_SECONDS", 30, int)
    # listing views and search impressions gather in memory and are written this often
    # (exchange/insights/counting.py)
    INSIGHTS_FLUSH_SECONDS = env("INSIGHTS_FLUSH_SECONDS", 10.0, float)
    PAGE_CACHE_ENTRIES = env("PAGE_CACHE_ENTRIES", 5000, int)
    # of those, the pages each worker read or wrote lately, also in its memory
    PAGE_CACHE_MEMORY_ENTRIES = env("PAGE_CACHE_MEMORY_ENTRIES", 500, int)
    PAGE_CACHE_DIR = env("PAGE_CACHE_DIR", str(INSTANCE_DIR / "page-cache"))
    # members' rendered panels kept, by member and page, until what they show changes
    # (exchange/core/panelstate.py) or PAGE_CACHE_SECONDS pass
    PANEL_CACHE_ENTRIES = env("PANEL_CACHE_ENTRIES", 5000, int)
    # members' kept panels and own pages, as files shared by the instance's workers
    # (unset: PAGE_CACHE_DIR's sibling "<PAGE_CACHE_DIR>-members")
    PANEL_CACHE_DIR = env("PANEL_CACHE_DIR", None)
    # how old each process's look at those versions may be when it answers a kept page
    # with a member kept in memory: another process's change to a member (a password, a
    # suspension) or to what their panels show reaches such answers within this many seconds
    PANEL_STATE_SECONDS = env("PANEL_STATE_SECONDS", 0.5, float)
    # what a session cookie this process verified holds is remembered, by the cookie's
    # exact value, this many seconds (never past the cookie's own lifetime; 0: never)
    SESSION_VERIFIED_SECONDS = env("SESSION_VERIFIED_SECONDS", 60, int)
    SESSION_VERIFIED_ENTRIES = env("SESSION_VERIFIED_ENTRIES", 10_000, int)
    # a published import waits this long for Meilisearch to confirm (`--index-wait`)
    IMPORT_INDEX_TIMEOUT = env("IMPORT_INDEX_TIMEOUT", 600.0, float)
    # `tick` compares the index with the database at most this often (0: never); the time
    # of the last comparison is this file's modification time
    VERIFY_INDEX_INTERVAL = env("VERIFY_INDEX_INTERVAL", 3600, int)
    VERIFY_INDEX_STAMP = env("VERIFY_INDEX_STAMP", str(INSTANCE_DIR / "verify-index.stamp"))


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    EXCHANGE_ENV = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = env("TEST_DATABASE_URL", "sqlite://")
    SERVER_NAME = "exchange.test"
    SITE_URL = "http://exchange.test"
    # apps a test builds itself; the `app` fixture gives each test its own limit file
    RATELIMIT_STORAGE_URI = "memory://"
    # still scrypt, at a cost that keeps a thousand sign-ups in the suite quick
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
    # tests change the database directly and look at once; the cache has its own tests
    PUBLIC_STATE_SECONDS = 0.0
    PANEL_STATE_SECONDS = 0.0
    PAGE_CACHE_SECONDS = 0
    # tests read the counters right after a page; the batching is a matter of cost
    INSIGHTS_FLUSH_SECONDS = 0.0
    # tick's hourly index comparison has its own tests
    VERIFY_INDEX_INTERVAL = 0
    # tests read what a request's drain did right after it: the drain's own budget has
    # its tests (tests/matching/test_drain.py); here it must not depend on the machine's load
    DRAIN_BUDGET_SECONDS = 30.0
    DRAIN_MAX_JOBS = 1000
    # the suite's SMTP server answers in its own thread of the loaded test process: a mail
    # is tried once within a test, so a slow answer must not send it to the retry queue
    MAIL_TIMEOUT = 30.0


class ProductionConfig(Config):
    EXCHANGE_ENV = "production"
    # no fallback: create_app refuses to start without a real secret (exchange/core/secrets.py)
    SECRET_KEY = env("SECRET_KEY", "")
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600  # static URLs carry a content hash
    SESSION_COOKIE_SECURE = env("SESSION_COOKIE_SECURE", True, bool)
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = env("HSTS_SECONDS", 2 * 365 * 24 * 3600, int)  # two years


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
