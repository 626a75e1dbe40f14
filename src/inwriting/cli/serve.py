"""`inwriting serve`: the web application and JSON API (uvicorn + FastAPI) on one database."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer

from inwriting.cli.common import DbOption, KeystoreOption, open_app, reports_errors, say
from inwriting.errors import InvalidInput


@reports_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Worker processes (each uses one core).")
    ] = 1,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            min=1,
            max=256,
            help=(
                "Requests each worker process works on at once (default 4, or INWRITING_THREADS);"
                " more wait their turn."
            ),
        ),
    ] = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", hidden=True)] = False,
) -> None:
    """Serve the web pages at / and the JSON API at /api/v1 (OpenAPI: /api/v1/openapi.json)."""
    import uvicorn

    from inwriting.web.app import create_app
    from inwriting.web.limits import ENV_THREADS

    try:
        address = ipaddress.ip_address(host)
    except ValueError as exc:
        raise InvalidInput(f"--host {host!r} is not an IP address") from exc
    if threads is not None:  # read by each worker process as it starts (web.app.thread_limit)
        os.environ[ENV_THREADS] = str(threads)
    app = open_app(db, keystore)
    shown = f"[{host}]" if address.version == 6 else host
    say(f"inwriting on http://{shown}:{port}/ (API: /api/v1, OpenAPI: /api/v1/openapi.json); Ctrl-C stops it")
    if not address.is_loopback:
        say(
            "listening beyond this machine: put TLS in front of it (a reverse proxy)",
            label="note",
            style="yellow",
        )
    if workers > 1:  # each worker process opens the database itself, from the environment
        app.close()
        if db is not None:
            os.environ["INWRITING_DATABASE_URL"] = db
        if keystore is not None:
            os.environ["INWRITING_KEYSTORE"] = str(keystore)
        uvicorn.run(
            "inwriting.web.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
        )
        return
    try:
        uvicorn.run(create_app(app), host=host, port=port, log_level="warning", access_log=False)
    finally:
        app.close()
