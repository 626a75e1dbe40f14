"""The CLI fixtures (a record built through the CLI itself), shared by every CLI test module."""

from tests.cli.test_cli import built, cli, fresh

__all__ = ["built", "cli", "fresh"]
