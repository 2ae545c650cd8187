"""The configured mail source, opened as the daemon and every command open it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intake.config import Settings
    from intake.edges.mail.source import MailSource
    from intake.edges.oauth import TokenSource


def open_source(settings: Settings, *, access_token: str | None = None) -> MailSource:
    """The mail source the settings name (not yet connected: use it in a `with`).

    With `access_token` (OAuth2, see intake.edges.oauth) IMAP logs in by XOAUTH2 instead.
    """
    from intake.config import ConfigError

    source = settings.source
    if source.kind == "imap":
        from intake.edges.mail.imap import ImapConfig, ImapSource

        imap = source.imap
        assert imap is not None  # validated by SourceSettings
        try:
            config = ImapConfig(
                host=imap.host,
                username=imap.username,
                password=access_token or imap.password(),
                auth="xoauth2" if access_token else "password",
                port=imap.port,
                security=imap.security,
                folder=imap.folder,
                processed_action=imap.processed_action,
                processed_folder=imap.processed_folder,
                failed_folder=imap.failed_folder,
                processed_keyword=imap.processed_keyword,
                failed_keyword=imap.failed_keyword,
                timeout_seconds=imap.timeout_seconds,
                batch_size=imap.batch_size,
                tls_ca_file=imap.tls_ca_file,
            )
        except ValueError as exc:
            raise ConfigError(f"{settings.origin}: source.imap: {exc}") from exc
        return ImapSource(config)
    from intake.edges.mail.maildir import MaildirSource

    return MaildirSource(source.maildir)


def describe_source(settings: Settings) -> str:
    """The configured mailbox in a few words: 'Maildir var/mail', 'IMAP u@host:993 INBOX'."""
    source = settings.source
    if source.kind == "imap" and source.imap is not None:
        imap = source.imap
        return f"IMAP {imap.username}@{imap.host}:{imap.effective_port} {imap.folder}"
    return f"Maildir {source.maildir}"


def open_configured_source(settings: Settings, tokens: TokenSource | None) -> MailSource:
    """The configured source as the daemon opens it: with [oauth], IMAP logs in by XOAUTH2
    with a token asked for now (an unreachable provider raises OAuthError, a SourceError).
    A password read here is registered, so that no log line can show it."""
    from intake.secrets import register_secret

    if settings.source.kind == "imap" and tokens is not None:
        return open_source(settings, access_token=tokens.access_token())
    if settings.source.kind == "imap" and settings.source.imap is not None:
        register_secret(settings.source.imap.password())
    return open_source(settings)
