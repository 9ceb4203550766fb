"""Configuration classes. Every setting comes from the environment and has a safe default.

Pick a class with ``APP_ENV`` (``development`` — the default —, ``production`` or ``testing``).
"""

from __future__ import annotations

import os

DEV_SECRET_KEY = "dev-only-insecure-secret-key"


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
    # Empty means: a SQLite file in the instance folder (set by create_app).
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    TIMEZONE = env("TIMEZONE", "Europe/Amsterdam")
    BABEL_DEFAULT_LOCALE = env("DEFAULT_LANGUAGE", "nl")
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = ("nl", "en")

    # Absolute base URL for links in emails and calendars when there is no request.
    BASE_URL = env("BASE_URL", "http://127.0.0.1:5000")

    MAIL_SERVER = env("MAIL_SERVER")  # empty: development mailbox, nothing is sent
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USERNAME = env("MAIL_USERNAME")
    MAIL_PASSWORD = env("MAIL_PASSWORD")
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)  # STARTTLS
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 10)
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "Techniekrooster <noreply@techniekrooster.local>")
    # Deliver new mail right after the response is sent; the outbox CLI picks up the rest.
    OUTBOX_SEND_AFTER_REQUEST = env_bool("OUTBOX_SEND_AFTER_REQUEST", True)
    OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
    DEV_MAILBOX = env_bool("DEV_MAILBOX", True)

    # `flask reminders send` reminds schools of a confirmed booking this many days before the session.
    BOOKING_REMINDER_DAYS = env_int("BOOKING_REMINDER_DAYS", 3)

    INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 7)
    PASSWORD_RESET_MAX_AGE_HOURS = env_int("PASSWORD_RESET_MAX_AGE_HOURS", 2)

    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    # memory:// counts per process: with several workers each counts on its own, so production
    # refuses it unless this says the installation runs one process only.
    RATELIMIT_ALLOW_PER_PROCESS = env_bool("RATELIMIT_ALLOW_PER_PROCESS", False)
    # Wrong passwords are throttled for the one who makes them: per account *and* address, with
    # growing waits (a minute after 3, a quarter of an hour after 6, ...), so a stranger who knows an
    # address cannot keep its owner out. Per account from any address only a distributed attack
    # reaches the wider limit; per address the one that tries many accounts.
    RATELIMIT_LOGIN_PER_ACCOUNT_AND_ADDRESS = env(
        "RATELIMIT_LOGIN_PER_ACCOUNT_AND_ADDRESS", "3 per minute; 6 per 15 minutes; 12 per hour; 24 per day"
    )
    RATELIMIT_LOGIN_PER_ACCOUNT = env("RATELIMIT_LOGIN_PER_ACCOUNT", "100 per hour")
    RATELIMIT_LOGIN_PER_ADDRESS = env("RATELIMIT_LOGIN_PER_ADDRESS", "20 per 15 minutes")
    # Per calendar feed address: clients poll hourly, but an address may be shared by a whole school.
    RATELIMIT_FEED_PER_TOKEN = env("RATELIMIT_FEED_PER_TOKEN", "120 per hour")
    RATELIMIT_HEADERS_ENABLED = True
    # Number of proxies in front of the app whose X-Forwarded-For and X-Forwarded-Proto may be trusted
    # (0: none): the client address for rate limits, and the scheme (HTTPS) through ProxyFix.
    PROXY_COUNT = env_int("PROXY_COUNT", 0)
    # The largest request body: .ics imports read 1 MB at most; anything far larger is refused (413).
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 4 * 1024 * 1024)
    # Pages that take larger files, by endpoint: DUO's register of every school location is about 5 MB.
    UPLOAD_LIMITS = {"organisations.import_schools": env_int("MAX_DUO_UPLOAD_LENGTH", 21 * 1024 * 1024)}

    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    # A sign-in ends at the latest this long after it began (with "stay signed in" too): a browser
    # closed without signing out leaves no session that works, or counts as a device, for ever.
    LOGIN_SESSION_MAX_AGE_DAYS = env_int("LOGIN_SESSION_MAX_AGE_DAYS", 30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PASSWORD_HASH_METHOD = env("PASSWORD_HASH_METHOD", "scrypt")
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so a long-open form still submits


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast; the tests hash many passwords
    OUTBOX_SEND_AFTER_REQUEST = False
    SERVER_NAME = None


class ProductionConfig(Config):
    DEV_MAILBOX = env_bool("DEV_MAILBOX", False)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
