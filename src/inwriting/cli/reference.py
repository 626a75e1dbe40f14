"""The CLI reference (docs/cli.md), generated from every command's `--help`; a test keeps it current.

Help is rendered in Typer's plain (non-Rich) layout at a fixed width, so the text depends on the
commands alone, never on the terminal, colour settings or the Rich version.

    python -m inwriting.cli.reference > docs/cli.md
"""

from __future__ import annotations

from collections.abc import Iterator

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from inwriting.cli.main import app

PROG = "inwriting"
WIDTH = 100
REGENERATE = "python -m inwriting.cli.reference > docs/cli.md"


def commands() -> Iterator[tuple[typer.Context, str]]:
    """Every command and group, depth first in `--help` order, with its context and help text."""
    root = typer.main.get_command(app)  # a fresh tree each call, so changing it below is local

    def walk(command: object, name: str, parent: typer.Context | None) -> Iterator[tuple[typer.Context, str]]:
        if not isinstance(command, TyperCommand | TyperGroup):
            raise TypeError(f"{name}: not a Typer command ({type(command).__name__})")
        command.rich_markup_mode = None  # plain layout: no panels, no colour, no terminal probing
        ctx = typer.Context(
            command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH
        )
        yield ctx, command.get_help(ctx)
        if isinstance(command, TyperGroup):
            for sub in command.list_commands(ctx):
                yield from walk(command.get_command(ctx, sub), sub, ctx)

    yield from walk(root, PROG, None)


def render() -> str:
    """docs/cli.md: one `## inwriting <path>` section per command with its help in a code block."""
    parts = [
        "# Command-line reference",
        "",
        f"Generated from `--help`; do not edit. Regenerate with `{REGENERATE}`.",
    ]
    for ctx, text in commands():
        lines = [line.rstrip() for line in text.strip("\n").splitlines()]
        parts += ["", f"## {ctx.command_path}", "", "```text", *lines, "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(render())
