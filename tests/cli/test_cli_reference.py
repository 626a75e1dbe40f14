"""docs/cli.md is the `--help` of every command, generated; this keeps it current and complete."""

from __future__ import annotations

from pathlib import Path

from inwriting.cli import reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_docs_cli_md_is_current() -> None:
    assert DOC.is_file(), f"docs/cli.md is missing; create it with `{reference.REGENERATE}`"
    # Compare whole texts, but fail with a short message rather than a 400-line diff.
    assert DOC.read_text(encoding="utf-8") == reference.render(), (
        f"docs/cli.md is out of date with the commands' --help; regenerate it with `{reference.REGENERATE}`"
    )


def test_every_command_has_help() -> None:
    missing = [ctx.command_path for ctx, _ in reference.commands() if not (ctx.command.help or "").strip()]
    assert missing == [], f"commands without help text: {missing}"


def test_every_command_has_a_section() -> None:
    rendered = reference.render()
    paths = [ctx.command_path for ctx, _ in reference.commands()]
    assert len(paths) == len(set(paths))
    assert {"inwriting", "inwriting party add", "inwriting prove consistency", "inwriting verify"} <= set(
        paths
    )
    for path in paths:
        assert f"\n## {path}\n\n```text\nUsage: {path} " in rendered
