"""A track's page: who takes part and under which rules, its timeline drawn on a time axis, the
versions on it, its meetings and its preconditions; all as the party may see them."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from inwriting.app import talks
from inwriting.app.feed import tracks_of, visible_events
from inwriting.domain import events as ev
from inwriting.domain.access import sees_version
from inwriting.errors import NotFound
from inwriting.web.auth import AppDep
from inwriting.web.pages import timeline
from inwriting.web.pages.render import render
from inwriting.web.pages.route import ViewerDep, page_router

router = page_router()


@router.get("/tracks/{track}")
def track_page(request: Request, app: AppDep, viewer: ViewerDep, track: str) -> Response:
    seen = visible_events(app, viewer.party, track=track)
    found = next((t for t in tracks_of(seen.state, viewer.party) if t.id == track), None)
    if found is None:  # no such track, or not one the party takes part in
        raise NotFound(f"track {track} does not exist")
    found_items = timeline.items(seen.events)
    versions = [
        (str(e.body.get("version")), str(e.body.get("title")), e.actor.party)
        for e in seen.events
        if e.type == ev.VERSION_CREATED
    ]
    process = seen.state.processes.get(found.process)
    state = seen.state  # meetings and preconditions name versions: only those the party may see
    readable = {vid for vid, v in state.versions.items() if sees_version(state, viewer.party, v) is not None}
    return render(
        request,
        "track.html",
        track=found,
        process=process,
        parties=[seen.state.parties[p] for p in found.parties if p in seen.state.parties],
        items=found_items,
        layout=timeline.layout(found_items),
        versions=versions,
        meetings=talks.meetings(app, track, viewer=viewer.party),
        preconditions=talks.preconditions(app, track, viewer=viewer.party),
        readable=readable,
    )
