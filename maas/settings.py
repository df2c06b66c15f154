"""Service settings, built by `load_settings()` from `MAAS_*` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, ValidationInfo, field_validator

REPO_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A `MAAS_*` variable has a value the service cannot use."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str = f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / 'maas.sqlite3'}"
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    corpus_dir: Path = REPO_ROOT.parent / "shared" / "corpus"
    data_dir: Path = REPO_ROOT / "var"
    demo_dir: Path = REPO_ROOT / "fixtures" / "demo-region"
    # Pepper mixed into token hashes so a leaked database alone cannot be matched to tokens.
    secret_key: SecretStr = SecretStr("dev-only-secret-change-me")
    demo_password: SecretStr = SecretStr("yamabuki-demo")
    token_ttl_s: int = Field(default=12 * 3600, ge=60)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object a line, with the request id
    # Load the journey planner's network (today's timetable) in the background at app start.
    planner_warmup: bool = True
    # JSON file enabling operator adapters (see maas/plugins.py); none enabled when unset.
    operators_config: Path | None = None
    operator_budget_s: float = Field(default=3.0, gt=0, le=60)  # per operator, per offer search
    # Payments: Stripe when a secret key is set, otherwise pay on board / invoice the municipality.
    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None  # a Stripe-compatible server (localstripe in tests)
    fare_rules: Path | None = None  # the municipality's fare rules (JSON, maas.domain.fare_rules); none when unset
    booking_confirm_within_s: int = Field(default=900, ge=30, le=7 * 86400)  # wait for a conditional leg
    sell_transit_tickets: bool = True  # offer and book transit legs priced by the feeds' fares
    # Municipal analyses: the accessibility engine (the project's router, or r5py with R5's jar and an OSM extract).
    access_engine: Literal["raptor", "r5"] = "raptor"
    r5_jar: Path | None = Field(default=None, validate_default=True)
    r5_osm: Path | None = Field(default=None, validate_default=True)
    population: Path | None = None  # the region's population field; <demo_dir>/population.csv when unset
    # Streets (routing.streets) for the vans' and taxis' rides: an .osm.pbf or .osm file; straight lines when unset.
    osm_file: Path | None = None
    analysis_workers: int = Field(default=1, ge=1, le=2)  # analyses computed at once
    # Drivers' reports and operators' leg events are refused this long before a trip is due to
    # begin, or after it is due to end (maas.domain.plausibility).
    trip_event_before_s: int = Field(default=2 * 3600, ge=0, le=7 * 86400)
    trip_event_after_s: int = Field(default=6 * 3600, ge=0, le=7 * 86400)
    # JSON file naming the GTFS-Realtime sources (maas/routing_adapter/realtime_sources.py); none when unset.
    realtime_config: Path | None = None
    # Webhooks: http to this machine is allowed only in development; https everywhere always.
    webhooks_allow_loopback_http: bool = False
    webhook_timeout_s: float = Field(default=5.0, gt=0, le=30)
    webhook_retry_base_s: float = Field(default=30.0, gt=0, le=3600)  # doubled per failure, with jitter
    webhook_disable_after_days: float = Field(default=3.0, gt=0, le=30)  # an endpoint failing this long is disabled
    webhook_poll_s: float = Field(default=2.0, gt=0, le=60)  # the delivery worker's round when not woken
    event_stream_heartbeat_s: float = Field(default=15.0, gt=0, le=300)  # SSE comment lines keep proxies open
    # Riders' language when Accept-Language names neither Japanese nor English.
    default_language: Literal["ja", "en"] = "ja"
    # Personal data (docs/privacy.md): `maas serve` refuses the development secret unless this is set.
    dev_mode: bool = False
    # AES-GCM keys for accounts' home, needs and phone (maas.storage.field_cipher); created under
    # <data_dir>/keys/data-keys.json (mode 0600) when unset.
    data_key_file: Path | None = None
    # Retention: ride places coarsened to the ~250 m mesh after this many days; refused requests
    # and access-audit entries deleted after theirs; the job runs this often in the server.
    retention_ride_places_days: int = Field(default=90, ge=1, le=3650)
    retention_refusals_days: int = Field(default=365, ge=1, le=3650)
    retention_audit_days: int = Field(default=3 * 365, ge=30, le=3650)
    retention_interval_s: int = Field(default=24 * 3600, ge=60)
    # Aggregates over recorded trips from fewer riders than this are suppressed (k-anonymity).
    min_riders_per_aggregate: int = Field(default=5, ge=1, le=1000)
    # HSTS is sent on responses that arrived over TLS (directly or X-Forwarded-Proto: https) when set.
    hsts: bool = True
    # Rate limits (maas/ratelimit.py), each per client address and per account: `N/unit` joined by `;`.
    rate_limits: bool = True
    rate_limit_storage: str = "database"  # or memory:// (one process), redis://HOST:PORT
    rate_limit_sign_in: str = "10/minute;60/hour"
    rate_limit_register: str = "20/hour"
    rate_limit_expensive: str = "120/minute"  # plans, door-to-door plans, starting analyses
    # Behind a load balancer: the client address is the last one it appended to X-Forwarded-For.
    forwarded_for: bool = False
    # GET /metrics asks for `Authorization: Bearer <this>` when set (the figures are the town's business).
    metrics_token: SecretStr | None = None

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://", "sqlite://", "postgresql://")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
        # Plain scheme names are accepted and mapped to the async drivers the service runs on.
        if value.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + value.removeprefix("sqlite://")
        if value.startswith("postgresql://"):
            return "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("r5_jar", "r5_osm")
    @classmethod
    def _r5_files(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if info.data.get("access_engine") == "r5" and value is None:
            raise ValueError("MAAS_ACCESS_ENGINE=r5 needs MAAS_R5_JAR (R5's r5-all.jar) and MAAS_R5_OSM (an .osm.pbf)")
        return value

    @field_validator("rate_limit_sign_in", "rate_limit_register", "rate_limit_expensive")
    @classmethod
    def _readable_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError("write limits as N/unit joined by ';', for example 10/minute;60/hour") from None
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _known_storage(cls, value: str) -> str:
        if value != "database" and value != "memory://" and not value.startswith(("redis://", "rediss://")):
            raise ValueError("use database, memory:// or redis://HOST:PORT")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("one of DEBUG, INFO, WARNING, ERROR")
        return level

    @property
    def is_default_secret(self) -> bool:
        return self.secret_key.get_secret_value() == "dev-only-secret-change-me"


_ENV_FIELDS = {
    "MAAS_DATABASE_URL": "database_url",
    "MAAS_HOST": "host",
    "MAAS_PORT": "port",
    "MAAS_CORPUS": "corpus_dir",
    "MAAS_DATA_DIR": "data_dir",
    "MAAS_DEMO_DIR": "demo_dir",
    "MAAS_SECRET_KEY": "secret_key",
    "MAAS_DEMO_PASSWORD": "demo_password",
    "MAAS_TOKEN_TTL_S": "token_ttl_s",
    "MAAS_MAX_BODY_BYTES": "max_body_bytes",
    "MAAS_LOG_LEVEL": "log_level",
    "MAAS_LOG_FORMAT": "log_format",
    "MAAS_PLANNER_WARMUP": "planner_warmup",
    "MAAS_OPERATORS_CONFIG": "operators_config",
    "MAAS_OPERATOR_BUDGET_S": "operator_budget_s",
    "MAAS_STRIPE_API_KEY": "stripe_api_key",
    "MAAS_STRIPE_WEBHOOK_SECRET": "stripe_webhook_secret",
    "MAAS_STRIPE_API_BASE": "stripe_api_base",
    "MAAS_BOOKING_CONFIRM_WITHIN_S": "booking_confirm_within_s",
    "MAAS_FARE_RULES": "fare_rules",
    "MAAS_SELL_TRANSIT_TICKETS": "sell_transit_tickets",
    "MAAS_ACCESS_ENGINE": "access_engine",
    "MAAS_R5_JAR": "r5_jar",
    "MAAS_R5_OSM": "r5_osm",
    "MAAS_POPULATION": "population",
    "MAAS_OSM_FILE": "osm_file",
    "MAAS_ANALYSIS_WORKERS": "analysis_workers",
    "MAAS_TRIP_EVENT_BEFORE_S": "trip_event_before_s",
    "MAAS_TRIP_EVENT_AFTER_S": "trip_event_after_s",
    "MAAS_DEFAULT_LANGUAGE": "default_language",
    "MAAS_DEV_MODE": "dev_mode",
    "MAAS_DATA_KEY_FILE": "data_key_file",
    "MAAS_RETENTION_RIDE_PLACES_DAYS": "retention_ride_places_days",
    "MAAS_RETENTION_REFUSALS_DAYS": "retention_refusals_days",
    "MAAS_RETENTION_AUDIT_DAYS": "retention_audit_days",
    "MAAS_RETENTION_INTERVAL_S": "retention_interval_s",
    "MAAS_MIN_RIDERS_PER_AGGREGATE": "min_riders_per_aggregate",
    "MAAS_HSTS": "hsts",
    "MAAS_REALTIME_CONFIG": "realtime_config",
    "MAAS_RATE_LIMITS": "rate_limits",
    "MAAS_RATE_LIMIT_STORAGE": "rate_limit_storage",
    "MAAS_RATE_LIMIT_SIGN_IN": "rate_limit_sign_in",
    "MAAS_RATE_LIMIT_REGISTER": "rate_limit_register",
    "MAAS_RATE_LIMIT_EXPENSIVE": "rate_limit_expensive",
    "MAAS_FORWARDED_FOR": "forwarded_for",
    "MAAS_METRICS_TOKEN": "metrics_token",
    "MAAS_WEBHOOKS_ALLOW_LOOPBACK_HTTP": "webhooks_allow_loopback_http",
    "MAAS_WEBHOOK_TIMEOUT_S": "webhook_timeout_s",
    "MAAS_WEBHOOK_RETRY_BASE_S": "webhook_retry_base_s",
    "MAAS_WEBHOOK_DISABLE_AFTER_DAYS": "webhook_disable_after_days",
    "MAAS_WEBHOOK_POLL_S": "webhook_poll_s",
    "MAAS_EVENT_STREAM_HEARTBEAT_S": "event_stream_heartbeat_s",
}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from the environment (default `os.environ`); unknown `MAAS_*` names are errors."""
    env = os.environ if environ is None else environ
    unknown = sorted(k for k in env if k.startswith("MAAS_") and k not in _ENV_FIELDS and k not in _IGNORED)
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(_ENV_FIELDS))}")
    values: dict[str, object] = {field: env[name] for name, field in _ENV_FIELDS.items() if env.get(name, "") != ""}
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        names = {field: name for name, field in _ENV_FIELDS.items()}
        problems = "; ".join(
            f"{names.get(str(err['loc'][0]), err['loc'][0])}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(problems) from None


# Variables read by the test suite or tooling, not by the service.
_IGNORED = {"MAAS_TEST_POSTGRES_URL"}
