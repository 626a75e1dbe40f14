"""What every command shares: the --db/--keystore/--json options, one error path, and output."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from inwriting.app.context import App
from inwriting.domain.events import PartyId
from inwriting.errors import InvalidInput, InwritingError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database path or URL (default ./inwriting.db; env INWRITING_DATABASE_URL).",
        envvar="INWRITING_DATABASE_URL",
        show_envvar=False,
    ),
]
KeystoreOption = Annotated[
    str | None,
    typer.Option(
        "--keystore",
        help="Directory of private keys (default ./inwriting-keys; env INWRITING_KEYSTORE).",
        envvar="INWRITING_KEYSTORE",
        show_envvar=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
ViewerOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="PARTY",
        help="Read as this party sees it (what was not addressed to it or published does not exist).",
    ),
]


def viewer_of(party: str | None) -> PartyId | None:
    return PartyId(party) if party else None


P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors into one line on stderr (and an envelope on stdout with --json), exit 1."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except InwritingError as exc:
            _report(exc.to_dict(), str(exc), as_json=bool(kwargs.get("as_json")))
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except Exception as exc:  # a bug of ours: still one line (and one JSON document), exit 1
            what = f"internal error ({type(exc).__name__}): {exc}"
            _report(
                {"code": "internal_error", "message": what, "where": None},
                what,
                as_json=bool(kwargs.get("as_json")),
            )
        raise AssertionError("unreachable")

    return wrapper


def _report(error: dict[str, object], line: str, *, as_json: bool) -> NoReturn:
    if as_json:
        emit_json({"ok": False, "error": error})
    err.print(Text.assemble(("error:", "bold red"), " ", " ".join(line.split())), highlight=False)
    raise typer.Exit(1)


def open_app(db: str | None, keystore: str | None = None) -> App:
    return App.open(db, keystore)


@contextmanager
def app_for(db: str | None, keystore: str | None = None) -> Iterator[App]:
    app = open_app(db, keystore)
    try:
        yield app
    finally:
        app.close()


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def done(as_json: bool, document: dict[str, Any], message: str) -> None:
    """Report a finished act: `{"ok": true, ...}` on stdout with --json, else one line on stderr."""
    if as_json:
        emit_json({"ok": True, **document})
    else:
        say(message)


def say(message: str, *, label: str | None = None, style: str = "green") -> None:
    """A human message on stderr (stdout stays clean for data). Never read as markup: names and
    titles in it are the parties' own text."""
    text = Text.assemble((f"{label}:", style), " ", message) if label else Text(message)
    err.print(text, highlight=False)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def cell(value: object) -> Text:
    """A table cell shown exactly as recorded (no markup)."""
    return Text("" if value is None else str(value))


@contextmanager
def progress_bar(
    description: str, *, as_json: bool, unit_bytes: bool = False
) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on a terminal; nothing when piped or printing JSON."""
    if as_json or not err.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, 1))

        yield update


def write_file(path: Path, data: bytes) -> None:
    """Write all or nothing: a partial file never takes the name (a crash leaves `F.partial`)."""
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory")
    temp = path.with_name(path.name + ".partial")
    try:
        temp.write_bytes(data)
        temp.replace(path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {path}: {exc.strerror}") from None
