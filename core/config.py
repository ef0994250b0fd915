"""Instance configuration: `ncen.toml` overridden by `NCEN_*` environment variables.

Every key is declared once in `SETTINGS`; a key that is unknown, of the wrong type or out of
range is refused with a `ConfigError` naming it, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.errors import ConfigError

BUILTIN_MODULES = (
    "seizures",
    "suspects",
    "companies",
    "icomm",
    "update_manager",
    "intelligence",
)
CONFIG_ENV = "NCEN_CONFIG"
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class GraphQLSettings:
    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 4000
    max_page_size: int = 200
    max_body_bytes: int = 1_048_576
    max_cost: int = 50_000
    max_result_items: int = 20_000
    max_request_seconds: float = 5.0
    max_list_items: int = 500
    introspection: bool = True
    anonymous_introspection: bool = False
    ide: bool = False


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # Browser origins (scheme://host[:port]) allowed to call the API from their own pages.
    cors_origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutboxSettings:
    batch_size: int = 500
    poll_interval: float = 1.0
    batch_interval: float = 0.5
    max_attempts: int = 8
    retry_base_delay: float = 2.0
    lease_seconds: float = 60.0


@dataclass(frozen=True)
class AuthSettings:
    """Accounts and sessions (`[ncen.auth]`); see docs/security.md for why these defaults."""

    password_min_length: int = 15
    password_max_length: int = 1024
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536  # KiB (64 MiB): RFC 9106 second recommended option
    argon2_parallelism: int = 4
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    login_free_attempts: int = 3
    login_base_delay: float = 1.0
    login_max_delay: float = 300.0
    login_lockout_threshold: int = 10
    login_lockout_minutes: int = 30
    login_source_free_attempts: int = 30
    login_account_lockout_threshold: int = 100
    api_token_max_days: int = 365
    # Verified credentials kept in memory this long (0: off); see core/auth/credential_cache.py.
    credential_cache_seconds: float = 30.0


@dataclass(frozen=True)
class AuditSettings:
    """The audit log's signed checkpoints (`[ncen.audit]`); see docs/security.md."""

    checkpoint_minutes: float = 10.0


@dataclass(frozen=True)
class SearchSettings:
    """What one search may cost (`[ncen.search]`); see docs/security.md."""

    max_terms: int = 32
    max_expanding_terms: int = 4
    max_expansions: int = 1000
    timeout_seconds: float = 2.0
    max_concurrent: int = 4
    # Matches counted and ranked exactly; a query matching more gets an estimated total and the
    # best of the first matches found (PostgreSQL backend; docs/search.md).
    exact_total_limit: int = 1_000
    # Where the index lives: "auto" is PostgreSQL full-text search on a PostgreSQL database and
    # whoosh files under the data dir on SQLite (docs/search.md, docs/deployment.md).
    backend: str = "auto"


@dataclass(frozen=True)
class AttachmentSettings:
    """Uploaded photos (`[ncen.attachments]`); see docs/attachments.md."""

    max_upload_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 50_000_000  # decoded size bound: ~200 MB of RGBA per image being processed
    thumbnail_size: int = 320
    unattached_hours: int = 24
    max_unattached_per_user: int = 200
    # Where photo files live: "auto" is the database on PostgreSQL (no shared disk between app
    # servers) and files under the data dir on SQLite (docs/attachments.md).
    storage: str = "auto"


@dataclass(frozen=True)
class SharingSettings:
    """What leaves for the global database (`[ncen.sharing]`); see docs/sharing.md."""

    # off: nothing is queued; automatic: a record is queued when it is validated; manual: a
    # user queues batches. Corrections and withdrawals of what was sent follow in both modes.
    global_export: str = "off"
    global_types: tuple[str, ...] = ("Seizure",)
    # This instance is the global database: it stores the non-nominal payloads that national
    # instances send (refusing any nominal field), as read-only records of their country.
    global_database: bool = False


GLOBAL_EXPORT_MODES = ("off", "automatic", "manual")


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    modules: tuple[str, ...] = BUILTIN_MODULES
    languages: tuple[str, ...] = ("en", "fr", "es", "ar", "ru")
    default_language: str = "en"
    country: str = "XX"
    graphql: GraphQLSettings = field(default_factory=GraphQLSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    attachments: AttachmentSettings = field(default_factory=AttachmentSettings)
    # Per-module settings as given (`[ncen.module.<name>]` tables, `NCEN_MODULE_*` variables):
    # checked against the modules' declarations when the instance is built (core/settings.py).
    module_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    module_environ: Mapping[str, str] = field(default_factory=dict)
    search: SearchSettings = field(default_factory=SearchSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    sharing: SharingSettings = field(default_factory=SharingSettings)
    source: str = "defaults"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def search_dir(self) -> Path:
        return self.data_dir / "search"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"


# --- value parsers: each takes the raw value (TOML value or env string) and the key -----------


def _as_int(minimum: int, maximum: int) -> Callable[[Any, str], int]:
    def parse(value: Any, key: str) -> int:
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ConfigError(f"{key}: expected an integer, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        if not minimum <= value <= maximum:
            raise ConfigError(f"{key}: must be between {minimum} and {maximum}, got {value}")
        return value

    return parse


def _as_float(minimum: float, maximum: float) -> Callable[[Any, str], float]:
    def parse(value: Any, key: str) -> float:
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key}: expected a number, got {value!r}") from None
        if isinstance(value, bool) or not minimum <= number <= maximum:
            raise ConfigError(f"{key}: must be between {minimum} and {maximum}, got {value!r}")
        return number

    return parse


def _as_bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{key}: expected true or false, got {value!r}")


def _as_str(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: expected a non-empty string, got {value!r}")
    return value.strip()


def _as_list(item: Callable[[Any, str], str]) -> Callable[[Any, str], tuple[str, ...]]:
    def parse(value: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        items = tuple(item(v, key) for v in value)
        if len(set(items)) != len(items):
            raise ConfigError(
                f"{key}: lists {sorted({i for i in items if items.count(i) > 1})} twice"
            )
        return items

    return parse


def _one_of(*choices: str) -> Callable[[Any, str], str]:
    def parse(value: Any, key: str) -> str:
        text = _as_str(value, key).lower()  # `PostgreSQL` is as good as `postgresql`
        if text not in choices:
            raise ConfigError(f"{key}: must be one of {list(choices)}, got {value!r}")
        return text

    return parse


def _entity_type(value: Any, key: str) -> str:
    text = _as_str(value, key)
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]{0,99}", text):
        raise ConfigError(f"{key}: {text!r} is not an entity type name (e.g. Seizure)")
    return text


def _module_name(value: Any, key: str) -> str:
    name = _as_str(value, key)
    if not _MODULE_NAME.match(name):
        raise ConfigError(f"{key}: {name!r} is not a valid module name")
    return name


def _language(value: Any, key: str) -> str:
    code = _as_str(value, key).lower()
    if not _LANGUAGE.match(code):
        raise ConfigError(f"{key}: {value!r} is not an ISO 639 language code")
    return code


def _country(value: Any, key: str) -> str:
    """ISO 3166 alpha-2; the user-assigned XA-XZ range is accepted for test and demo instances."""
    import pycountry

    code = _as_str(value, key).upper()
    if re.fullmatch(r"X[A-Z]", code) or pycountry.countries.get(alpha_2=code) is not None:
        return code
    raise ConfigError(f"{key}: {value!r} is not an ISO 3166 alpha-2 country code")


def _origin(value: Any, key: str) -> str:
    """A browser origin, `scheme://host[:port]` as browsers send it in `Origin`, or `*`."""
    text = _as_str(value, key)
    if text == "*":
        return text
    parts = urlsplit(text)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # not a number, or out of range
        port_ok = False
    if (
        not port_ok
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            f"{key}: {text!r} is not an origin; write scheme://host[:port], "
            "e.g. http://localhost:5173, or * for any origin"
        )
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _database_url(value: Any, key: str) -> str:
    url = _as_str(value, key)
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            f"{key}: {url.split('://')[0]!r} is not supported; use sqlite+aiosqlite:///PATH "
            "or postgresql+asyncpg://USER:PASSWORD@HOST/DB"
        )
    return url


# section -> key -> parser; "ncen" is the top-level section.
SETTINGS: dict[str, dict[str, Callable[[Any, str], Any]]] = {
    "ncen": {
        "data_dir": _as_str,
        "database_url": _database_url,
        "modules": _as_list(_module_name),
        "languages": _as_list(_language),
        "default_language": _language,
        "country": _country,
    },
    "graphql": {
        "max_depth": _as_int(2, 100),
        "max_aliases": _as_int(1, 1000),
        "max_tokens": _as_int(100, 100_000),
        "max_page_size": _as_int(1, 10_000),
        "max_body_bytes": _as_int(1_024, 100_000_000),
        "max_cost": _as_int(100, 100_000_000),
        "max_result_items": _as_int(100, 100_000_000),
        "max_request_seconds": _as_float(0.1, 3600.0),
        "max_list_items": _as_int(1, 1_000_000),
        "introspection": _as_bool,
        "anonymous_introspection": _as_bool,
        "ide": _as_bool,
    },
    "server": {
        "host": _as_str,
        "port": _as_int(1, 65535),
        "workers": _as_int(1, 64),
        "cors_origins": _as_list(_origin),
    },
    "outbox": {
        "batch_size": _as_int(1, 100_000),
        "poll_interval": _as_float(0.01, 60.0),
        "batch_interval": _as_float(0.0, 10.0),
        "max_attempts": _as_int(1, 100),
        "retry_base_delay": _as_float(0.0, 3600.0),
        "lease_seconds": _as_float(1.0, 86_400.0),
    },
    "auth": {
        "password_min_length": _as_int(8, 256),
        "password_max_length": _as_int(64, 4096),
        "argon2_time_cost": _as_int(1, 100),
        "argon2_memory_cost": _as_int(8, 4_194_304),
        "argon2_parallelism": _as_int(1, 64),
        "session_idle_minutes": _as_int(1, 7 * 24 * 60),
        "credential_cache_seconds": _as_float(0.0, 300.0),
        "session_absolute_hours": _as_int(1, 24 * 31),
        "login_free_attempts": _as_int(0, 100),
        "login_base_delay": _as_float(0.0, 3600.0),
        "login_max_delay": _as_float(0.0, 86_400.0),
        "login_lockout_threshold": _as_int(1, 1000),
        "login_lockout_minutes": _as_int(1, 7 * 24 * 60),
        "login_source_free_attempts": _as_int(0, 100_000),
        "login_account_lockout_threshold": _as_int(1, 100_000),
        "api_token_max_days": _as_int(1, 3650),
    },
    "audit": {"checkpoint_minutes": _as_float(0.0, 7 * 24 * 60.0)},
    "search": {
        "max_terms": _as_int(1, 1000),
        "max_expanding_terms": _as_int(0, 100),
        "max_expansions": _as_int(1, 1_000_000),
        "timeout_seconds": _as_float(0.05, 600.0),
        "max_concurrent": _as_int(1, 256),
        "exact_total_limit": _as_int(100, 100_000_000),
        "backend": _one_of("auto", "whoosh", "postgresql"),
    },
    "attachments": {
        "max_upload_bytes": _as_int(1024, 1024**3),
        "max_pixels": _as_int(10_000, 500_000_000),
        "thumbnail_size": _as_int(16, 2048),
        "unattached_hours": _as_int(1, 24 * 31),
        "max_unattached_per_user": _as_int(1, 100_000),
        "storage": _one_of("auto", "files", "database"),
    },
    "sharing": {
        "global_export": _one_of(*GLOBAL_EXPORT_MODES),
        "global_types": _as_list(_entity_type),
        "global_database": _as_bool,
    },
}


def _env_name(section: str, key: str) -> str:
    return f"NCEN_{key.upper()}" if section == "ncen" else f"NCEN_{section.upper()}_{key.upper()}"


MODULE_TABLE = "module"  # [ncen.module.<name>]: one table per module, see core/settings.py
MODULE_ENV_PREFIX = "NCEN_MODULE_"


def _module_tables(value: Any) -> dict[str, dict[str, Any]]:
    """The `[ncen.module.<name>]` tables, checked for shape only (names, tables)."""
    if not isinstance(value, dict):
        raise ConfigError("ncen.module must be a table of [ncen.module.<name>] tables")
    for name, table in value.items():
        if not _MODULE_NAME.match(name):
            raise ConfigError(f"[ncen.module.{name}]: {name!r} is not a valid module name")
        if not isinstance(table, dict):
            raise ConfigError(f"ncen.module.{name} must be a table: [ncen.module.{name}]")
    return value


def _read_file(path: Path) -> dict[str, dict[str, Any]]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    top = raw.pop("ncen", None)
    if raw:
        raise ConfigError(
            f"unknown top-level table(s) {sorted(raw)}: everything lives under [ncen]"
        )
    if not isinstance(top, dict):
        raise ConfigError(f"config file {path} has no [ncen] table")
    sections: dict[str, dict[str, Any]] = {"ncen": {}}
    for key, value in top.items():
        if key == MODULE_TABLE:
            sections[MODULE_TABLE] = _module_tables(value)
        elif isinstance(value, dict):
            if key not in SETTINGS or key == "ncen":
                raise ConfigError(f"unknown config table [ncen.{key}]")
            sections[key] = value
        else:
            sections["ncen"][key] = value
    return sections


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the config file (if any) and apply `NCEN_*` overrides; raise ConfigError if bad."""
    environ = os.environ if environ is None else environ
    path = path or environ.get(CONFIG_ENV)
    sections: dict[str, dict[str, Any]] = {}
    source = "defaults"
    if path:
        sections = _read_file(Path(path))
        source = str(path)

    module_settings = sections.pop(MODULE_TABLE, {})
    values: dict[str, dict[str, Any]] = {name: {} for name in SETTINGS}
    for section, given in sections.items():
        for key, value in given.items():
            parser = SETTINGS[section].get(key)
            dotted = f"ncen.{key}" if section == "ncen" else f"ncen.{section}.{key}"
            if parser is None:
                raise ConfigError(f"unknown config key {dotted}")
            values[section][key] = parser(value, dotted)
    for section, parsers in SETTINGS.items():
        for key, parser in parsers.items():
            env_name = _env_name(section, key)
            if env_name in environ:
                values[section][key] = parser(environ[env_name], env_name)

    top = values["ncen"]
    data_dir = Path(top.pop("data_dir", "data")).expanduser().resolve()
    database_url = top.pop("database_url", None) or f"sqlite+aiosqlite:///{data_dir / 'ncen.db'}"
    config = Config(
        data_dir=data_dir,
        database_url=database_url,
        graphql=GraphQLSettings(**values["graphql"]),
        server=ServerSettings(**values["server"]),
        outbox=OutboxSettings(**values["outbox"]),
        auth=AuthSettings(**values["auth"]),
        attachments=AttachmentSettings(**values["attachments"]),
        module_settings=module_settings,
        module_environ={k: v for k, v in environ.items() if k.startswith(MODULE_ENV_PREFIX)},
        search=SearchSettings(**values["search"]),
        audit=AuditSettings(**values["audit"]),
        sharing=SharingSettings(**values["sharing"]),
        source=source,
        **top,
    )
    if config.is_sqlite and config.search.backend == "postgresql":
        raise ConfigError(
            "ncen.search.backend: postgresql needs a PostgreSQL ncen.database_url; "
            "use auto or whoosh on SQLite"
        )
    if config.default_language not in config.languages:
        raise ConfigError(
            f"ncen.default_language: {config.default_language!r} is not one of "
            f"ncen.languages {list(config.languages)}"
        )
    return config
