"""What an operator or clerk meets at the command line when something is off: a clear line
naming the file, key or thing, the documented exit status, and never a traceback.

Each test runs the real command (`intake.commands.cli.main`, or the installed script when a signal
or a pipe is involved) over real files in a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from intake.commands.cli import build_parser, main
from intake.edges.mail.maildir import deliver, seed_maildir
from intake.edges.store import Store

PROJECT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT / "fixtures" / "eml"
INTAKE = Path(sys.executable).parent / "intake"


def _config(tmp_path: Path, extra: str = "", *, state: Path | None = None) -> Path:
    path = tmp_path / "intake.toml"
    path.write_text(
        f'state_dir = "{state or tmp_path / "state"}"\n{extra}\n'
        f'[source]\nmaildir = "{tmp_path / "mail"}"\n'
    )
    return path


def _polled(tmp_path: Path) -> Path:
    """A state folder with one request (from a real fixture), and its settings file."""
    seed_maildir(tmp_path / "mail", [FIXTURES / "incomplete-five-nefs.eml"])
    config = _config(tmp_path)
    assert main(["poll", "--once", "--no-send", "--config", str(config)]) == 0
    return config


# ------------------------------------------------------------------ help


def _leaf_parsers() -> dict[str, str]:
    """Every command and sub-command's --help text, by its name ('requests close')."""
    helps: dict[str, str] = {}

    def walk(parser: object, name: str) -> None:
        actions = getattr(parser, "_actions", [])
        subs = [a for a in actions if a.__class__.__name__ == "_SubParsersAction"]
        if not subs:
            helps[name] = parser.format_help()  # type: ignore[attr-defined]
        for sub in subs:
            for child, child_parser in sub.choices.items():
                walk(child_parser, f"{name} {child}".strip())

    walk(build_parser(), "")
    return helps


def test_every_command_help_has_an_example_and_its_exit_status() -> None:
    helps = _leaf_parsers()
    assert {"poll", "status", "requests close", "outbox requeue", "config check"} <= set(helps)
    for name, text in helps.items():
        assert "example" in text, f"intake {name} --help shows no example"
        assert "Exit status" in text, f"intake {name} --help does not say its exit status"


def test_top_level_help_says_where_settings_and_state_live_and_the_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "$INTAKE_CONFIG" in text and "state_dir" in text and "INTAKE_STATE_DIR" in text
    assert "Exit status: 0 success, 1 a runtime failure" in text and "130" in text


def test_a_long_description_is_wrapped_to_the_terminal() -> None:
    text = _leaf_parsers()["requests summary"]
    assert max(len(line) for line in text.splitlines()) <= 100


# ---------------------------------------------------------------- config


def test_an_unknown_key_is_named_with_the_key_it_may_have_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "intake.toml"
    config.write_text('state_dri = "x"\n[smpt]\nhost = "h"\n[reply]\ntemplate_dir = "t"\n')
    assert main(["status", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{config}: invalid configuration" in err
    assert (
        "state_dri: unknown key (misspelt, or in the wrong section?); did you mean 'state_dir'?"
        in err
    )
    assert "smpt: unknown key" in err and "did you mean 'smtp'?" in err
    assert "reply.template_dir: unknown key" in err and "'templates_dir'" in err


def test_a_wrong_value_is_repeated_in_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, '[outbox]\nmax_attempts = "many"\n[alerts]\nafter_failures = 0')
    assert main(["requests", "list", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "outbox.max_attempts: Input should be a valid integer" in err and "(got 'many')" in err
    assert "alerts.after_failures: Input should be greater than or equal to 1 (got 0)" in err


def test_a_missing_password_file_is_named_once_without_errno_noise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "imap-password"
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nkind = "imap"\n[source.imap]\n'
        f'host = "127.0.0.1"\nsecurity = "plain"\nusername = "u"\npassword_file = "{missing}"\n'
    )
    assert main(["poll", "--once", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"intake poll: {missing}: cannot read the source.imap.password_file: "
        "No such file or directory\n"
    )


# ------------------------------------------------------------------ poll


def test_poll_refuses_templates_that_would_leave_attorneys_without_a_reply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_maildir(tmp_path / "mail", [FIXTURES / "incomplete-five-nefs.eml"])
    broken = tmp_path / "templates"
    config = _config(tmp_path, f'[reply]\ntemplates_dir = "{broken}"')
    assert main(["poll", "--once", "--config", str(config)]) == 2
    assert f"templates: {broken}" in capsys.readouterr().err
    # Nothing was taken from the mailbox, so nothing is lost: the message waits.
    assert not (tmp_path / "state" / "intake.sqlite3").exists()
    assert len(list((tmp_path / "mail" / "new").iterdir())) == 1


def test_poll_logs_in_with_oauth_when_configured_not_with_a_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = tmp_path / "refresh-token"
    token.write_text("rt")
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nkind = "imap"\n[source.imap]\n'
        'host = "127.0.0.1"\nport = 1\nsecurity = "plain"\nusername = "court"\n'
        '[oauth]\nprovider = "custom"\ntoken_url = "http://127.0.0.1:1/token"\n'
        f'scope = "imap"\nclient_id = "intake"\nrefresh_token_file = "{token}"\n'
    )
    assert main(["poll", "--once", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "no password" not in err
    assert "the mail source is unreachable: token endpoint http://127.0.0.1:1/token" in err
    assert main(["status", "--json", "--config", str(config)]) == 3
    assert "token endpoint" in json.loads(capsys.readouterr().out)["last_poll"]["error"]


def test_poll_on_a_state_folder_it_cannot_make_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder's parent should be")
    config = _config(tmp_path, state=blocker / "state")
    assert main(["poll", "--once", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"intake poll: the state folder {blocker / 'state'} cannot be used" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("stop", "name", "code"), [(signal.SIGINT, "Ctrl-C", 130), (signal.SIGTERM, "SIGTERM", 143)]
)
def test_ctrl_c_in_a_poll_keeps_what_was_done_and_says_so(
    tmp_path: Path, stop: signal.Signals, name: str, code: int
) -> None:
    # Enough mail that the poll is still at work when the signal comes, however late a
    # loaded test process sends it: the five complete fixtures, each six times under its
    # own Message-ID (five alone take ~1.2 s, and a SIGTERM under load came after the end).
    fixtures = [
        re.sub(rb"(?m)^Message-ID: <", b"Message-ID: <copy%d." % copy, path.read_bytes(), count=1)
        for copy in range(6)
        for path in sorted(FIXTURES.glob("complete-*.eml"))
    ]
    for message in fixtures:
        deliver(tmp_path / "mail", message)
    config = _config(tmp_path)
    # Its own session, signalled as a whole: what Ctrl-C at a terminal does (the PDF
    # readers the poll forks get the SIGINT too).
    poll = subprocess.Popen(
        [str(INTAKE), "poll", "--once", "--no-send", "--config", str(config)],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As at a terminal: a test runner started in the background of a shell without
        # job control inherits SIGINT ignored, and so would the poll (which keeps an
        # inherited "ignore", as a daemon should).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert poll.stderr is not None
    what = poll.stderr.readline()
    assert what == (
        f"poll: Maildir {tmp_path / 'mail'} into {tmp_path / 'state'} (settings: {config})\n"
    )
    first = poll.stderr.readline()
    assert first == f"poll: {len(fixtures)} new messages\n"
    os.killpg(poll.pid, stop)
    err = first + poll.stderr.read()
    assert poll.wait(timeout=60) == code, err
    assert "Traceback" not in err
    assert f"intake poll: interrupted ({name}) after " in err and f" of {len(fixtures)} new" in err

    status = subprocess.run(
        [str(INTAKE), "status", "--json", "--config", str(config)],
        capture_output=True,
        text=True,
    )
    assert status.returncode == 3  # the last poll did not finish
    last = json.loads(status.stdout)["last_poll"]
    assert last["result"] == "interrupted" and last["error"].startswith(f"interrupted ({name})")
    # Each message is whole or not there: as many recorded as left the inbox.
    recorded = sum(json.loads(status.stdout)["messages"].values())
    waiting = len(list((tmp_path / "mail" / "new").iterdir()))
    assert recorded + waiting == len(fixtures)


# ----------------------------------------------------------------- state


@pytest.mark.parametrize(
    "argv",
    [["status"], ["requests", "list"], ["outbox", "list"], ["digest", "--dry-run"]],
)
def test_no_state_database_says_where_state_dir_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    config = _config(tmp_path)
    assert main([*argv, "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "no state database here yet" in err
    assert f"state_dir {tmp_path / 'state'} comes from {config}" in err
    assert "INTAKE_STATE_DIR=/var/lib/intake" in err
    assert not (tmp_path / "state").exists()  # looking creates nothing


def test_a_file_that_is_no_database_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "state").mkdir()
    junk = tmp_path / "state" / "intake.sqlite3"
    junk.write_bytes(os.urandom(4096))
    config = _config(tmp_path)
    assert main(["requests", "list", "--config", str(config)]) == 1
    assert f"{junk}: cannot open the state database: file is not a database" in (
        capsys.readouterr().err
    )
    assert main(["config", "check", "--offline", "--config", str(config)]) == 1
    assert f"FAIL state: {junk}: not a usable state database" in capsys.readouterr().out


def test_config_check_reads_the_state_database_without_migrating_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    assert main(["config", "check", "--offline", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"ok   state: {tmp_path / 'state'} (no database yet" in out
    assert f"ok   maildir: {tmp_path / 'mail'} (none yet: the first poll makes it)" in out
    with Store.open(tmp_path / "state"):
        pass
    database = tmp_path / "state" / "intake.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (999)")
    assert main(["config", "check", "--offline", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL state: {database}: schema version 999 is newer than this release's" in out


def test_a_file_in_the_way_of_a_folder_is_a_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _polled(tmp_path)
    summaries = tmp_path / "state" / "summaries"
    for old in summaries.iterdir():
        old.unlink()
    summaries.rmdir()
    summaries.write_text("not a folder")
    capsys.readouterr()
    assert main(["requests", "summary", "1", "--config", str(config)]) == 1
    assert f"intake requests: {summaries}: File exists" in capsys.readouterr().err


# -------------------------------------------------------------- requests


def test_close_with_a_blank_reason_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _polled(tmp_path)
    capsys.readouterr()
    assert main(["requests", "close", "1", "--reason", "  ", "--config", str(config)]) == 2
    assert "--reason must say why" in capsys.readouterr().err
    assert main(["requests", "close", "1", "--reason", "granted", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["requests", "close", "1", "--reason", "again", "--config", str(config)]) == 1
    assert "request 1 is already closed (granted)" in capsys.readouterr().err


def test_summary_send_without_clerks_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _polled(tmp_path)
    capsys.readouterr()
    assert main(["requests", "summary", "1", "--send", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{config}: clerks.addresses: no clerks' address" in err and "--send" in err
    # Without --send the page of the (incomplete) request is written all the same.
    assert main(["requests", "summary", "1", "--config", str(config)]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("summaries/request-1.html")


# ---------------------------------------------------------------- outbox


def test_outbox_list_says_when_it_is_empty_and_requeue_names_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _polled(tmp_path)  # --no-send: the reply waits in the outbox
    capsys.readouterr()
    assert main(["outbox", "list", "--status", "failed", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("no failed messages in the outbox (state: ")
    assert main(["outbox", "requeue", "99", "--config", str(config)]) == 1
    assert "no outbox message #99 (see `intake outbox list`)" in capsys.readouterr().err
    assert main(["outbox", "requeue", "1", "--config", str(config)]) == 1
    assert "#1 is queued, not a failed message" in capsys.readouterr().err


# ------------------------------------------------------------------ pipes


def test_output_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    config = _polled(tmp_path)
    read, write = os.pipe()
    os.close(read)  # the reader (`| head -1`) is gone before the first line
    try:
        done = subprocess.run(
            [str(INTAKE), "requests", "show", "1", "--config", str(config)],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(write)
    assert done.returncode == 1
    assert done.stderr == ""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_digest_that_could_not_be_sent_exits_1_and_stays_queued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _polled(tmp_path)
    smtp = f'host = "127.0.0.1"\nport = {_closed_port()}\nsecurity = "plain"'
    clerks = '[clerks]\naddresses = ["clerk@example.org"]'
    with config.open("a") as settings:
        settings.write(f'{clerks}\n[outbox]\nsink = "smtp"\n[smtp]\n{smtp}\n')
    capsys.readouterr()
    assert main(["digest", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "stays queued" in err
    # The server being down, the round stopped at the first message (the reply); the
    # digest, deferred, is tried by the next send, and fails the same way.
    assert main(["outbox", "send", "--config", str(config)]) == 1
    capsys.readouterr()
    # Now nothing is due: `outbox send` says what waits, and until when (on the court's
    # clock), and exits 1 as its help says: not all went out.
    assert main(["outbox", "send", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "outbox: 0 sent, 0 to retry, 0 failed" in out
    court_time = r"20\d\d-\d\d-\d\d \d\d:\d\d P[SD]T"
    assert re.search(rf"outbox: 2 still queued \(next attempt {court_time}\)", out)


# ------------------------------------------------------------ check, env


def test_check_refuses_a_size_limit_that_would_read_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    eml = str(FIXTURES / "duplicates.eml")
    for bad in ("-1", "0", "nan", "lots"):
        with pytest.raises(SystemExit) as exit_:
            main(["check", "--max-attachment-mb", bad, eml])
        assert exit_.value.code == 2
        assert "a size in MB above 0" in capsys.readouterr().err


def test_a_settings_file_named_by_the_environment_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_CONFIG", str(tmp_path / "gone.toml"))
    assert main(["status"]) == 2
    assert "(the file named by $INTAKE_CONFIG)" in capsys.readouterr().err


def test_summary_open_without_a_browser_says_where_the_page_is(tmp_path: Path) -> None:
    config = _polled(tmp_path)
    # No display and no browser on the PATH: a server's console.
    env = {"PATH": str(tmp_path / "no-browsers-here"), "HOME": str(tmp_path)}
    done = subprocess.run(
        [str(INTAKE), "requests", "summary", "1", "--open", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    page = tmp_path / "state" / "summaries" / "request-1.html"
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == str(page)
    assert f"no browser to open it here; the page is {page}" in done.stderr


@pytest.mark.parametrize(
    "argv",
    [["requests", "summary", "1"], ["digest", "--dry-run"], ["requests", "retry"]],
)
def test_a_broken_template_is_a_configuration_error_for_every_command_that_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    config = _polled(tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates", templates)
    (templates / "summary" / "digest.txt.j2").write_text("{% if %}\n")
    with config.open("a") as settings:
        settings.write(f'[reply]\ntemplates_dir = "{templates}"\n')
    capsys.readouterr()
    assert main([*argv, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"intake {argv[0]}: templates: ") and "digest.txt.j2" in err


@pytest.mark.parametrize("bad", ["99999999999999999999", "0", "-5", "twelve"])
@pytest.mark.parametrize(
    "argv", [["requests", "show"], ["requests", "close", "--reason", "x"], ["outbox", "requeue"]]
)
def test_an_id_that_cannot_be_one_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], bad: str
) -> None:
    config = _config(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--config", str(config), "--", bad])
    assert exit_.value.code == 2
    assert f"argument ID: '{bad}': an id is a whole number from 1 up" in capsys.readouterr().err


def test_an_id_may_be_written_as_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _polled(tmp_path)
    capsys.readouterr()
    assert main(["outbox", "requeue", "#1", "--config", str(config)]) == 1  # queued, not failed
    assert "#1 is queued, not a failed message" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("table", "column", "said"),
    [
        ("documents", "facts", "stored document facts no longer match the model"),
        ("assessments", "assessment", "a stored assessment no longer matches the model"),
    ],
)
def test_a_stored_record_this_release_cannot_read_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, column: str, said: str
) -> None:
    config = _polled(tmp_path)
    # As a database from another release (or edited by hand) would hold it.
    with sqlite3.connect(tmp_path / "state" / "intake.sqlite3") as conn:
        conn.execute(f"UPDATE {table} SET {column} = '{{}}'")
    capsys.readouterr()
    assert main(["requests", "show", "1", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert said in err and "another release of intake?" in err
    assert err.count("\n") == 1  # not pydantic's report


def test_the_fixtures_named_in_the_help_exist(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    texts = [capsys.readouterr().out, *_leaf_parsers().values()]
    named = {word for text in texts for word in text.split() if word.startswith("fixtures/")}
    assert "fixtures/eml/duplicates.eml" in named
    assert [path for path in sorted(named) if not (PROJECT / path).exists()] == []
