"""Settings for the Healthcare Hashtag Directory: one module, read from the environment.

Development defaults are safe on a laptop (DEBUG only when asked for, localhost only).
Production values come from the environment and a bad value fails loudly at start-up.
See docs/configuration.md for every variable.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}"
    )


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}") from None


def envfloat(name: str, default: str) -> float:
    value = os.environ.get(name, default)
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number >= 0 or number == float("inf"):
        raise ImproperlyConfigured(f"{name} must be a number of seconds (0 or more); got {value!r}")
    return number


def envrate(name: str, default: str) -> str:
    """A rate such as "5/hour" or "120/minute" (the form Django REST framework reads)."""
    value = os.environ.get(name, default).strip()
    count, _, period = value.partition("/")
    if not count.isdigit() or period not in {"second", "minute", "hour", "day"}:
        raise ImproperlyConfigured(
            f"{name} must look like 5/hour (periods: second, minute, hour, day); got {value!r}"
        )
    return value


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envurls(name: str, default: str) -> list[str]:
    """Comma-separated http(s) base URLs, without a trailing slash."""
    urls = [url.rstrip("/") for url in envlist(name, default)]
    for url in urls:
        scheme, _, rest = url.partition("://")
        if scheme not in {"http", "https"} or not rest or "/" in rest:
            raise ImproperlyConfigured(
                f"{name} must be comma-separated base URLs such as https://mastodon.social; "
                f"got {url!r}"
            )
    return urls


DEBUG = envbool("DEBUG", "0")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local development)."
        )
    SECRET_KEY = "development-only-secret-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

# The absolute address of the site, for links in feeds, emails and the API (never the
# request's Host header, which a client chooses).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL must be an http(s) address; got {SITE_URL!r}")
# Django matches ALLOWED_HOSTS without the port; a Host header naming a port must also
# name one of these (directory.middleware.AllowedPortMiddleware). Default: SITE_URL's port
# (or any port with DEBUG, for runserver on any port); "*" allows any.
ALLOWED_PORTS = envlist(
    "ALLOWED_PORTS", "*" if DEBUG else str(_site.port or {"http": 80, "https": 443}[_site.scheme])
)
for _port in ALLOWED_PORTS:
    if _port != "*" and not (_port.isascii() and _port.isdigit()):
        raise ImproperlyConfigured(f"ALLOWED_PORTS must be port numbers or *; got {_port!r}")

INSTALLED_APPS = [
    "hashtags.admin.apps.DirectoryAdminConfig",  # django.contrib.admin, branded
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Search lookups (trigram_similar) and PostgreSQL type handlers; inert on SQLite.
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_ratelimit",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "csp",
    "axes",
    "hashtags",
    "directory",
]

MIDDLEWARE = [
    "directory.middleware.RequestLogMiddleware",
    "directory.middleware.AllowedPortMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Outside everything that writes a body; pages with a CSRF token stay uncompressed.
    "directory.middleware.CompressionMiddleware",
    # Before anything that can answer a request, so API answers carry their CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "csp.middleware.CSPMiddleware",
    "directory.middleware.RejectNullBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A page's language from its address (/es/…; i18n_patterns in config/urls.py), the
    # API's from Accept-Language; the language ends with the request.
    "directory.middleware.LanguageScopeMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "directory.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hashtags.serving.routers.ReplicaPinMiddleware",
    "directory.cache.RegistryCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so a locked-out login is answered before the view runs.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
                "directory.context_processors.site",
                "directory.context_processors.page_languages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# SQLite is the embedded default; DATABASE_URL=postgres://… selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
# Read replicas: DATABASE_REPLICA_URLS=postgres://…,postgres://… adds replica_1, replica_2…;
# hashtags.serving.routers sends reads there and writes (and read-after-write) to the primary.
for _index, _url in enumerate(envlist("DATABASE_REPLICA_URLS", ""), start=1):
    DATABASES[f"replica_{_index}"] = dj_database_url.parse(
        _url, conn_max_age=envint("DATABASE_CONN_MAX_AGE", "60"), conn_health_checks=True
    )
    # A test run has one database; a replica there is the primary itself.
    DATABASES[f"replica_{_index}"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["hashtags.serving.routers.PrimaryReplicaRouter"]
# How long after a client's write its reads stay on the primary (replication lag cover).
REPLICA_LAG_SECONDS = envint("REPLICA_LAG_SECONDS", "10")
# The longest a statement of a page may run (seconds; 0: no limit): PostgreSQL cancels it
# (statement_timeout), and a server that does not answer at all is given up a little
# later on the client's side (config/postgresql). manage.py sets 0 for commands, whose
# statements (a migration, an import) may rightly run longer.
DATABASE_STATEMENT_TIMEOUT = envfloat("DATABASE_STATEMENT_TIMEOUT", "10")
DEADLINE_MARGIN_SECONDS = 2
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with a deadline on each wait for the server.
        _database["ENGINE"] = "config.postgresql"
        _options = _database.setdefault("OPTIONS", {})
        # Fail fast when a server is unreachable, so pages answer 503 instead of hanging.
        _options["connect_timeout"] = envint("DATABASE_CONNECT_TIMEOUT", "2")
        # A connection whose server's host is gone (no acknowledgement, no keepalive
        # answer) is dropped by the kernel within about ten seconds, even mid-query.
        _options.update(
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=3,
            tcp_user_timeout=10_000,  # milliseconds
        )
        if DATABASE_STATEMENT_TIMEOUT:
            _timeout = f"-c statement_timeout={round(DATABASE_STATEMENT_TIMEOUT * 1000)}"
            _options["options"] = f"{_options.get('options', '')} {_timeout}".strip()
            _options["deadline"] = DATABASE_STATEMENT_TIMEOUT + DEADLINE_MARGIN_SECONDS
        # Behind PgBouncer in transaction pooling, server-side cursors (the streamed
        # export's .iterator()) cannot outlive a transaction: turn them off there.
        _database["DISABLE_SERVER_SIDE_CURSORS"] = envbool(
            "DATABASE_DISABLE_SERVER_SIDE_CURSORS", "0"
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Anonymous reads of the directory, entry, category pages and the API are cached this many
# seconds (directory/cache.py, keyed by the generation in hashtags/serving/cache.py; never stale:
# any visible registry change expires them). 0 turns the page cache off; off by default
# with DEBUG so development shows edits without it.
REGISTRY_CACHE_SECONDS = envint("REGISTRY_CACHE_SECONDS", "0" if DEBUG else "300")
REDIS_URL = os.environ.get("REDIS_URL", "")
# A Redis that does not answer within this many seconds counts as down: the site then
# serves its pages without the cache and refuses rate-limited writes (503).
REDIS_TIMEOUT_SECONDS = envfloat("REDIS_TIMEOUT_SECONDS", "0.5")
if not REDIS_TIMEOUT_SECONDS:
    raise ImproperlyConfigured("REDIS_TIMEOUT_SECONDS must be more than 0 seconds")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "hhd"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The public pages in five languages: English at the plain addresses, the others under
# their prefix (/es/…); the API, admin, feeds and calendars stay in English
# (docs/languages.md). Catalogues: directory/locale/<code>/LC_MESSAGES/django.po.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
    ("de", _("German")),
]
LOCALE_PATHS = [BASE_DIR / "directory" / "locale"]
# The named date formats (DATE_FORMAT, SHORT_DATE_FORMAT…) of each language.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development and tests serve static files straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: SMTP when EMAIL_HOST is set; otherwise each message is written as a file under
# EMAIL_FILE_PATH (never to the console: emails carry submitters' addresses and names,
# and stdout sits next to the request logs).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail")))
EMAIL_PORT = envint("EMAIL_PORT", "587")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "1")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Healthcare Hashtag Directory <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The curators' monitored mailbox: the Reply-To of the site's email (else the sender) and
# where the daily digest of what waits goes (else to every active curator's address).
CURATORS_EMAIL = os.environ.get("CURATORS_EMAIL", "")

# Submissions and abuse limits. Rates are "N/period" (second, minute, hour, day).
# RATE_LIMITS=off turns every rate limit and throttle off at once: for load tests and
# benchmarks only, never in production.
SUBMISSIONS_OPEN = envbool("SUBMISSIONS_OPEN", "1")
SUBMISSION_MIN_SECONDS = envint("SUBMISSION_MIN_SECONDS", "3")
RATE_LIMITS_ENABLED = envbool("RATE_LIMITS", "on")
# Counts every POST of the submission and suggestion forms and of the API's
# POST submissions/ from one client (mistakes included): one budget for all of them.
SUBMISSION_RATE = envrate("SUBMISSION_RATE", "10/hour")
# A proposed entry whose name and description match one proposed (by anyone) within this
# many hours is refused as a duplicate; 0 turns the check off.
DUPLICATE_CONTENT_HOURS = envint("DUPLICATE_CONTENT_HOURS", "24")

# Freshness: an entry confirmed within VERIFY_AFTER_DAYS is current; after that it is due
# for a check, and stale once due for STALE_AFTER_DAYS more without an answer.
VERIFY_AFTER_DAYS = envint("VERIFY_AFTER_DAYS", "365")
STALE_AFTER_DAYS = envint("STALE_AFTER_DAYS", "90")
# Stewards of due entries are reminded at most once per REMINDER_INTERVAL_DAYS; signed
# links in the email work for STEWARD_LINK_DAYS.
REMINDER_INTERVAL_DAYS = envint("REMINDER_INTERVAL_DAYS", "30")
STEWARD_LINK_DAYS = envint("STEWARD_LINK_DAYS", "30")
REPORT_RATE = envrate("REPORT_RATE", "20/hour")
CLAIM_RATE = envrate("CLAIM_RATE", "10/hour")  # "ask to become steward" POSTs per client
EXPORT_RATE = envrate("EXPORT_RATE", "60/hour")  # full (non-304) exports per client
# Pages computed for an anonymous client rather than served from the page cache
# (directory/cache.py): searches, filters, a copy a minute old, made-up parameters.
UNCACHED_PAGE_RATE = envrate("UNCACHED_PAGE_RATE", "60/minute")
API_ANON_RATE = envrate("API_ANON_RATE", "120/minute")
API_USER_RATE = envrate("API_USER_RATE", "600/minute")
# How many reverse proxies in front of the app append to X-Forwarded-For. With 0 (the
# default) the header is ignored and the client is REMOTE_ADDR, so it cannot be forged.
NUM_PROXIES = envint("NUM_PROXIES", "0")
# django-ratelimit counts in the default cache: Redis (REDIS_URL) makes the limits hold
# across worker processes and machines. Without Redis it refuses to pass `check` unless
# DEBUG is on, since a per-process memory cache would let each worker count separately.
# Every limit counts a client by hashtags.serving.ratelimit.client_key (an IPv6 client by its /64).
RATELIMIT_ENABLE = RATE_LIMITS_ENABLED
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]  # Django's own Redis backend is atomic
if DEBUG and not REDIS_URL:
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

REST_FRAMEWORK = {
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # The API (hashtags/api/): JSON in and out, curator tokens, cursor pagination, throttles
    # whose rates are the settings above, and errors as {"field": ["message", ...]}.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["hashtags.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "hashtags.api.pagination.CursorPagination",
    "DEFAULT_THROTTLE_CLASSES": [
        "hashtags.api.throttling.AnonThrottle",
        "hashtags.api.throttling.UserThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hashtags.api.errors.exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Healthcare Hashtag Directory API",
    "DESCRIPTION": (
        "The open registry of healthcare hashtags and their chats. Reads are public; "
        "anyone may propose an entry (throttled); curators write with a token."
    ),
    "VERSION": "1.0.0",
    # 3.1: null is a type, so a nullable reference is `oneOf: [{$ref}, {type: null}]`,
    # which every client generator and validator reads alike (3.0's `nullable` beside a
    # $ref admits no null under 3.0.3's own rules).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Deep links put a link inside each operation's toggle button (nested controls).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    # Two choice sets are called "kind": an entry's and a submission's.
    "ENUM_NAME_OVERRIDES": {
        "HashtagKindEnum": "hashtags.models.Kind",
        "SubmissionKindEnum": "hashtags.models.Submission.Kind",
        # Two are called "role": a host's on an entry and the author of a recorded change.
        "HostRoleEnum": "hashtags.models.Role",
        "ChangeRoleEnum": "hashtags.models.Change.Role",
        # A chat's status (an entry's chats, an upcoming meeting's chat).
        "ChatStatusEnum": "hashtags.models.ChatStatus",
        # A public entry's status (the list's and the detail's): approved or retired.
        "PublicStatusEnum": [("approved", "Approved"), ("retired", "Retired")],
    },
    # The paths carry /api/v1, so the server is the site itself.
    "SERVERS": [{"url": SITE_URL, "description": "This site"}],
    # The data's licence and the export endpoints (hashtags/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hashtags.api.schema.complete_schema",
    ],
}

# Any origin may read the API; the HTML site sends no CORS headers at all.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False


# Logs go to stderr (a command's stdout is its output): JSON lines in production
# (LOG_FORMAT=json), plain text in development.
# Request logs carry method, path, status and duration; never bodies or form fields.
# Every line passes one filter that hides stewards' tokens (directory/logs.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text; got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"hide_steward_tokens": {"()": "directory.logs.HideStewardTokens"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": LOG_FORMAT,
            "filters": ["hide_steward_tokens"],
        }
    },
    "root": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (a console in DEBUG, mail to ADMINS) give way to the one
        # above, so its warnings (django.security.csrf names the path) pass the filter.
        "django": {"handlers": [], "level": "INFO"},
        # The request log below replaces Django's own one-line-per-4xx warnings.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING" if not DEBUG else "INFO"},
    },
}

# Security. Production (DEBUG off) is HTTPS-only: secure cookies, HSTS for a year with
# subdomains, and a redirect to HTTPS (health probes exempt). Behind a TLS-terminating
# proxy, set BEHIND_TLS_PROXY=1 so the proxy's X-Forwarded-Proto is trusted.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms carry the token
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", "0" if DEBUG else "1")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "0" if DEBUG else "1")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "1")
if envbool("BEHIND_TLS_PROXY", "0"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp): only the site's own scripts and styles run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# Permissions-Policy (django-permissions-policy), on every response: no page of a
# directory uses a camera, microphone, location, payment, USB or other device, nor lets
# an embedded frame do so. `interest-cohort` (FLoC) and its successor `browsing-topics`
# keep visitors' reading out of interest-based advertising. Only features browsers know:
# Chromium warns on every page about one it does not (ambient-light-sensor, bluetooth;
# tests/browser/test_console.py).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# A form body over this size is refused with 413 (the API's own limit is smaller: 256 KB).
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", str(1024 * 1024))

# Admin lock-out (django-axes): after AXES_FAILURE_LIMIT failed sign-ins from one client,
# sign-in is refused for AXES_COOLOFF_HOURS. Attempts are logged and listed in the admin.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_HOURS", "1")
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
# The same client key as every other limit: an IPv6 client is locked out by its /64.
AXES_CLIENT_IP_CALLABLE = "hashtags.serving.ratelimit.client_key"
AXES_RESET_ON_SUCCESS = True
# Not verbose: no start-up line on every management command, and a failed sign-in is
# logged by its client address only, never by the username that was tried.
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

# Activity from the open networks (hashtags.activity, `manage.py refresh_activity`).
# The Mastodon servers asked for each tag's use (GET /api/v1/tags/<tag>): large general
# servers and a health-focused one. Empty turns Mastodon off.
ACTIVITY_MASTODON_SERVERS = envurls(
    "ACTIVITY_MASTODON_SERVERS",
    "https://mastodon.social,https://mastodon.online,https://med-mastodon.com",
)
# Bluesky's post search needs a signed-in session: an account's handle and an app
# password (Settings → App passwords). Without both, Bluesky is not counted.
ACTIVITY_BLUESKY_HANDLE = os.environ.get("ACTIVITY_BLUESKY_HANDLE", "")
ACTIVITY_BLUESKY_APP_PASSWORD = os.environ.get("ACTIVITY_BLUESKY_APP_PASSWORD", "")
ACTIVITY_BLUESKY_SERVICE = envurls("ACTIVITY_BLUESKY_SERVICE", "https://bsky.social")[0]
ACTIVITY_TIMEOUT_SECONDS = envfloat("ACTIVITY_TIMEOUT_SECONDS", "10")
ACTIVITY_RETRIES = envint("ACTIVITY_RETRIES", "3")  # tries per request, the first included
# Waits between tries grow: 1 s, 2 s, 4 s… (with the default).
ACTIVITY_BACKOFF_SECONDS = envfloat("ACTIVITY_BACKOFF_SECONDS", "1")
# A server that asks to wait longer than this (429 Retry-After, X-RateLimit-Reset) is
# left for this run and reported, rather than holding the run up.
# Mastodon's default window is 5 minutes (300 requests per address).
ACTIVITY_MAX_WAIT_SECONDS = envfloat("ACTIVITY_MAX_WAIT_SECONDS", "300")
# An entry watched this long with no use seen is "dormant" on the curators' list.
ACTIVITY_DORMANT_DAYS = envint("ACTIVITY_DORMANT_DAYS", "180")
