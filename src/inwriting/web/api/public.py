"""What a log shows anyone, with no token: its origin, its key, its newest signed checkpoint and the
consistency proofs between signed sizes. Witnesses (`inwriting witness add URL`, `witness cosign
--url`) read these to cosign checkpoints and catch a log that shows different histories to different
readers. Sizes and hashes only: no event, text, party or id of anything in the log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from inwriting.app import witness as witness_cases
from inwriting.web.api.common import ERRORS, LimitedRoute, Ok
from inwriting.web.api.record import ConsistencyOut
from inwriting.web.auth import AppDep

router = APIRouter(prefix="/public", tags=["public"], responses=ERRORS, route_class=LimitedRoute)

_MAX_SIZE = 1 << 53


class PublicLogOut(Ok):
    origin: str = Field(description="The log's origin line (the first line of its checkpoints)")
    log_key: str = Field(description="The log's note verifier key (C2SP signed-note vkey)")
    checkpoint: str | None = Field(description="The newest signed checkpoint (C2SP tlog-checkpoint), if any")


@router.get(
    "/log", response_model=PublicLogOut, summary="The log's origin, key and newest checkpoint (no token)"
)
def public_log(app: AppDep) -> PublicLogOut:
    return PublicLogOut.model_validate(witness_cases.public_log(app).to_json())


@router.get(
    "/consistency",
    response_model=ConsistencyOut,
    summary="RFC 9162 proof that the tree of size OLD is a prefix of a signed checkpoint's (no token)",
)
def public_consistency(
    app: AppDep,
    old: Annotated[int, Query(ge=1, le=_MAX_SIZE)],
    new: Annotated[int, Query(ge=1, le=_MAX_SIZE, description="At most the newest checkpoint's size")],
) -> ConsistencyOut:
    return ConsistencyOut.model_validate(witness_cases.public_consistency(app, old, new).to_json())
