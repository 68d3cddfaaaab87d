"""Silsila settings: one file, every value from the environment through typed helpers.

With nothing set, the app runs on embedded defaults (SQLite under var/, Celery's
filesystem transport, an in-process cache) so `make run` works on a bare machine.
Set DATABASE_URL / CELERY_BROKER_URL / CACHE_URL to use PostgreSQL and Redis.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SILSILA_VAR_DIR", BASE_DIR / "var"))

# The test suite runs against PostgreSQL and Redis by default (the brief requires real
# services); everything else falls back to the embedded defaults.
TESTING = "pytest" in sys.modules


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "django-insecure-silsila-development-key-do-not-use-in-production"  # noqa: S105


def _database_is_a_server(url: str) -> bool:
    """True for a database reached over a socket (production-like), false for SQLite files."""
    return not url.startswith("sqlite:")


def _local_secret_key(path: Path) -> str:
    """This machine's own random key, generated on first use and kept (mode 0600) under var/.

    Several processes start at once in `make run`: each writes a private temporary file and
    links it into place, so exactly one key wins and nobody reads a half-written file.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    import secrets
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # created 0600
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50) + "\n")
        # Another process may have won the race: its key stands.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    # A database server or DEBUG off outside a laptop means production: a key generated on one
    # machine would differ between web replicas and silently break sessions and signatures.
    if _database_is_a_server(env_str("DATABASE_URL", "sqlite:")) and not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With a database server (DATABASE_URL) and DEBUG off this is "
            "production, which refuses to start without a real key: set SECRET_KEY to a long "
            "random value (python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    # Embedded defaults (SQLite under var/): every manage.py command works as the README
    # writes it, with a key that is random and private to this clone.
    SECRET_KEY = _local_secret_key(VAR_DIR / "secret_key")
elif SECRET_KEY == _DEV_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY is the published development key; set a private one.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "config.apps.AxesConfig",
    "articles",
    "stories",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    # Refuses an oversized body (413) before anything reads it.
    "config.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Under DEBUG, the site's own 404 page instead of Django's debug one.
    "config.middleware.SiteNotFoundMiddleware",
    # 400 for the few admin parameters Django parses without bounds.
    "config.middleware.AdminParameterMiddleware",
    # Last, as django-axes requires: it locks out repeated failed admin logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------

_DEFAULT_DATABASE_URL = (
    "postgres://postgres@127.0.0.1:5432/silsila" if TESTING else f"sqlite:///{VAR_DIR / 'silsila.sqlite3'}"
)
DATABASE_URL = env_str("DATABASE_URL", _DEFAULT_DATABASE_URL)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Code that uses PostgreSQL-only features (full-text search, trigram, advisory locks)
# checks this flag and falls back to portable queries on SQLite.
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if not DATABASE_IS_POSTGRES:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Several processes (web, worker, beat) share the SQLite file in `make run`.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (per-host fetch politeness, rate limits) -------------------------------------

_DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/1" if TESTING else "locmem://"
CACHE_URL = env_str("CACHE_URL", _DEFAULT_CACHE_URL)
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------

# Embedded default: kombu's filesystem transport. It needs no server, yet tasks still go
# through a broker to a separate `celery worker` and `celery beat`, so `make run` exercises
# the same acks, retries and routing as production (docs/architecture.md says why).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://" if TESTING else "filesystem://")
CELERY_BROKER_IS_EMBEDDED = CELERY_BROKER_URL.startswith(("filesystem://", "memory://"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast (pidbox) messages; kombu's default would be ./control in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task unacknowledged this long is redelivered; longer than the longest task.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Tests call services and tasks directly; the integration tests start a real worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Three queues, so clustering and polling never wait behind page fetches (a backlog of
# fetches, each waiting on its host's politeness, once held every worker slot for minutes):
#   celery      feed polls, the stale-pending sweep, story texts and dossiers (quick tasks)
#   fetch       page fetches, extraction and encoding (the bulk of the work; scale these)
#   clustering  the engine's batches and its maintenance (one engine, one process)
# Each has workers of its own (Procfile, docker-compose.yml); a worker started without -Q
# reads all three (tests, a one-process setup).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue("celery"), Queue("fetch"), Queue("clustering")]
CELERY_TASK_ROUTES = {
    "articles.fetch_article": {"queue": "fetch"},
    "articles.fetch_articles": {"queue": "fetch"},
    "stories.cluster_pending": {"queue": "clustering"},
    "stories.maintain_stories": {"queue": "clustering"},
    "stories.consolidate_stories": {"queue": "clustering"},
}

# --- Auth, sessions, security -----------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin login rate limit: after AXES_FAILURE_LIMIT failures for one username from one
# address, that pair is locked out for AXES_COOLOFF_HOURS.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
# Usernames cut to axes' 255-character column (a longer one was a 500 on a failed login).
AXES_USERNAME_CALLABLE = "config.middleware.axes_username"

SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Django sends the language cookie without SameSite unless told.
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
# Request bodies: form fields at most 1 MiB in all, at most 1,000 of them (Django's default),
# and the whole body, multipart included, at most SILSILA_MAX_REQUEST_BYTES (413 past it,
# config.middleware.RequestSizeLimitMiddleware). No form of ours takes a file.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
SILSILA_MAX_REQUEST_BYTES = env_int("SILSILA_MAX_REQUEST_BYTES", 2 * 1024 * 1024)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Send the Content-Security-Policy as report-only, to try a policy change on live traffic.
SILSILA_CSP_REPORT_ONLY = env_bool("SILSILA_CSP_REPORT_ONLY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "ar")
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times read the same in the admin as on the reader pages (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
# Storage is always UTC; TIME_ZONE is what pages show.
TIME_ZONE = env_str("TIME_ZONE", "UTC")

# --- Static files -----------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
# Locally and in tests whitenoise serves straight from the finders; production runs collectstatic.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Logging ----------------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}},
}

# --- Silsila ----------------------------------------------------------------------------

SILSILA_EVAL_DIR = Path(env_str("SILSILA_EVAL_DIR", str(BASE_DIR.parent / "shared" / "eval")))
SILSILA_USER_AGENT = env_str(
    "SILSILA_USER_AGENT",
    "SilsilaBot/0.1 (+https://github.com/silsila/silsila; news story timelines)",
)
# Fetching: defaults as trusted feed readers use them.
SILSILA_FETCH_ALLOW_PRIVATE = env_bool("SILSILA_FETCH_ALLOW_PRIVATE", False)
SILSILA_FETCH_TIMEOUT = env_float("SILSILA_FETCH_TIMEOUT", 20.0)
SILSILA_FETCH_MAX_BYTES = env_int("SILSILA_FETCH_MAX_BYTES", 15 * 1024 * 1024)
SILSILA_FETCH_MAX_REDIRECTS = env_int("SILSILA_FETCH_MAX_REDIRECTS", 5)
SILSILA_FETCH_HOST_DELAY = env_float("SILSILA_FETCH_HOST_DELAY", 1.0)
# robots.txt Crawl-delay is honoured up to this cap; a 429/503 pauses its host for its
# Retry-After (or SILSILA_FETCH_BACK_OFF without one), at most SILSILA_FETCH_MAX_BACK_OFF.
SILSILA_FETCH_MAX_CRAWL_DELAY = env_float("SILSILA_FETCH_MAX_CRAWL_DELAY", 30.0)
SILSILA_FETCH_BACK_OFF = env_float("SILSILA_FETCH_BACK_OFF", 60.0)
SILSILA_FETCH_MAX_BACK_OFF = env_float("SILSILA_FETCH_MAX_BACK_OFF", 3600.0)
# New pages of one poll are fetched this many to a task (one encoder call per batch).
SILSILA_FETCH_BATCH = env_int("SILSILA_FETCH_BATCH", 16)
# A page fetch waits at most this long for its host's turn (another request to the host in
# flight, the tail of the delay); a longer pause sends the page back to the queue with a
# countdown to a booked turn, so no worker slot sleeps through a host's politeness delay.
SILSILA_FETCH_GATE_WAIT = env_float("SILSILA_FETCH_GATE_WAIT", 0.25)
# Drop the lines a site repeats on most of its pages (articles/boilerplate.py), learned per
# worker process from the pages it extracts. Off by default: the extraction benchmark has one page
# per site, so its effect is not measured there.
SILSILA_SITE_BOILERPLATE = env_bool("SILSILA_SITE_BOILERPLATE", False)
SILSILA_POLL_INTERVAL = env_int("SILSILA_POLL_INTERVAL", 15 * 60)
SILSILA_POLL_BACKOFF_MAX = env_int("SILSILA_POLL_BACKOFF_MAX", 24 * 60 * 60)
SILSILA_SOURCE_MAX_FAILURES = env_int("SILSILA_SOURCE_MAX_FAILURES", 10)
