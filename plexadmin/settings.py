"""plexadmin settings: one module, every value from the environment.

Each variable read here is listed once in ``.env.example`` and in the README's configuration
table. ``PLEXADMIN_ENV`` picks the profile: ``development`` (the default: generated secrets under
``var/``, DEBUG on, plain HTTP on loopback) or ``production`` (every secret required, HTTPS
everywhere, ``check --deploy`` clean).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from plexadmin.devsecrets import (
    generated_secret,
    new_client_identifier,
    new_fernet_key,
    new_secret_key,
)
from plexadmin.env import env_bool, env_int, env_list, env_str
from plexadmin.schedule import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent

PLEXADMIN_ENV = env_str("PLEXADMIN_ENV", "development")
if PLEXADMIN_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"PLEXADMIN_ENV={PLEXADMIN_ENV!r}: use 'development' (default) or 'production'."
    )
PRODUCTION = PLEXADMIN_ENV == "production"

VAR_DIR = Path(env_str("PLEXADMIN_VAR_DIR", str(BASE_DIR / "var"))).resolve()


def _secret(name: str, filename: str, make: Callable[[], str]) -> str:
    value = env_str(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} is not set. In production every secret must come from the environment "
            f"({name} or {name}_FILE); see the README's configuration table."
        )
    return generated_secret(VAR_DIR / filename, make)


SECRET_KEY = _secret("SECRET_KEY", "secret_key", new_secret_key)
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

# Newest first. Tokens are encrypted with the first key and readable with any of them, so a
# rotation is: prepend a new key, run `manage.py rotate_token_keys`, then drop the old key.
TOKEN_ENCRYPTION_KEYS = env_list("TOKEN_ENCRYPTION_KEYS") or [
    _secret("TOKEN_ENCRYPTION_KEYS", "token_encryption_key", new_fernet_key)
]

DEBUG = env_bool("DEBUG", default=not PRODUCTION)

# Claiming a fresh installation (accounts/setup_code.py): the Plex account named here may claim
# it; otherwise whoever enters the one-time code kept in this file, which only the operator sees.
PLEXADMIN_OWNER = env_str("PLEXADMIN_OWNER")
SETUP_CODE_FILE = VAR_DIR / "setup_code"

# The port the web process serves on this machine (the Procfile's runserver; `make run PORT=…`).
# In development the default PUBLIC_BASE_URL follows it, so every absolute link (the Plex
# sign-in popup's return address first) points at the port actually served.
PLEXADMIN_PORT = env_int("PLEXADMIN_PORT", 8000, minimum=1)
PUBLIC_BASE_URL = env_str(
    "PUBLIC_BASE_URL", "" if PRODUCTION else f"http://127.0.0.1:{PLEXADMIN_PORT}"
)
if not PUBLIC_BASE_URL:
    raise ImproperlyConfigured(
        "PUBLIC_BASE_URL is not set. It is the address people open (for example "
        "https://plex-admin.example.org) and the only source of absolute links."
    )
_public = urlsplit(PUBLIC_BASE_URL)
if _public.scheme not in {"http", "https"} or not _public.hostname:
    raise ImproperlyConfigured(f"PUBLIC_BASE_URL={PUBLIC_BASE_URL!r} is not an http(s) URL.")
if PRODUCTION and _public.scheme != "https":
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be https:// in production.")
PUBLIC_BASE_URL = PUBLIC_BASE_URL.rstrip("/")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    [_public.hostname] if PRODUCTION else [_public.hostname, "127.0.0.1", "localhost", "[::1]"],
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"{_public.scheme}://{_public.netloc}"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "plexadmin",
    "accounts",
    "sharing",
    "notify",
    "activity",
    "lifecycle",
    "joins",
    "members",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before anything reads the session, the form or the database: a NUL gets a 400 here.
    "plexadmin.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "plexadmin.middleware.IdleTimeoutMiddleware",
    # Last, so it turns a sign-in lockout into its page whatever the view returned.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "plexadmin.urls"
WSGI_APPLICATION = "plexadmin.wsgi.application"
ASGI_APPLICATION = "plexadmin.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "plexadmin.context_processors.site",
                "accounts.context_processors.plex_link",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise (PostgreSQL in production).
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
        )
    }
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "plexadmin.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on busy_timeout
                # instead of one failing with "database is locked" halfway through.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign-in"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses while a cool-off is running
    "accounts.backends.PlexPasswordBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Password sign-in limits (django-axes): counted per client address and per username in the
# database every web process shares; a cool-off, never a permanent lock.
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGN_IN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_USERNAME_FORM_FIELD = "login"
AXES_CLIENT_IP_CALLABLE = "accounts.ratelimit.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
# No start-up banner, and log lines name only what the limits count (username and address).
AXES_VERBOSE = False
LOGIN_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # collectstatic fills it; WhiteNoise wants it there
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Cache and broker: Redis when REDIS_URL is set, otherwise files under var/ so that web, worker
# and beat (separate processes) still share what they need without any service running.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "plexadmin",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=300)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 8 * 3600, minimum=60)
CSRF_COOKIE_SAMESITE = "Lax"

# Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto.
if env_bool("BEHIND_TLS_PROXY", default=PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if PRODUCTION else 0, minimum=0)

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are bound to this exact origin: no Domain, Path=/, Secure.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- plex.tv --------------------------------------------------------------------------------
# One URL that every plex.tv host is served from (plexsim in the demo and the tests); empty
# means the real plex.tv hosts.
PLEXTV_BASE_URL = env_str("PLEXTV_BASE_URL")
PLEX_AUTH_URL = env_str(
    "PLEX_AUTH_URL", f"{PLEXTV_BASE_URL}/auth" if PLEXTV_BASE_URL else "https://app.plex.tv/auth"
)
PLEX_CLIENT_IDENTIFIER = _secret(
    "PLEX_CLIENT_IDENTIFIER", "plex_client_identifier", new_client_identifier
)
PLEX_PRODUCT = "plexadmin"
PLEXTV_CONNECT_TIMEOUT = env_int("PLEXTV_CONNECT_TIMEOUT", 5, minimum=1)
PLEXTV_READ_TIMEOUT = env_int("PLEXTV_READ_TIMEOUT", 20, minimum=1)
# plex.tv's rate limit in requests per second (it answers 429 from about 10): bulk changes are
# paced to it with no further margin (sharing/matrix.py), the burst plex.tv allows absorbing
# the odd request from elsewhere; a 429 is waited out and retried, never lost.
PLEXTV_RATE_LIMIT = env_int("PLEXTV_RATE_LIMIT", 10, minimum=1)
# Seconds a page may spend on plex.tv in all (one attempt, no retries); pages show stored data
# and refresh it through the worker, so few need plex.tv at all.
PLEXTV_PAGE_BUDGET = env_int("PLEXTV_PAGE_BUDGET", 4, minimum=1)
# The circuit breaker: after this many consecutive failures every process stops calling
# plex.tv for PLEXTV_BREAKER_RESET seconds, then one trial call decides.
PLEXTV_BREAKER_FAILURES = env_int("PLEXTV_BREAKER_FAILURES", 5, minimum=1)
PLEXTV_BREAKER_RESET = env_int("PLEXTV_BREAKER_RESET", 60, minimum=5)

# --- Celery ---------------------------------------------------------------------------------
# The filesystem transport ignores the host, but kombu warns at every connection when none
# is given.
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        # Longer than any countdown we schedule, so Redis never redelivers a waiting task.
        "visibility_timeout": 3600,
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
        # How often an idle worker looks for a new message (kombu's default: every second):
        # a change is picked up within a tenth of a second, for ten directory listings a second.
        "polling_interval": 0.1,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# The database is the truth for background work: tasks record what they did in rows the UI
# reads, so no result backend is kept.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 150, minimum=1)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"CELERY_TASK_SOFT_TIME_LIMIT={CELERY_TASK_SOFT_TIME_LIMIT} must be below "
        f"CELERY_TASK_TIME_LIMIT={CELERY_TASK_TIME_LIMIT}: the soft limit lets a task record "
        "its failure before the hard limit kills it."
    )
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Each periodic task with its cron from SCHEDULE_<NAME> (see plexadmin/schedule.py).
PERIODIC_TASKS = {
    "heartbeat": ("plexadmin.tasks.heartbeat", env_str("SCHEDULE_HEARTBEAT", "* * * * *")),
    "ping_owner_token": (
        "accounts.tasks.ping_owner_token",
        env_str("SCHEDULE_PING_OWNER_TOKEN", "*/15 * * * *"),
    ),
    "sync": ("sharing.tasks.sync_household", env_str("SCHEDULE_SYNC", "*/15 * * * *")),
    "sweep_operations": (
        "sharing.console_tasks.sweep_operations",
        env_str("SCHEDULE_SWEEP_OPERATIONS", "* * * * *"),
    ),
    "expire_shares": (
        "sharing.console_tasks.expire_shares",
        env_str("SCHEDULE_EXPIRE_SHARES", "*/5 * * * *"),
    ),
    "collect_activity": (
        "activity.tasks.collect_activity",
        env_str("SCHEDULE_COLLECT_ACTIVITY", "*/10 * * * *"),
    ),
}
CELERY_BEAT_SCHEDULE = beat_schedule(PERIODIC_TASKS)

# --- Sync -----------------------------------------------------------------------------------
# A person plex.tv stops listing is flagged, and removed here after this many consecutive
# syncs that still miss them (never when the answer looks broken, e.g. empty).
SYNC_PRUNE_AFTER = env_int("SYNC_PRUNE_AFTER", 3, minimum=1)

# --- Sharing console operations ----------------------------------------------------------------
# An operation is given up (failed, with a Retry button) after this many tries, worker crashes
# included; one left queued this many seconds is re-enqueued by the sweep. One run may last
# OPERATION_TIME_LIMIT seconds before Celery stops it; a run whose worker died is taken over
# by the sweep once that time and one plex.tv request's timeouts have passed (its lease).
OPERATION_MAX_ATTEMPTS = env_int("OPERATION_MAX_ATTEMPTS", 5, minimum=1)
OPERATION_SWEEP_AFTER = env_int("OPERATION_SWEEP_AFTER", 600, minimum=60)
OPERATION_TIME_LIMIT = env_int("OPERATION_TIME_LIMIT", 90, minimum=10)

# --- E-mail and notifications ----------------------------------------------------------------
# Django's mailers: "default" sends over SMTP when EMAIL_HOST is set. Without it, development
# prints e-mail to the console of the process that sends it, and production refuses to send
# (notify.mail): NOTIFY_EMAIL is off, e-mail channels say so, chat and push still work.
_email_host = env_str("EMAIL_HOST")
_smtp: dict[str, object] = {
    "host": _email_host,
    "username": env_str("EMAIL_HOST_USER"),
    "password": env_str("EMAIL_HOST_PASSWORD"),
    "use_tls": env_bool("EMAIL_USE_TLS", default=False),
    "use_ssl": env_bool("EMAIL_USE_SSL", default=False),
    "timeout": env_int("EMAIL_TIMEOUT", 20, minimum=1),
}
if env_str("EMAIL_PORT"):
    _smtp["port"] = env_int("EMAIL_PORT", 25, minimum=1)
if _smtp["use_tls"] and _smtp["use_ssl"]:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL, not both.")
if _email_host:
    MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": _smtp}
    }
elif PRODUCTION:
    MAILERS = {"default": {"BACKEND": "notify.mail.NoEmailBackend"}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
NOTIFY_EMAIL = bool(_email_host) or not PRODUCTION
_mail_domain = _public.hostname if any(c.isalpha() for c in _public.hostname) else "localhost"
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", f"plexadmin <plexadmin@{_mail_domain}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[plexadmin] "

# A recipient's notifications are gathered until none has come for this many seconds (at most
# eight times as long), then sent as one message: a burst becomes one digest.
NOTIFY_DIGEST_SECONDS = env_int("NOTIFY_DIGEST_SECONDS", 15, minimum=0)
# Tries of one message (with backoff from 30 s to 30 min) before it is marked failed.
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 8, minimum=1)
# Failed syncs in a row before "sync failing" is sent (once per streak).
NOTIFY_SYNC_FAILURES = env_int("NOTIFY_SYNC_FAILURES", 3, minimum=1)
PERIODIC_TASKS["notify_sweep"] = (
    "notify.tasks.sweep",
    env_str("SCHEDULE_NOTIFY_SWEEP", "* * * * *"),
)
# --- Access over time (lifecycle) -------------------------------------------------------------
# Warnings before access ends, in days before the end (each sent once per share).
_warn_days = env_list("LIFECYCLE_WARN_DAYS", ["7", "1"])
if not all(day.isdigit() and int(day) > 0 for day in _warn_days):
    raise ImproperlyConfigured(
        f"LIFECYCLE_WARN_DAYS={','.join(_warn_days)!r}: whole numbers of days, e.g. 7,1."
    )
LIFECYCLE_WARN_DAYS = sorted({int(day) for day in _warn_days})
# "Inactive" as the lifecycle page first shows it, and the grace an inactivity clean-up offers.
LIFECYCLE_INACTIVE_DAYS = env_int("LIFECYCLE_INACTIVE_DAYS", 60, minimum=1)
LIFECYCLE_GRACE_DAYS = env_int("LIFECYCLE_GRACE_DAYS", 14, minimum=1)
PERIODIC_TASKS["lifecycle"] = (
    "lifecycle.tasks.tick",
    env_str("SCHEDULE_LIFECYCLE", "*/5 * * * *"),
)
CELERY_BEAT_SCHEDULE = beat_schedule(PERIODIC_TASKS)
# The demo's mail sink writes what it catches here; the dashboard shows it. Never in production.
DEMO_MAILBOX_DIR = env_str("DEMO_MAILBOX_DIR")
if DEMO_MAILBOX_DIR and PRODUCTION:
    raise ImproperlyConfigured("DEMO_MAILBOX_DIR is for the demo only; unset it in production.")

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    # Every handler carries the token filter, so no record from any library reaches an
    # output with a Plex token in it (message, arguments or traceback).
    "filters": {"plex_tokens": {"()": "plextv.logging.TokenMaskingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["plex_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR", "propagate": True},
        # Every sign-in and sign-out is logged by axes at INFO; its failures and lockouts are
        # warnings (username and address only, never the password), and those are kept.
        "axes": {"level": "WARNING"},
    },
}

# --- Running in production: metrics, log format, one scheduler ---------------------------------
# /metrics (Prometheus) answers only once a bearer token or an allow-list of networks is set;
# with both, a scrape needs both. Counters are shared through Redis, or with no Redis through
# this file (plexadmin/metrics.py says why).
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS")
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_NETWORKS: {_network!r} is not an address or network "
            "(for example 10.0.0.0/8 or 192.168.1.20)."
        ) from None
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters long.")
METRICS_ENABLED = bool(METRICS_TOKEN or METRICS_ALLOWED_NETWORKS)
METRICS_SQLITE_PATH = VAR_DIR / "metrics.sqlite3"
# Outermost: the request id covers every log line of a request, and the timing covers all of it.
MIDDLEWARE = [
    "plexadmin.logs.RequestIdMiddleware",
    "plexadmin.metrics.RequestMetricsMiddleware",
    *MIDDLEWARE,
]

# Where collectstatic writes; the container image keeps it outside the data volume, so an
# upgraded image never serves the previous release's files.
STATIC_ROOT = Path(env_str("PLEXADMIN_STATIC_ROOT", str(STATIC_ROOT))).resolve()
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# plain: one readable line per record; json: one JSON object per line (request id, task and
# operation id included) for log shippers. The token masking filter applies to both.
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use 'plain' or 'json'.")
LOGGING["filters"]["log_context"] = {"()": "plexadmin.logs.ContextFilter"}  # type: ignore[index]
LOGGING["formatters"]["json"] = {"()": "plexadmin.logs.JsonFormatter"}  # type: ignore[index]
LOGGING["handlers"]["console"]["filters"].append("log_context")  # type: ignore[index]
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # type: ignore[index]

# With Redis, beat keeps its schedule in Redis (RedBeat) behind a lock: a second beat process
# waits for the lock instead of sending every task twice, and takes over when the lock
# expires if the first one dies without releasing it. The entries still come from
# CELERY_BEAT_SCHEDULE above (schedule.py); RedBeat drops entries that left it. Without Redis,
# beat keeps its schedule in a file and must run as a single process.
if REDIS_URL:
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = REDIS_URL
    CELERY_REDBEAT_REDIS_OPTIONS: dict[str, object] = {}
    CELERY_REDBEAT_KEY_PREFIX = "plexadmin:redbeat:"
    # The lock holder ticks (and extends the lock) at least every loop interval.
    CELERY_BEAT_MAX_LOOP_INTERVAL = 30
    CELERY_REDBEAT_LOCK_TIMEOUT = 150
