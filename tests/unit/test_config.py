"""Settings: embedded default, TOML file, INTAKE_* overrides, secrets from files."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.config import ConfigError, Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "intake.example.toml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "intake.toml"
    path.write_text(text)
    return path


def test_without_any_file_the_embedded_default_is_a_local_maildir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {})
    assert settings.source.kind == "maildir"
    assert settings.source.maildir == Path("var/mail")
    assert settings.state_dir == Path("var/state")
    assert settings.origin == "embedded default"


def test_config_intake_toml_is_read_when_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "intake.toml").write_text('state_dir = "elsewhere"\n')
    assert load_settings(None, {}).state_dir == Path("elsewhere")


def test_the_shipped_example_is_valid() -> None:
    settings = load_settings(EXAMPLE, {})
    assert settings.own_address == "ecf-training@canb.uscourts.gov"


def test_environment_overrides_the_file_and_intake_config_names_it(tmp_path: Path) -> None:
    path = _write(tmp_path, 'state_dir = "from-file"\n[source]\nkind = "maildir"\n')
    env = {
        "INTAKE_CONFIG": str(path),
        "INTAKE_STATE_DIR": "/srv/state",
        "INTAKE_SOURCE_KIND": "imap",
        "INTAKE_IMAP_HOST": "127.0.0.1",
        "INTAKE_IMAP_PORT": "1143",
        "INTAKE_IMAP_SECURITY": "plain",
        "INTAKE_IMAP_USERNAME": "court",
    }
    settings = load_settings(None, env)
    assert settings.state_dir == Path("/srv/state")
    imap = settings.source.imap
    assert imap is not None and (imap.host, imap.effective_port) == ("127.0.0.1", 1143)
    assert "INTAKE_STATE_DIR" in settings.origin and str(path) in settings.origin


def test_a_password_in_the_file_is_refused_naming_file_and_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[source]\nkind = "imap"\n[source.imap]\nhost = "h"\nusername = "u"\npassword = "x"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    message = str(caught.value)
    assert str(path) in message and "source.imap" in message and "password_file" in message


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, 'stat_dir = "x"\n')
    with pytest.raises(ConfigError, match=r"stat_dir: unknown key"):
        load_settings(path, {})


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "state_dir = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, {})


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the configuration"):
        load_settings(tmp_path / "absent.toml", {})


def test_imap_needs_its_section(tmp_path: Path) -> None:
    path = _write(tmp_path, '[source]\nkind = "imap"\n')
    with pytest.raises(ConfigError, match=r"source: kind = 'imap' needs a \[source.imap\]"):
        load_settings(path, {})


def test_plain_imap_only_to_loopback(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[source]\nkind = "imap"\n[source.imap]\nhost = "mail.example.com"\n'
        'username = "u"\nsecurity = "plain"\n',
    )
    with pytest.raises(ConfigError, match="loopback"):
        load_settings(path, {})


def _imap_settings(tmp_path: Path, extra: str = "") -> Settings:
    path = _write(
        tmp_path,
        f'[source]\nkind = "imap"\n[source.imap]\nhost = "h"\nusername = "u"\n{extra}',
    )
    return load_settings(path, {})


def test_the_password_comes_from_its_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    imap = _imap_settings(tmp_path, f'password_file = "{secret}"\n').source.imap
    assert imap is not None and imap.password() == "s3cret"
    assert "s3cret" not in repr(imap)


def test_the_password_comes_from_a_systemd_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "creds"
    credentials.mkdir()
    (credentials / "imap-password").write_text("from-systemd")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    imap = _imap_settings(tmp_path).source.imap
    assert imap is not None and imap.password() == "from-systemd"


def test_no_password_anywhere_says_where_to_put_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    imap = _imap_settings(tmp_path).source.imap
    assert imap is not None
    with pytest.raises(ConfigError, match="password_file"):
        imap.password()


def test_any_key_can_be_overridden_with_double_underscores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no config/intake.toml here
    env = {"INTAKE_SOURCE__MAILDIR": "/srv/mail", "INTAKE_STATE_DIR": "/srv/state"}
    settings = load_settings(None, env)
    assert settings.source.maildir == Path("/srv/mail")
    assert settings.state_dir == Path("/srv/state")


def test_a_misspelt_override_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"source.maildr: unknown key"):
        load_settings(None, {"INTAKE_SOURCE__MAILDR": "/srv/mail"})
