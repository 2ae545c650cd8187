"""The help layout of every command: the examples and tables of an epilog keep their
lines; a paragraph written as one long line (a description) is wrapped to the terminal."""

from __future__ import annotations

import argparse
import textwrap


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = text.split("\n\n")
        return "\n\n".join(
            textwrap.fill(p, width, initial_indent=indent, subsequent_indent=indent)
            if "\n" not in p.strip("\n")
            else super(HelpFormatter, self)._fill_text(p, width, indent)
            for p in paragraphs
        )
