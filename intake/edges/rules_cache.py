"""The court's rules, validated once: the loaded `Rules` kept between `intake check`s.

Loading the rules validates them: pydantic walks the three files and every phrase is
compiled once to prove it is a pattern (~40 ms of CPU, most of it the 374 patterns: a
fifth of a check of one NEF, which never uses the letter's patterns). The rules a check
loads are nearly always the ones it loaded the time before, so the loaded object is kept,
pickled, in the user's cache folder (`$XDG_CACHE_HOME/intake`, else `~/.cache/intake`)
under a key of everything the validation depends on: the bytes of the three rules
files, the source of the modules that define and validate them, the versions of Python
and pydantic. A change of any of them is a miss: the rules are loaded and validated as
without the cache (a mistake is reported the same way) and kept again. Rules that fail
validation are never kept.

A pickle runs code when it is loaded, so the cache is only read from a folder and a file
that belong to this user and that nobody else can write (0700 and 0600, not a link);
anything else, and any failure to read, unpickle or write, is a plain load.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
from pathlib import Path

from intake.core.policy.rules import DEFAULT_RULES_DIR, RULES_FILES, Rules, load_rules
from intake.edges.durable import write_atomically

# The modules whose code decides what a valid rules folder is and what it loads into.
_VALIDATED_BY = (
    "intake.core.policy.rules",
    "intake.core.policy.codes",
    "intake.core.model",
    "intake.core.documents.courts",
    "intake.core.tomlfile",
)
_KEY_BYTES = 32  # a SHA-256 digest: the head of the cache file


def cache_folder() -> Path | None:
    """Where the loaded rules are kept: the user's cache folder, if there is one."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        home = os.environ.get("HOME") or ""
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "intake"


def rules_key(directory: Path) -> bytes | None:
    """The digest of what loading `directory` depends on; None when a file is unreadable
    (the plain load then says what is wrong)."""
    import pydantic

    digest = hashlib.sha256()
    digest.update(f"{sys.version}\0{pydantic.VERSION}\0".encode())
    try:
        for name in _VALIDATED_BY:
            source = getattr(sys.modules[name], "__file__", None)
            if source is None:
                return None
            digest.update(Path(source).read_bytes())
        for name in RULES_FILES:
            data = (directory / name).read_bytes()
            digest.update(f"\0{name}\0{len(data)}\0".encode())
            digest.update(data)
    except (OSError, KeyError):
        return None
    return digest.digest()


def load_rules_cached(directory: Path | None = None, *, folder: Path | None = None) -> Rules:
    """The rules of `directory` (default: the shipped rules), from the cache when it holds
    them as they are now, else loaded (raising `RulesError` as `load_rules` does) and kept."""
    directory = directory or DEFAULT_RULES_DIR
    folder = folder or cache_folder()
    key = rules_key(directory)
    if folder is None or key is None:
        return load_rules(directory)
    path = folder / f"rules-{hashlib.sha256(bytes(directory.resolve())).hexdigest()[:16]}"
    kept = _read(path, key)
    if kept is not None:
        return kept
    rules = load_rules(directory)
    # Kept only when the files did not change while they were loaded (else the key
    # would name other rules than these).
    if rules_key(directory) == key:
        with contextlib.suppress(OSError, pickle.PicklingError):
            _write(path, key + pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL))
    return rules


def _private(info: os.stat_result, kind: int) -> bool:
    """This user's own `kind` (file or folder), that neither group nor others may write."""
    return (
        stat.S_IFMT(info.st_mode) == kind
        and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _read(path: Path, key: bytes) -> Rules | None:
    try:
        if not _private(os.stat(path.parent, follow_symlinks=False), stat.S_IFDIR):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not _private(os.fstat(handle.fileno()), stat.S_IFREG):
            return None
        if handle.read(_KEY_BYTES) != key:
            return None
        try:
            rules = pickle.load(handle)
        except Exception:  # a truncated or foreign file: loaded again, and rewritten
            return None
    return rules if isinstance(rules, Rules) else None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _private(os.stat(path.parent, follow_symlinks=False), stat.S_IFDIR):
        return
    # Not synced: a cache lost in a crash is only loaded again.
    write_atomically(path, data, mode=0o600, durable=False)
