"""What the daemon runs with: settings, rules and templates, loaded and checked together.

`load_runtime` either returns all three, valid, or raises `RuntimeProblem` saying which
file is wrong and where; the daemon calls it at start and on SIGHUP (a reload that fails
keeps the previous runtime), and `intake config check` reports the same problems.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from intake.config import ConfigError, Settings, load_settings
from intake.core.policy.rules import Rules, RulesError, load_rules
from intake.core.replies.rehearse import Part, rehearse
from intake.core.replies.render import DEFAULT_TEMPLATES_DIR, TemplateSet, compile_templates
from intake.edges.oauth import TokenSource, token_source
from intake.errors import SetupError


class RuntimeProblem(SetupError):
    """The configuration, the rules or a template cannot be used; says which and why."""


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    rules: Rules
    # With [oauth]: the source of IMAP access tokens (kept across polls, refreshed early).
    tokens: TokenSource | None = None
    # The templates as compiled at load: every poll of this runtime renders with this set,
    # so an edit on disk reaches no reply before a reload that compiles every template.
    templates: TemplateSet | None = None


def templates_dir(settings: Settings) -> Path:
    return settings.reply.templates_dir or DEFAULT_TEMPLATES_DIR


def check_templates(settings: Settings, rules: Rules | None) -> list[str]:
    """Every template that does not compile, as 'file, line N: problem', else (with the
    rules) every failure rendering the sample situations (empty: all fine)."""
    templates, problems = compile_templates(templates_dir(settings))
    if problems or rules is None:
        return problems
    return rehearse_templates(templates, settings, rules)


def rehearse_templates(
    templates: TemplateSet, settings: Settings, rules: Rules, parts: Collection[Part] = tuple(Part)
) -> list[str]:
    """The set rendered against every sample situation of `parts` (default: all;
    intake.core.replies.rehearse)."""
    from intake.service.enqueue import reply_settings  # enqueue needs this module

    return rehearse(templates, reply_settings(settings, rules), parts)


def load_runtime(config: Path | None) -> Runtime:
    try:
        settings = load_settings(config)
        rules = load_rules(settings.rules_dir)
        tokens = token_source(settings)
    except (ConfigError, RulesError) as exc:
        raise RuntimeProblem(str(exc)) from exc
    templates, problems = compile_templates(templates_dir(settings))
    if not problems:
        # Compiling is not enough: a template that cannot render would drop replies.
        problems = rehearse_templates(templates, settings, rules)
    if problems:
        raise RuntimeProblem("templates: " + "; ".join(problems))
    return Runtime(settings, rules, tokens, templates)
