"""Settings: a TOML file, then `INTAKE_…` environment overrides, validated by pydantic.

Environment overrides: the short names of `ENV_OVERRIDES` (INTAKE_STATE_DIR,
INTAKE_MAILDIR, INTAKE_IMAP_HOST…), or any key as INTAKE_SECTION__KEY.

Where the file comes from, first match wins: `--config PATH`, `$INTAKE_CONFIG`,
`config/intake.toml` when it exists, else the embedded default (a Maildir at ./var/mail,
state in ./var/state), so that a fresh clone runs with no configuration at all.
Relative paths are taken from the working directory (the systemd unit sets it).

Secrets never sit in the TOML: the IMAP password is read from `source.imap.password_file`,
or from the systemd credential `$CREDENTIALS_DIRECTORY/<password_credential>`.
Every error names the file, the key and the problem.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Self, TypeGuard, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from intake.core.tomlfile import read_toml
from intake.edges.state_layout import StateLayout
from intake.errors import SetupError

DEFAULT_CONFIG_PATH = Path("config/intake.toml")
ENV_CONFIG = "INTAKE_CONFIG"
ENV_PREFIX = "INTAKE_"

# The environment variables that override a key, and the key they override.
ENV_OVERRIDES: Mapping[str, tuple[str, ...]] = {
    "INTAKE_STATE_DIR": ("state_dir",),
    "INTAKE_RULES_DIR": ("rules_dir",),
    "INTAKE_OWN_ADDRESS": ("own_address",),
    "INTAKE_SOURCE_KIND": ("source", "kind"),
    "INTAKE_MAILDIR": ("source", "maildir"),
    "INTAKE_IMAP_HOST": ("source", "imap", "host"),
    "INTAKE_IMAP_PORT": ("source", "imap", "port"),
    "INTAKE_IMAP_SECURITY": ("source", "imap", "security"),
    "INTAKE_IMAP_USERNAME": ("source", "imap", "username"),
    "INTAKE_IMAP_PASSWORD_FILE": ("source", "imap", "password_file"),
    "INTAKE_IMAP_FOLDER": ("source", "imap", "folder"),
}


class ConfigError(SetupError):
    """The configuration cannot be read or says something invalid."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ServerSection(_Section):
    """A mail server we log in to (IMAP, SMTP): its password is never written inline,
    and a plain-text connection is allowed only to this machine."""

    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["tls", "starttls", "plain"] = "tls"

    # What a plain-text connection would expose, for the error message.
    _sent_in_clear: ClassVar[str] = "the password"

    @model_validator(mode="before")
    @classmethod
    def _no_inline_password(cls, data: Any) -> Any:
        if isinstance(data, dict) and "password" in data:
            raise ValueError(
                "a password does not belong in the configuration file: put it in a file "
                "named by password_file, or in the systemd credential password_credential"
            )
        return data

    @model_validator(mode="after")
    def _plain_only_to_loopback(self) -> Self:
        if self.security == "plain" and not _is_loopback(self.host):
            raise ValueError(
                f"security = 'plain' sends {self._sent_in_clear} in clear: allowed only to a "
                f"loopback host, not {self.host!r}; use 'tls' or 'starttls'"
            )
        return self


class ImapSettings(_ServerSection):
    port: int | None = Field(default=None, ge=1, le=65535, description="993 for tls, else 143")
    username: str = Field(min_length=1)
    password_file: Path | None = None
    password_credential: str = Field(
        default="imap-password", description="Name under $CREDENTIALS_DIRECTORY (systemd)"
    )
    folder: str = "INBOX"
    processed_action: Literal["move", "keyword"] = "move"
    processed_folder: str = "Processed"
    failed_folder: str = "Failed"
    processed_keyword: str = "$IntakeProcessed"
    failed_keyword: str = "$IntakeFailed"
    tls_ca_file: Path | None = Field(default=None, description="CA bundle of a private CA")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    batch_size: int = Field(default=50, ge=1, le=1000)

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 993 if self.security == "tls" else 143

    def password(self) -> str:
        """The password, read now from its file or credential (never kept in the settings)."""
        if self.password_file is not None:
            return _read_secret(self.password_file, "source.imap.password_file")
        credentials = os.environ.get("CREDENTIALS_DIRECTORY")
        if credentials:
            path = Path(credentials) / self.password_credential
            if path.exists():
                return _read_secret(path, f"credential {self.password_credential}")
        raise ConfigError(
            "source.imap: no password: set password_file, or pass the systemd credential "
            f"{self.password_credential!r} (LoadCredential=)"
        )


class SourceSettings(_Section):
    kind: Literal["maildir", "imap"] = "maildir"
    maildir: Path = Path("var/mail")
    imap: ImapSettings | None = None

    @model_validator(mode="after")
    def _imap_needs_its_section(self) -> SourceSettings:
        if self.kind == "imap" and self.imap is None:
            raise ValueError("kind = 'imap' needs a [source.imap] section (host, username, ...)")
        return self

    @property
    def batch_size(self) -> int:
        return self.imap.batch_size if self.kind == "imap" and self.imap else 50


# ------------------------------------------------------------ daemon (issue 5)

OAUTH_PROVIDERS: Mapping[str, tuple[str, str]] = {
    # provider: (token endpoint, scope for IMAP). {tenant} is filled from oauth.tenant.
    "microsoft": (
        "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
    ),
    "google": ("https://oauth2.googleapis.com/token", "https://mail.google.com/"),
}


class DaemonSettings(_Section):
    poll_interval_seconds: float = Field(default=300, ge=1, le=86400)
    digest_cron: str | None = Field(
        default="0 7 * * mon-fri",
        description="crontab (minute hour day month weekday) in digest_time_zone; '' for none",
    )
    digest_time_zone: str = "America/Los_Angeles"
    idle: bool = Field(default=False, description="IMAP IDLE: react to new mail in seconds")
    # A step running longer than this stops the watchdog pings: systemd restarts us.
    stall_seconds: float = Field(default=1800, ge=10)

    @model_validator(mode="after")
    def _digest_schedule_parses(self) -> DaemonSettings:
        if self.digest_cron:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(self.digest_cron, timezone=self.digest_time_zone)
            except (ValueError, LookupError) as exc:
                raise ValueError(
                    f"digest_cron {self.digest_cron!r} in {self.digest_time_zone!r}: {exc}"
                ) from exc
        return self


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class AlertSettings(_Section):
    after_failures: int = Field(default=3, ge=1, le=1000)
    operator_address: str | None = Field(default=None, description="None: no alert email")


class OAuthSettings(_Section):
    provider: Literal["microsoft", "google", "custom"]
    grant: Literal["refresh_token", "client_credentials"] = "refresh_token"
    tenant: str = Field(default="common", description="Microsoft: the directory (tenant) id")
    token_url: str | None = Field(default=None, description="Default: the provider's")
    client_id: str = Field(min_length=1)
    scope: str | None = Field(default=None, description="Default: the provider's IMAP scope")
    client_secret_file: Path | None = None
    client_secret_credential: str = "oauth-client-secret"
    refresh_token_file: Path | None = None
    refresh_token_credential: str = "oauth-refresh-token"

    @model_validator(mode="after")
    def _complete(self) -> OAuthSettings:
        if self.provider == "custom" and not (self.token_url and self.scope):
            raise ValueError("provider = 'custom' needs token_url and scope")
        if self.provider == "google" and self.grant == "client_credentials":
            raise ValueError(
                "Gmail has no client-credentials grant for IMAP: use grant = 'refresh_token'"
            )
        return self

    @property
    def effective_token_url(self) -> str:
        url = self.token_url or OAUTH_PROVIDERS[self.provider][0]
        return url.replace("{tenant}", self.tenant)

    @property
    def effective_scope(self) -> str:
        if self.scope:
            return self.scope
        if self.provider == "microsoft" and self.grant == "client_credentials":
            return "https://outlook.office365.com/.default"
        return OAUTH_PROVIDERS[self.provider][1]

    def client_secret(self) -> str | None:
        """The client secret, when one is configured (public clients have none)."""
        return optional_secret(
            self.client_secret_file, self.client_secret_credential, "oauth.client_secret_file"
        )

    def refresh_token(self) -> str | None:
        """The refresh token installed by the operator (the rotated one lives in state_dir)."""
        return optional_secret(
            self.refresh_token_file, self.refresh_token_credential, "oauth.refresh_token_file"
        )


def optional_secret(file: Path | None, credential: str, key: str) -> str | None:
    """A secret from its file, else from the systemd credential, else None."""
    if file is not None:
        return _read_secret(file, key)
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / credential).exists():
        return _read_secret(Path(credentials) / credential, f"credential {credential}")
    return None


# ------------------------------------------------ replies, clerks, sending (issue 4)


class ReplyConfig(_Section):
    """Replies to attorneys. Addresses default to `own_address` (the training mailbox)."""

    enabled: bool = True
    court_name: str = "U.S. Bankruptcy Court, Northern District of California"
    from_address: str | None = Field(default=None, description="Default: own_address")
    from_name: str = "CM/ECF Training"
    questions_to: str | None = Field(default=None, description="Default: own_address")
    registration_url: str = "https://train.uscourts.gov/"
    # The court's clock: every time a person reads (CLI, pages, digest, replies) is in it.
    time_zone: str = Field(default="America/Los_Angeles", description="an IANA time zone name")
    # At most this many replies to one sender per court day: two auto-responders that
    # slip through every header check still stop.
    daily_limit_per_sender: int = Field(default=5, ge=1, le=1000)
    # Backscatter bounds: forged senders can claim any address of a domain, or many
    # domains. 0 turns a cap off. An authenticated submission is answered regardless.
    daily_limit_per_domain: int = Field(default=50, ge=0, le=100_000)
    daily_limit_overall: int = Field(default=1000, ge=0, le=1_000_000)
    message_id_domain: str | None = Field(
        default=None, description="Right-hand side of our Message-IDs; default: from_address's"
    )
    templates_dir: Path | None = Field(default=None, description="Default: the project's")

    @model_validator(mode="after")
    def _time_zone_is_known(self) -> ReplyConfig:
        from intake.core.clock import court_zone

        court_zone(self.time_zone)  # a ValueError naming the zone
        return self


class SenderCheckConfig(_Section):
    """Sender authentication from the court's own mail server (RFC 8601)."""

    # The authserv-id(s) the court's inbound mail server writes in Authentication-Results
    # (the first word of its header, e.g. "mx.canb.uscourts.gov"). Empty: the check is
    # off, every From address is taken at its word (the embedded default, offline).
    authserv_ids: tuple[str, ...] = ()

    @property
    def gate_on(self) -> bool:
        return any(i.strip() for i in self.authserv_ids)


class ClerkConfig(_Section):
    """Where the clerks' summaries and digest go; no address: kept in state_dir only."""

    addresses: tuple[str, ...] = ()
    summaries: bool = Field(default=True, description="A summary per complete/needs_review")
    # Where state_dir/summaries/ is served (with state_dir/documents/ beside it), for the
    # links of the digest and summary emails; without it an email carries no links,
    # since a relative one goes nowhere in a mail client.
    base_url: str | None = Field(
        default=None, description="https://host/intake/summaries/ (the summaries folder)"
    )

    @field_validator("base_url")
    @classmethod
    def _base_url_is_absolute(cls, url: str | None) -> str | None:
        if url is None:
            return None
        scheme, _, rest = url.partition("://")
        if scheme.lower() not in ("https", "http") or not rest.strip("/"):
            raise ValueError(f"{url!r} must be an absolute http(s) URL")
        return url if url.endswith("/") else url + "/"


class SmtpSettings(_ServerSection):
    _sent_in_clear: ClassVar[str] = "mail"

    port: int | None = Field(default=None, ge=1, le=65535, description="465 tls, else 587/25")
    username: str | None = None
    # xoauth2: log in as `username` with an access token from the [oauth] section
    # (Microsoft 365, Gmail); password_file is then not read.
    auth: Literal["password", "xoauth2"] = "password"
    password_file: Path | None = None
    password_credential: str = "smtp-password"
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    tls_ca_file: Path | None = None

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return {"tls": 465, "starttls": 587, "plain": 25}[self.security]

    def password(self) -> str | None:
        """The password (None without a username: an open loopback relay)."""
        if self.username is None:
            return None
        secret = optional_secret(self.password_file, self.password_credential, "smtp.password_file")
        if secret is None:
            raise ConfigError(
                "smtp: a username but no password: set password_file, or pass the systemd "
                f"credential {self.password_credential!r} (LoadCredential=)"
            )
        return secret


class OutboxSettings(_Section):
    sink: Literal["folder", "smtp"] = Field(
        default="folder", description="folder: .eml files (the default); smtp: the [smtp] server"
    )
    folder: Path | None = Field(default=None, description="Default: state_dir/outbox")
    # Transient failures are retried with a growing delay (1 min … 1 h); after this many
    # attempts the message is marked failed (`intake outbox list`, then `requeue`).
    max_attempts: int = Field(default=72, ge=1, le=10_000)

    @property
    def wants_smtp(self) -> bool:
        return self.sink == "smtp"


class Settings(_Section):
    state_dir: Path = Path("var/state")
    rules_dir: Path | None = Field(default=None, description="Default: the project's rules/")
    own_address: str = Field(
        default="ecf-training@canb.uscourts.gov",
        description="The court's training mailbox: mail from it is never taken for a request",
    )
    source: SourceSettings = SourceSettings()
    # daemon (issue 5): `intake run`, its logs and alerts, and OAuth2 for the IMAP login
    daemon: DaemonSettings = DaemonSettings()
    logging: LoggingSettings = LoggingSettings()
    alerts: AlertSettings = AlertSettings()
    oauth: OAuthSettings | None = Field(
        default=None, description="When present, IMAP logs in with XOAUTH2, not a password"
    )
    # replies, clerks and sending (issue 4)
    reply: ReplyConfig = ReplyConfig()
    sender_check: SenderCheckConfig = SenderCheckConfig()
    clerks: ClerkConfig = ClerkConfig()
    outbox: OutboxSettings = OutboxSettings()
    smtp: SmtpSettings | None = None
    # Where these settings came from, for messages ('embedded default' or a path).
    origin: str = Field(default="embedded default", exclude=True)

    @model_validator(mode="after")
    def _smtp_sink_needs_smtp(self) -> Settings:
        if self.outbox.sink == "smtp" and self.smtp is None:
            raise ValueError("outbox.sink = 'smtp' needs an [smtp] section (host, ...)")
        return self

    @property
    def court_time_zone(self) -> str:
        """The court's clock, for every time shown to a person."""
        return self.reply.time_zone

    @property
    def outbox_folder(self) -> Path:
        return self.outbox.folder or self.layout.outbox_dir

    @property
    def layout(self) -> StateLayout:
        """Every path of the state folder."""
        return StateLayout(self.state_dir)


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings: file (see module doc), then environment overrides, validated."""
    env = os.environ if environ is None else environ
    chosen = path or (Path(env[ENV_CONFIG]) if env.get(ENV_CONFIG) else None)
    if chosen is None and DEFAULT_CONFIG_PATH.is_file():
        chosen = DEFAULT_CONFIG_PATH
    try:
        data: dict[str, Any] = _read_toml(chosen) if chosen is not None else {}
    except ConfigError as exc:
        if path is None and env.get(ENV_CONFIG):
            # Named by the environment, not on the command line: say so, or the
            # operator looks for a --config that is not there.
            raise ConfigError(f"{exc} (the file named by ${ENV_CONFIG})") from exc
        raise
    origin = str(chosen) if chosen is not None else "embedded default"
    overridden: list[str] = []
    for variable, key in _env_keys(env):
        value = env.get(variable)
        if value:
            _set(data, key, value, origin)
            overridden.append(variable)
    if overridden:
        origin += f" (+ {', '.join(overridden)})"
    data["origin"] = origin
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin)) from exc


def _env_keys(env: Mapping[str, str]) -> list[tuple[str, tuple[str, ...]]]:
    """The overriding variables present: the short names above, and any key spelt
    pydantic-settings' way, INTAKE_SECTION__KEY (e.g. INTAKE_SOURCE__IMAP__FOLDER)."""
    found = [(variable, key) for variable, key in ENV_OVERRIDES.items() if variable in env]
    for variable in sorted(env):
        if variable.startswith(ENV_PREFIX) and "__" in variable:
            path = variable.removeprefix(ENV_PREFIX).lower().split("__")
            if all(path):
                found.append((variable, tuple(path)))
    return found


def _read_toml(path: Path) -> dict[str, Any]:
    data = read_toml(path, ConfigError, "the configuration")
    if "origin" in data:
        raise ConfigError(f"{path}: origin: not a setting")
    return data


def _set(data: dict[str, Any], key: tuple[str, ...], value: str, origin: str) -> None:
    node = data
    for part in key[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{origin}: {'.'.join(key[:-1])}: must be a table")
        node = child
    node[key[-1]] = value


def _describe(exc: ValidationError, origin: str) -> str:
    lines = [f"{origin}: invalid configuration"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key (misspelt, or in the wrong section?)"
            close = _close_keys(err["loc"])
            if close:
                message += f"; did you mean {' or '.join(close)}?"
        elif err["type"] not in ("missing", "value_error") and _shown(err["input"]):
            # Pydantic says what it wanted; the operator also needs what the file said.
            message += f" (got {err['input']!r})"
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)


def _shown(value: object) -> bool:
    """Whether a rejected value is short enough to repeat in a message (not a table)."""
    return isinstance(value, str | int | float | bool) and len(repr(value)) <= 60


def _close_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys of the section at `loc[:-1]` spelt like the unknown key `loc[-1]`."""
    model: type[BaseModel] = Settings
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        inner = field and next(
            (t for t in (field.annotation, *get_args(field.annotation)) if _is_model(t)), None
        )
        if inner is None:
            return []
        model = inner
    known = [name for name in model.model_fields if name != "origin"]
    return [f"{name!r}" for name in difflib.get_close_matches(str(loc[-1]), known, n=2)]


def _is_model(annotation: object) -> TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _read_secret(path: Path, what: str) -> str:
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the {what} is not UTF-8 text") from exc
    if not secret:
        raise ConfigError(f"{path}: the {what} is empty")
    return secret


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
