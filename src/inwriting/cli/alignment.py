"""`inwriting align ANSWER` (suggest how a prose answer reads, point by point) and
`inwriting align confirm ANSWER` (record a delegate's decisions on the suggestions)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from inwriting.alignment import DEFAULT_ENGINE, ENGINES
from inwriting.app import alignment
from inwriting.cli.common import (
    DbOption,
    JsonOption,
    KeystoreOption,
    ViewerOption,
    app_for,
    cell,
    emit_json,
    out,
    plural,
    reports_errors,
    say,
    viewer_of,
)
from inwriting.cli.negotiation import DateOption, DelegateOption
from inwriting.errors import InvalidInput


class _ShowByDefault(TyperGroup):
    """`align ANSWER` is `align show ANSWER`; `align confirm ANSWER` records decisions."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own vendored click.Context
        taking = {  # the options that take a value: their value is not the command's name
            name
            for command in self.commands.values()
            for param in command.params
            if getattr(param, "opts", None) and not getattr(param, "is_flag", False)
            for name in param.opts
            if name.startswith("-")
        }
        at, skip = None, False
        for i, arg in enumerate(args):
            if skip:
                skip = False
            elif arg.startswith("-"):
                skip = arg in taking
            else:
                at = i
                break
        if at is not None and args[at] not in self.commands:
            args = ["show", *args]
        elif at:  # `align --db X confirm A`: the options belong to the command named after them
            args = [args[at], *args[:at], *args[at + 1 :]]
        return super().parse_args(ctx, args)


align_app = typer.Typer(
    cls=_ShowByDefault,
    help="Read an answer given in prose against the points it answers, and confirm the reading."
    " `inwriting align ANSWER` is short for `inwriting align show ANSWER`.",
    no_args_is_help=True,
)

EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        metavar="|".join(ENGINES),
        help="tfidf (default, no model), embeddings (the extra inwriting[embeddings]) or keyword (baseline).",
    ),
]
AnswerArg = Annotated[str, typer.Argument(metavar="ANSWER", help="The answer id, e.g. doc@v1/answer/US/1.")]


@align_app.command("show")
@reports_errors
def show(
    answer: AnswerArg,
    engine: EngineOption = DEFAULT_ENGINE,
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """For each paragraph: the points it seems to address, the position it seems to take (with a
    confidence) and the sentence that carries it; then the points no paragraph addresses."""
    with app_for(db) as app:
        view = alignment.suggestions(app, answer, viewer=viewer_of(viewer), engine_name=engine)
    document = view.to_json()
    if as_json:
        emit_json({"ok": True, **document})
        return
    _print(document)


def _print(document: dict[str, Any]) -> None:
    table = Table("¶", "addresses", "position", "carried by", "confirmed", title=cell(document["answer"]))
    for p in document["paragraphs"]:
        if p["heading"]:
            table.add_row(cell(p["paragraph"]), Text(p["text"], style="bold"), cell(""), cell(""), cell(""))
            continue
        points = ", ".join(x["label"] + ("" if x["named"] else f" ({x['score']:.2f})") for x in p["points"])
        position = f"{p['position']} ({p['confidence']:.2f})" if p["position"] else ""
        confirmed = p["confirmed"]
        mark = ""
        if confirmed is not None:
            labels = ", ".join(x["label"] for x in confirmed["points"]) or "nothing"
            took = confirmed["position"] or ""
            mark = f"{confirmed['decision']}: {labels} {took} by {confirmed['by']}".replace("  ", " ")
        table.add_row(
            cell(p["paragraph"]),
            cell(points or "—"),
            cell(position),
            cell(_short(p["sentence"] or p["text"])),
            cell(mark),
        )
    out.print(table)
    unanswered = [u["label"] for u in document["unanswered"]]
    say(", ".join(unanswered) if unanswered else "none", label="no paragraph addresses", style="yellow")
    confirmed = document["confirmed"]
    say(f"{confirmed['summary']} ({confirmed['paragraphs']} of {plural(confirmed['of'], 'paragraph')})")


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@align_app.command("confirm")
@reports_errors
def confirm(
    answer: AnswerArg,
    as_party: Annotated[
        str | None,
        typer.Option(
            "--as", metavar="PARTY", help="The party confirming (the answering party or the author)."
        ),
    ] = None,
    accept_all: Annotated[
        bool, typer.Option("--accept-all", help="Keep the suggestion for every paragraph not yet decided.")
    ] = False,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            metavar="DECISIONS",
            help='JSON: {"decisions": [{"paragraph": 3, "decision": "keep|change|drop", "points": [...],'
            ' "position": "...", "text": "..."}]}.',
        ),
    ] = None,
    engine: EngineOption = DEFAULT_ENGINE,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record which suggestions are kept, changed or dropped, as one event signed for the party.
    Only confirmed paragraphs count toward the answer's completeness."""
    if as_party is None:
        raise InvalidInput("say who confirms with --as PARTY")
    if accept_all == (file is not None):
        raise InvalidInput("give either --accept-all or --file DECISIONS")
    with app_for(db, keystore) as app:
        decisions = alignment.read_decisions(file) if file is not None else None
        view, recorded = alignment.confirm(
            app,
            answer,
            as_party=as_party,
            accept_all=accept_all,
            decisions=decisions,
            engine_name=engine,
            date=date,
            delegate=delegate,
        )
    document = view.to_json()
    if as_json:
        emit_json({"ok": True, **document, "event": recorded.to_json()})
        return
    confirmed = document["confirmed"]
    say(f"{answer}: {confirmed['summary']} (event {recorded.seq})")
    say(f"{confirmed['paragraphs']} of {plural(confirmed['of'], 'paragraph')} decided")
    unanswered = [u["label"] for u in confirmed["unanswered"]]
    say(", ".join(unanswered) if unanswered else "none", label="still unanswered", style="yellow")
