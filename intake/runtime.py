"""What the daemon runs with: settings, rules and templates, loaded and checked together.

`load_runtime` either returns all three, valid, or raises `RuntimeProblem` saying which
file is wrong and where; the daemon calls it at start and on SIGHUP (a reload that fails
keeps the previous runtime), and `intake config check` reports the same problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from intake.config import ConfigError, Settings, load_settings
from intake.oauth import TokenSource, token_source
from intake.policy.rules import Rules, RulesError, load_rules
from intake.replies.render import DEFAULT_TEMPLATES_DIR, template_environment


class RuntimeProblem(Exception):
    """The configuration, the rules or a template cannot be used; says which and why."""


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    rules: Rules
    # With [oauth]: the source of IMAP access tokens (kept across polls, refreshed early).
    tokens: TokenSource | None = None


def templates_dir(settings: Settings) -> Path:
    return settings.reply.templates_dir or DEFAULT_TEMPLATES_DIR


def check_templates(directory: Path) -> list[str]:
    """Every template that does not compile, as 'file, line N: problem' (empty: all fine)."""
    if not directory.is_dir():
        return [f"{directory}: no templates folder here"]
    # A fresh environment with the same filters: the cached one may hold old templates.
    env = template_environment.__wrapped__(directory)
    problems = []
    for name in env.list_templates(extensions=["j2"]):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(f"{directory / name}, line {exc.lineno}: {exc.message}")
    return problems


def load_runtime(config: Path | None) -> Runtime:
    try:
        settings = load_settings(config)
        rules = load_rules(settings.rules_dir)
        tokens = token_source(settings)
    except (ConfigError, RulesError) as exc:
        raise RuntimeProblem(str(exc)) from exc
    problems = check_templates(templates_dir(settings))
    if problems:
        raise RuntimeProblem("templates: " + "; ".join(problems))
    # Replies render through the cached environment: drop it so edits take effect.
    template_environment.cache_clear()
    return Runtime(settings, rules, tokens)
