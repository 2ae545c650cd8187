"""The loaded rules kept between checks (intake/edges/rules_cache.py): the same rules as a
plain load, never stale, never kept when invalid, never read from a file others can write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from intake.core.policy import rules as rules_module
from intake.core.policy.rules import RulesError, load_rules
from intake.edges import rules_cache
from intake.edges.rules_cache import load_rules_cached
from tests.unit.test_rules import rules_copy


def test_the_kept_rules_are_the_loaded_rules(tmp_path: Path) -> None:
    folder, cache = rules_copy(tmp_path), tmp_path / "cache"
    first = load_rules_cached(folder, folder=cache)
    assert first == load_rules(folder)
    [kept] = cache.iterdir()
    assert kept.stat().st_mode & 0o777 == 0o600 and cache.stat().st_mode & 0o777 == 0o700
    again = load_rules_cached(folder, folder=cache)
    assert again == first and again is not first


def test_a_second_load_comes_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache = rules_copy(tmp_path), tmp_path / "cache"
    first = load_rules_cached(folder, folder=cache)
    monkeypatch.setattr(rules_cache, "load_rules", lambda directory=None: pytest.fail("loaded"))
    assert load_rules_cached(folder, folder=cache) == first


def test_an_edited_rules_file_is_loaded_again(tmp_path: Path) -> None:
    folder, cache = rules_copy(tmp_path), tmp_path / "cache"
    assert load_rules_cached(folder, folder=cache).nef.required_nefs == 6
    nef = folder / "nef.toml"
    nef.write_text(nef.read_text().replace("required_nefs = 6", "required_nefs = 4"))
    assert load_rules_cached(folder, folder=cache).nef.required_nefs == 4


def test_a_change_of_the_validating_code_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache = rules_copy(tmp_path), tmp_path / "cache"
    load_rules_cached(folder, folder=cache)
    changed = tmp_path / "codes.py"
    changed.write_text(Path(rules_module.__file__).read_text() + "\n# changed\n")
    monkeypatch.setattr(rules_module, "__file__", str(changed))
    calls: list[Path | None] = []

    def counted(directory: Path | None = None) -> rules_module.Rules:
        calls.append(directory)
        return load_rules(directory)

    monkeypatch.setattr(rules_cache, "load_rules", counted)
    load_rules_cached(folder, folder=cache)
    assert calls == [folder]


def test_invalid_rules_are_refused_as_before_and_never_kept(tmp_path: Path) -> None:
    folder, cache = rules_copy(tmp_path), tmp_path / "cache"
    nef = folder / "nef.toml"
    nef.write_text(nef.read_text().replace("required_nefs = 6", "required_nefs = 0"))
    with pytest.raises(RulesError) as plain:
        load_rules(folder)
    with pytest.raises(RulesError) as cached:
        load_rules_cached(folder, folder=cache)
    assert str(cached.value) == str(plain.value)
    assert "required_nefs" in str(cached.value)
    assert not cache.exists() or not any(cache.iterdir())


@pytest.mark.parametrize("where", ["file", "folder"])
def test_a_cache_others_may_write_is_not_read(tmp_path: Path, where: str) -> None:
    folder, cache = rules_copy(tmp_path), tmp_path / "cache"
    load_rules_cached(folder, folder=cache)
    [kept] = cache.iterdir()
    kept_bytes = kept.read_bytes()
    # Someone else's content in a file that anyone could have written.
    nef = folder / "nef.toml"
    nef.write_text(nef.read_text().replace("required_nefs = 6", "required_nefs = 4"))
    forged = load_rules_cached(folder, folder=tmp_path / "other")
    assert forged.nef.required_nefs == 4
    forged_bytes = next((tmp_path / "other").iterdir()).read_bytes()
    nef.write_text(nef.read_text().replace("required_nefs = 4", "required_nefs = 6"))
    # The forged file claims the key of the folder as it is now, with 4 NEFs inside.
    kept.write_bytes(kept_bytes[:32] + forged_bytes[32:])
    if where == "file":
        os.chmod(kept, 0o666)
        assert load_rules_cached(folder, folder=cache).nef.required_nefs == 6
        # ... and the file is replaced by the rules as loaded, private again.
        assert kept.read_bytes() == kept_bytes and kept.stat().st_mode & 0o777 == 0o600
    else:
        os.chmod(cache, 0o777)
        assert load_rules_cached(folder, folder=cache).nef.required_nefs == 6
        os.chmod(cache, 0o700)
        # The same file in a private folder is read: the folder was the reason.
        assert load_rules_cached(folder, folder=cache).nef.required_nefs == 4


def test_a_damaged_cache_file_is_loaded_again_and_mended(tmp_path: Path) -> None:
    folder, cache = rules_copy(tmp_path), tmp_path / "cache"
    first = load_rules_cached(folder, folder=cache)
    [kept] = cache.iterdir()
    whole = kept.read_bytes()
    kept.write_bytes(whole[: len(whole) // 2])
    assert load_rules_cached(folder, folder=cache) == first
    assert kept.read_bytes() == whole


def test_no_cache_folder_is_a_plain_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", "")
    assert rules_cache.cache_folder() is None
    folder = rules_copy(tmp_path)
    assert load_rules_cached(folder) == load_rules(folder)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert rules_cache.cache_folder() == tmp_path / "xdg" / "intake"
