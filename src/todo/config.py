"""Settings: the one place that reads the environment (and an optional `.env` file)."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """A setting is invalid; the message is one line fit for an operator."""


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("todo"))


class Settings(BaseSettings):
    """Every knob of the service. Environment variable names are the upper-cased field names."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", validate_default=True)

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: a private embedded PostgreSQL in DATA_DIR is used.",
    )
    db_pool_size: int = Field(default=20, ge=1, le=1000, description="Connections kept open.")
    db_max_overflow: int = Field(default=10, ge=0, le=1000, description="Extra connections.")
    db_pool_timeout: float = Field(default=30.0, gt=0, description="Seconds to wait for one.")
    db_connect_timeout: int = Field(
        default=5, ge=1, le=300, description="Seconds to wait for a new database connection."
    )
    db_statement_timeout: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Seconds a request's statement may run before the database cancels it (the "
        "request then answers 503); a request waits at most 2 s longer for any answer.",
    )
    db_lock_timeout: float = Field(
        default=2.0, gt=0, le=3600, description="Seconds a request's statement may wait for a lock."
    )
    db_idle_in_transaction_timeout: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Seconds a request's transaction may sit idle before the database ends it.",
    )
    db_prepared_statements: bool = Field(
        default=True,
        description="Use server-side prepared statements for repeated queries. Turn off behind "
        "a pooler in transaction mode that does not support them (PgBouncer < 1.21).",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the embedded PostgreSQL keeps its data (and other local state).",
    )
    host: str = Field(default="127.0.0.1", description="Address `todo serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `todo serve` listens on.")
    workers: int = Field(default=1, ge=1, le=64, description="Web worker processes.")
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    opentelemetry: bool = Field(
        default=False,
        description="FastAPI's native OpenTelemetry (traces, metrics, logs through the globally "
        "configured providers, e.g. under `opentelemetry-instrument`). Off, it costs nothing; "
        "on, FastAPI checks for providers on every request.",
    )

    better_auth_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="Signs session cookies and HS256 JWTs, encrypts the JWT signing key. At least "
        "32 characters. Unset: `todo serve` generates one and keeps it in DATA_DIR/secret.",
    )
    better_auth_url: str | None = Field(
        default=None,
        description="The service's public base URL (e.g. https://todo.example.com). Unset: the "
        "address `todo serve` listens on.",
    )
    trusted_origins: str = Field(
        default="",
        description="Comma-separated extra origins allowed to call /api/auth with cookies.",
    )
    cors_origins: str = Field(
        default="", description="Comma-separated origins allowed to call the API from a browser."
    )

    # --- accounts (Better Auth-compatible /api/auth) ---
    session_expires_in: int = Field(
        default=604800, ge=60, le=34560000, description="Session lifetime in seconds (7 days)."
    )
    session_update_age: int = Field(
        default=86400,
        ge=0,
        description="A session is slid forward at most this often, in seconds (1 day).",
    )
    session_fresh_age: int = Field(
        default=86400,
        ge=0,
        description="Seconds a session counts as fresh: listing sessions, or deleting the "
        "account without a password, needs a session created within this time (1 day).",
    )
    require_email_verification: bool = Field(
        default=False, description="Refuse sign-in until the email address is verified."
    )
    send_verification_on_sign_up: bool = Field(
        default=True, description="Email a verification link when someone signs up."
    )
    reset_password_token_expires_in: int = Field(
        default=3600, ge=60, description="Lifetime of a password-reset link, in seconds."
    )
    verification_token_expires_in: int = Field(
        default=3600, ge=60, description="Lifetime of an email-verification link, in seconds."
    )
    password_hash_memory_kib: int = Field(
        default=19456, ge=19456, description="argon2id memory cost in KiB (OWASP minimum)."
    )
    password_hash_time_cost: int = Field(
        default=2, ge=2, le=100, description="argon2id iterations (OWASP minimum)."
    )
    password_hash_parallelism: int = Field(default=1, ge=1, le=64, description="argon2id lanes.")
    password_hash_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="argon2id computations one process runs at once; more wait their turn. "
        "Unset: the number of CPUs.",
    )
    password_hash_wait: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Seconds a password check waits for its turn before the request is answered "
        "503 with Retry-After.",
    )
    sign_in_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins for one account from one client address; past this many, "
        "that address waits out SIGN_IN_FAILURE_WINDOW before its next try for the account.",
    )
    sign_in_failure_window: float = Field(
        default=60.0,
        gt=0,
        le=86400,
        description="The sign-in throttling window, in seconds: the longest any throttle lasts "
        "once the failures stop.",
    )
    sign_in_delay_after: int = Field(
        default=2,
        ge=0,
        description="Failed sign-ins for one account from one address answered at once; each "
        "further one makes the next try wait twice as long, from a sixtieth of the window "
        "(1, 2, 4... seconds for a 60 s window).",
    )
    sign_in_address_max_failures: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins from one client address, over all accounts, per window "
        "(credential stuffing from one address).",
    )
    sign_in_account_max_failures: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins for one account from all addresses together per window "
        "(stuffing from many addresses); addresses the account is signed in from are exempt.",
    )
    auth_rate_limit_enabled: bool = Field(
        default=True, description="Limit /api/auth requests per client address."
    )
    auth_rate_limit_window: float = Field(
        default=10.0, gt=0, le=86400, description="Window of the per-address limits, seconds."
    )
    auth_rate_limit_max: int = Field(
        default=100, ge=1, description="/api/auth requests per address per window."
    )
    auth_rate_limit_sign_in_max: int = Field(
        default=10,
        ge=1,
        description="Sign-in, sign-up and change-password requests per address per window.",
    )
    auth_rate_limit_email_window: float = Field(
        default=60.0, gt=0, le=86400, description="Window of the email-sending limit, seconds."
    )
    auth_rate_limit_email_max: int = Field(
        default=3,
        ge=1,
        description="Password-reset and verification emails requested per address per window.",
    )
    jwt_expires_in: int = Field(
        default=900, ge=10, le=86400, description="Lifetime of JWTs from /api/auth/token (s)."
    )
    jwt_issuer: str | None = Field(
        default=None,
        description="`iss` of issued JWTs; when set, JWTs the API accepts must carry it too. "
        "Unset: issued with the base URL's origin, not checked.",
    )
    jwt_audience: str | None = Field(
        default=None,
        description="`aud` of issued JWTs; when set, JWTs the API accepts must name it too. "
        "Unset: issued with the base URL's origin, not checked.",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for verification and reset emails. Unset: links are logged.",
    )
    smtp_port: int = Field(
        default=587, ge=1, le=65535, description="SMTP port (465 means implicit TLS)."
    )
    smtp_user: str | None = Field(default=None, description="SMTP login (optional).")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(default="todo <no-reply@localhost>", description="Sender address.")
    smtp_starttls: bool = Field(
        default=True, description="Upgrade the SMTP connection with STARTTLS (not on port 465)."
    )
    smtp_timeout: float = Field(default=10.0, gt=0, description="SMTP timeout in seconds.")

    # --- operations ---
    readyz_timeout: float = Field(
        default=1.0,
        gt=0,
        le=30,
        description="Seconds GET /readyz waits for the database (connect, query) before it "
        "answers 503.",
    )
    shutdown_drain_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description="After SIGTERM, seconds a worker keeps serving its open keep-alive "
        "connections, answering each request with `Connection: close`, before it closes the "
        "idle ones (new connections are refused at once).",
    )
    shutdown_timeout: int = Field(
        default=8,
        ge=1,
        le=3600,
        description="After SIGTERM, seconds within which every worker exits: requests still "
        "running then are cancelled (answered 500). The drain above is part of this time.",
    )

    # --- every request ---
    body_timeout: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Seconds a client has to send a whole request body; a slower one gets 408.",
    )
    max_query_bytes: int = Field(
        default=8192, ge=256, description="Longest query string accepted; a longer one gets 414."
    )

    # --- task API ---
    api_rate_limit_per_minute: int = Field(
        default=100,
        ge=0,
        description="Task API requests one user may make per minute (0: no limit).",
    )
    api_rate_limit_per_hour: int = Field(
        default=1000,
        ge=0,
        description="Task API requests one user may make per hour (0: no limit).",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1, description="Largest request body accepted (1 MB); more gets 413."
    )
    import_max_bytes: int = Field(
        default=16_777_216,
        ge=1,
        description="Largest body POST /api/{user_id}/import accepts (16 MB: 10,000 tasks).",
    )

    # --- web ---
    web_page_size: int = Field(
        default=50,
        ge=1,
        le=500,
        description="Tasks the web task page shows at once; more load on demand (WEB_PAGE_SIZE).",
    )

    @property
    def base_url(self) -> str:
        """The public base URL, without a trailing slash."""
        return (self.better_auth_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def secret(self) -> str:
        """The Better Auth secret; only `todo serve` and tests may run without one set."""
        if self.better_auth_secret is None:
            raise SettingsError("invalid setting BETTER_AUTH_SECRET: not set")
        return self.better_auth_secret.get_secret_value()

    @staticmethod
    def split(value: str) -> list[str]:
        """A comma-separated setting as a list (blank items dropped)."""
        return [item.strip().rstrip("/") for item in value.split(",") if item.strip()]

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        scheme = value.split("://", 1)[0].split("+", 1)[0]
        if "://" not in value or scheme not in {"postgres", "postgresql"}:
            raise ValueError("must be a postgresql:// URL")
        return value.strip()

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.lower()
        if level not in {"debug", "info", "warning", "error"}:
            raise ValueError("must be one of debug, info, warning, error")
        return level


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]).upper() or "settings"
    message = first["msg"].removeprefix("Value error, ")
    more = len(error.errors()) - 1
    suffix = f" (and {more} more)" if more else ""
    return f"invalid setting {field}: {message}{suffix}"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise SettingsError with one clear line if invalid."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(_one_line(error)) from None
