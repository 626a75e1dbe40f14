"""Checking the record yourself: the log's latest signed checkpoint, and the party's own bundle of a
process (what it may see, with proofs) to download and verify offline with `inwriting verify`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import Request
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from inwriting.app import bundles
from inwriting.app.feed import full_state, latest_checkpoint, tracks_of
from inwriting.web.auth import AppDep
from inwriting.web.pages.render import render
from inwriting.web.pages.route import FormDep, ViewerDep, page_router, text

router = page_router()


@router.get("/verify")
def verify_page(request: Request, app: AppDep, viewer: ViewerDep) -> Response:
    checkpoint, size = latest_checkpoint(app)
    state = full_state(app)
    mine = {t.process for t in tracks_of(state, viewer.party)}
    processes = [p for p in sorted(state.processes.values(), key=lambda p: p.created_seq) if p.id in mine]
    return render(
        request,
        "verify.html",
        checkpoint=checkpoint,
        size=size,
        origin=state.origin,
        log_key=state.log_vkey,
        processes=processes,
    )


@router.post("/verify/bundle")
def bundle(app: AppDep, viewer: ViewerDep, form: FormDep) -> Response:
    """Export the party's view of a process to a temporary file and stream it back (then delete it)."""
    process = text(form, "process").strip()
    folder = Path(tempfile.mkdtemp(prefix="inwriting-bundle-"))
    try:
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{process}.{viewer.party}.bundle.gz")
        path = folder / name
        bundles.export(app, path, process, as_party=viewer.party)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type="application/gzip",
        filename=name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
