"""``/api/v1/orgs/{slug}/sharing``: an org admin's cross-organisation and federation policy."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.params import JSONBody

from federation.card_facts import check_card_facts
from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.problems import API_PROBLEMS
from orgs.pairing.sharing import SharingPolicy, read_policy, set_policy
from orgs.people.actor import Actor
from orgs.people.permissions import Action, authorize


def require_admin(actor: Actor) -> None:
    authorize(actor, Action.SET_SHARING)


class SharingController(Controller):
    path = "/api/v1/orgs/{slug:str}/sharing"
    tags = ("federation",)

    @get("/", summary="The org's cross-organisation policy", responses=API_PROBLEMS)
    async def show(self, actor: Actor_, db: Db) -> SharingPolicy:
        return await read_policy(db, actor.org_id)

    @put("/", summary="Set the org's cross-organisation policy", responses=API_PROBLEMS)
    async def update(self, actor: Actor_, db: Db, data: JSONBody[SharingPolicy]) -> SharingPolicy:
        require_admin(actor)
        check_card_facts(data)
        await set_policy(db, actor.org_id, data)
        return data
