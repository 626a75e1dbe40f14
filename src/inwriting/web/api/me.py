"""`GET /me`: who the token acts for."""

from __future__ import annotations

from inwriting.web.api.common import Ok, api_router
from inwriting.web.auth import PrincipalDep

router = api_router("me")


class Me(Ok):
    party: str
    delegate: str
    roles: list[str]


@router.get("/me", response_model=Me, summary="The party and delegate this token acts for")
def me(principal: PrincipalDep) -> Me:
    return Me(party=principal.party, delegate=principal.delegate, roles=list(principal.roles))
