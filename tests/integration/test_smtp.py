"""SMTP delivery against a real aiosmtpd server on 127.0.0.1: plain (loopback), STARTTLS,
implicit TLS, login, and the failures the sender must tell apart (4xx, 5xx, no server)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from intake.core.model import Envelope
from intake.core.policy.assess import assess
from intake.core.policy.rules import load_rules
from intake.core.replies.compose import compose_reply, to_email_message
from intake.edges.mail.smtp import SendError, SmtpConfig, send
from tests.court import reply_settings

pytestmark = pytest.mark.integration

USER, PASSWORD = "intake", "s3cret-pass"
ATTORNEY = "jane.doe@example-law.com"
COURT = "ecf-training@canb.example.gov"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it receives, or answers with a fixed failure."""

    rcpt_reply: str | None = None
    data_reply: str | None = None
    received: list[Any] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope)
        return "250 Message accepted for delivery"


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    )
    # handled=False: aiosmtpd answers 535 itself (with handled=True it would say nothing).
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Recorder, int]]:
    """A plain loopback server; `@pytest.mark.parametrize('server', [...], indirect=True)`
    may pass a Recorder set up to fail."""
    handler = getattr(request, "param", None) or Recorder()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def reply_message() -> EmailMessage:
    envelope = Envelope(
        message_id="<att-1@mail.example-law.com>",
        sender_address=ATTORNEY,
        sender_name="Jane Doe",
        subject="Waiver request",
        headers={"references": "<root@mail.example-law.com>"},
    )
    rules = load_rules()
    settings = reply_settings(rules, from_address=COURT, clerk_mailbox=COURT)
    reply = compose_reply(
        assess([], "Jane Doe", rules),
        [],
        envelope,
        settings,
        message_id="<reply-42@intake.canb.example.gov>",
        now=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
    )
    return to_email_message(reply)


def assert_delivered(handler: Recorder) -> None:
    assert len(handler.received) == 1
    got = handler.received[0]
    assert got.mail_from == COURT
    assert got.rcpt_tos == [ATTORNEY]
    message = email.message_from_bytes(got.content, policy=email.policy.default)
    assert message["Message-ID"] == "<reply-42@intake.canb.example.gov>"
    assert message["In-Reply-To"] == "<att-1@mail.example-law.com>"
    assert message["References"] == "<root@mail.example-law.com> <att-1@mail.example-law.com>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Subject"] == "Re: Waiver request"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_delivers_a_reply_with_its_threading_headers(server: tuple[Recorder, int]) -> None:
    handler, port = server
    send(SmtpConfig("127.0.0.1", port, security="plain", timeout=5), reply_message(), [ATTORNEY])
    assert_delivered(handler)


def test_logs_in_before_sending(server: tuple[Recorder, int]) -> None:
    handler, port = server
    config = SmtpConfig("127.0.0.1", port, "plain", USER, PASSWORD, timeout=5)
    send(config, reply_message(), [ATTORNEY])
    assert_delivered(handler)


def test_a_wrong_password_is_reported_without_the_password(server: tuple[Recorder, int]) -> None:
    handler, port = server
    config = SmtpConfig("127.0.0.1", port, "plain", USER, "wrong-guess", timeout=5)
    with pytest.raises(SendError) as caught:
        send(config, reply_message(), [ATTORNEY])
    assert "check the username and password" in caught.value.message
    assert "wrong-guess" not in str(caught.value) and "wrong-guess" not in repr(config)
    assert handler.received == []


@pytest.mark.parametrize(
    ("server", "transient", "code"),
    [
        (Recorder(rcpt_reply="451 4.3.0 Mailbox busy, try later"), True, "451"),
        (Recorder(data_reply="451 4.3.0 Try again later"), True, "451"),
        (Recorder(rcpt_reply="550 5.1.1 No such user"), False, "550"),
        (Recorder(data_reply="550 5.7.1 Message rejected"), False, "550"),
    ],
    indirect=["server"],
)
def test_4xx_is_transient_and_5xx_is_permanent(
    server: tuple[Recorder, int], transient: bool, code: str
) -> None:
    handler, port = server
    with pytest.raises(SendError) as caught:
        send(SmtpConfig("127.0.0.1", port, "plain", timeout=5), reply_message(), [ATTORNEY])
    assert caught.value.transient is transient
    assert code in caught.value.message
    assert handler.received == []


def test_no_server_is_transient() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(SendError) as caught:
        send(SmtpConfig("127.0.0.1", port, "plain", timeout=5), reply_message(), [ATTORNEY])
    assert caught.value.transient
    assert "cannot be reached" in caught.value.message


def test_starttls_with_login(certificate: tuple[Path, Path]) -> None:
    handler = Recorder()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        tls_context=server_context(certificate),
        require_starttls=True,
    )
    controller.start()
    try:
        config = SmtpConfig(
            "127.0.0.1", port, "starttls", USER, PASSWORD, timeout=5, ca_file=certificate[0]
        )
        send(config, reply_message(), [ATTORNEY])
    finally:
        controller.stop()
    assert_delivered(handler)


def test_implicit_tls_and_an_untrusted_certificate(certificate: tuple[Path, Path]) -> None:
    handler = Recorder()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        ssl_context=server_context(certificate),
        auth_require_tls=False,  # aiosmtpd does not count implicit TLS as TLS for AUTH
    )
    controller.start()
    try:
        untrusted = SmtpConfig("127.0.0.1", port, "tls", USER, PASSWORD, timeout=5)
        with pytest.raises(SendError) as caught:
            send(untrusted, reply_message(), [ATTORNEY])
        assert "TLS failed" in caught.value.message
        trusted = SmtpConfig(
            "127.0.0.1", port, "tls", USER, PASSWORD, timeout=5, ca_file=certificate[0]
        )
        send(trusted, reply_message(), [ATTORNEY])
    finally:
        controller.stop()
    assert_delivered(handler)


def test_plain_smtp_is_refused_for_a_remote_host() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SmtpConfig("smtp.example.gov", 25, "plain")
    assert SmtpConfig("::1", 25, "plain").host == "::1"


def test_only_the_given_recipient_gets_the_message_whatever_its_to_header_lists(
    server: tuple[Recorder, int],
) -> None:
    handler, port = server
    message = reply_message()
    del message["To"]
    message["To"] = "victim@example.org, cc <other@example.net>, " + ATTORNEY
    send(SmtpConfig("127.0.0.1", port, security="plain", timeout=5), message, [ATTORNEY])
    assert [got.rcpt_tos for got in handler.received] == [[ATTORNEY]]
