"""Settings for every profile, read from the environment (README: Configuration).

Defaults give a working local app with no server: SQLite in the checkout and Celery tasks
run inline. `config.settings.production` tightens them; `config.settings.test` is for pytest.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get(
    "SECRET_KEY", "django-insecure-o2c-local-development-key-do-not-use-in-production"
)
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    "core",
    "approvals",
    "sales",
    "contracts",
    "inventory",
    "finance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.NulInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.idempotency.IdempotencyMiddleware",
    "core.middleware.DomainErrorPageMiddleware",
    # Last: turns a locked-out login into core.security.lockout_response (issue 16).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DB_CONN_MAX_AGE = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
# Behind PgBouncer in transaction pooling mode a server-side cursor (QuerySet.iterator() on
# PostgreSQL) could outlive its transaction's server connection: Django must not open one.
DB_DISABLE_SERVER_SIDE_CURSORS = env_bool("DB_DISABLE_SERVER_SIDE_CURSORS", False)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'o2c.sqlite3'}",
        conn_max_age=DB_CONN_MAX_AGE,
        disable_server_side_cursors=DB_DISABLE_SERVER_SIDE_CURSORS,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend with sums of money read back exact (core/backends/sqlite3).
    DATABASES["default"]["ENGINE"] = "core.backends.sqlite3"
# A read replica of the primary (README: Scaling): reports read from it (core.db.reporting),
# everything else — every write, every row lock, every read in a transaction — stays on
# `default`. Without it there is one database and no router.
DATABASE_ROUTERS: list[str] = []
# Seconds a client's reports keep reading the primary after its own write (read-your-writes).
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "10"))
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DB_CONN_MAX_AGE,
        disable_server_side_cursors=DB_DISABLE_SERVER_SIDE_CURSORS,
    )
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
    MIDDLEWARE.insert(1, "core.db.PrimaryAfterWriteMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Content-Security-Policy on every response (issue 16; django-csp): scripts only from our own
# static files — no inline script, no handler attributes, no eval (static/js/o2c.js reads data-
# attributes instead) —, nothing from another origin. Inline styles stay allowed: the charts
# draw their bars with style attributes and htmx adds its indicator style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Login throttling (issue 16; django-axes, core/security.py): after LOGIN_FAILURE_LIMIT failed
# logins for one username from one address — the login page, the admin's, the API's token
# endpoint — that pair is refused for LOGIN_LOCKOUT_MINUTES (429; a success resets the count).
# Every login and failure is kept (axes' access logs, readable by the GM at /audit/).
AUTHENTICATION_BACKENDS = [
    "core.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Business dates are dates in TIME_ZONE (DESIGN §3).
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "o2c@localhost")
# Where people reach the app: links in emails are absolute (a task has no request to ask).
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

# REST API (API.md): token or session auth, paginated lists, one error body.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call gets 401 with `WWW-Authenticate: Token`. DRF's,
        # reading the token, its user and their roles in one query shared with the
        # idempotency middleware (issue 14).
        "core.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        # django-filter's, without a filter form for a request that names no filter (issue 14).
        "core.api.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    # YYYY-MM-DD as isoformat() writes it: zero-padded years too (strftime's %Y wrote year 130
    # as "130-10-02", breaking the schema's date; found by the fuzzing, issue 16).
    "DATE_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "O2C API",
    "DESCRIPTION": 'Order-to-cash REST API v1 (see API.md). Errors: {"code", "detail", "errors"}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every error answer and exact request bodies in the schema (issue 16): core/api/schema.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.error_responses",
    ],
    # Status choices of several documents share values (draft, pending, approved, …): name the
    # enums explicitly so the schema has no name collisions.
    "ENUM_NAME_OVERRIDES": {
        "ApprovalStatusEnum": "approvals.models.RequestStatus",
        "DocumentTypeEnum": "approvals.models.DocumentType",
        "CreditChangeStatusEnum": "sales.models.CreditChangeStatus",
        "PriceListStatusEnum": "sales.models.PriceListStatus",
        "RiskLevelEnum": "sales.models.RiskLevel",
        "RoleEnum": "core.roles.Role",
        "PaymentMethodEnum": "sales.models.PaymentMethod",
        "BankStatementStatusEnum": "finance.models.BankStatementStatus",
        "BankStatementLineStatusEnum": "finance.models.BankStatementLineStatus",
        "LeadImportStatusEnum": "sales.models.LeadImportStatus",
    },
}
# The selling company, printed on contracts and other documents.
COMPANY = {
    "name": os.environ.get("COMPANY_NAME", "示范机械制造有限公司"),
    "tax_id": os.environ.get("COMPANY_TAX_ID", "91310000MA1DEMO000"),
    "address": os.environ.get("COMPANY_ADDRESS", "上海市嘉定区示范路 1 号"),
    "bank_account": os.environ.get(
        "COMPANY_BANK_ACCOUNT", "中国工商银行上海分行 1001 0000 0000 0000"
    ),
}
# An API token is accepted this long after it is issued; `POST auth/token/` then issues a new
# one, `DELETE auth/token/` revokes one at once (issue 16).
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", str(24 * 30)))
# Idempotency-Key records are kept at least this long (API.md: 24 hours).
IDEMPOTENCY_KEY_TTL_HOURS = int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "48"))

# Celery: without a broker, tasks run inline in the calling process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Only real tasks here (each one is tested).
CELERY_BEAT_SCHEDULE = {
    "purge-expired-idempotency-keys": {
        "task": "core.tasks.idempotency_keys_purge",
        "schedule": 60 * 60,
    },
    # R22: in CELERY_TIMEZONE (= TIME_ZONE).
    "approvals-daily-digest": {
        "task": "approvals.tasks.send_daily_digest",
        "schedule": crontab(hour=8, minute=30),
    },
    # R4/R18: block customers with an overdue amount, nightly in CELERY_TIMEZONE.
    "sales-credit-reevaluate": {
        "task": "sales.tasks.credit_reevaluate",
        "schedule": crontab(hour=1, minute=30),
    },
    # R26: follow-ups due today to their owners, overdue ones to the sales managers; at the
    # start of the morning and of the afternoon (a rerun sends nothing twice).
    "sales-leads-remind": {
        "task": "sales.tasks.leads_remind",
        "schedule": crontab(hour="8,13", minute=0),
    },
    # R12: approved shipping notices past their validity expire; stale submitted ones return.
    "inventory-shipping-notices-expire": {
        "task": "inventory.tasks.shipping_notices_expire",
        "schedule": crontab(hour=0, minute=15),
    },
    # R18: the ledger's due and overdue as of today, before the credit review reads them.
    "contracts-ledger-age": {
        "task": "contracts.tasks.ledger_age",
        "schedule": crontab(hour=1, minute=0),
    },
    # R18: interest accrued kept on the ledger, contracts overdue > 90 days flagged for
    # litigation — after the ledger's aging.
    "finance-overdue-daily": {
        "task": "finance.tasks.overdue_daily",
        "schedule": crontab(hour=1, minute=10),
    },
    # R18/R20: the previous month's overdue interest posted, on the 1st.
    "finance-interest-post-month": {
        "task": "finance.tasks.interest_post_month",
        "schedule": crontab(day_of_month=1, hour=2, minute=0),
    },
    # R20: the previous month's month-end run (its interest step finds the month posted by
    # the entry above and posts nothing twice), on the 1st after the interest.
    "finance-month-end": {
        "task": "finance.tasks.month_end_start",
        "schedule": crontab(day_of_month=1, hour=3, minute=0),
    },
    # Issue 16: the books' invariants checked from the rows, after the night's jobs; finance
    # is mailed on a break (`manage.py check_invariants` gives the same report).
    "core-invariants-check": {
        "task": "core.tasks.invariants_check",
        "schedule": crontab(hour=4, minute=0),
    },
}

# R20, the month-end run (finance/services/monthend.py): contracts reconciled per batch; a run
# with no sign of life for this many seconds counts as dead and may be started again; a pause
# between batches (seconds) keeps a run in office hours from weighing on the database.
MONTH_END_BATCH = int(os.environ.get("MONTH_END_BATCH", "2000"))
MONTH_END_STALE_SECONDS = float(os.environ.get("MONTH_END_STALE_SECONDS", "120"))
MONTH_END_THROTTLE = float(os.environ.get("MONTH_END_THROTTLE", "0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}

# Upload limits for CSV/XLSX imports.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
# Rows of leads one sheet may hold (issue 15 item 7).
LEAD_IMPORT_MAX_ROWS = int(os.environ.get("LEAD_IMPORT_MAX_ROWS", "2000"))
# The customer-signed delivery copy (R14): PDF, JPEG or PNG up to this size.
DELIVERY_SCAN_MAX_BYTES = int(os.environ.get("DELIVERY_SCAN_MAX_BYTES", str(10 * 1024 * 1024)))
