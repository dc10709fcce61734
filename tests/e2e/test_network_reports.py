"""Network reports on three real nodes over loopback: each member node counts its org's figures
from its own data, suppresses them before they leave, and sends them signed to the others; every
member then sees the same report (JSON, CSV and the dashboard), with no cell an attacker could
work out. Figures from a non-member, for another network, for an org the sender does not host
or under a forged signature are refused with every table unchanged."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
from sqlalchemy import select

from federation import wire
from federation.signing import new_jti, sign
from network.jobs import send_figures
from orgs.mentoring.evaluations import Outcome, OutcomeKind
from orgs.mentoring.meetings import Meeting, MeetingMode, MeetingState
from orgs.mentoring.relationship_states import EndKind, RelationshipState
from orgs.mentoring.relationships import Relationship
from orgs.networks.replica import Replica
from orgs.pairing.sharing import SharingPolicy
from orgs.people.members import Member
from orgs.people.roles import Role
from orgs.records.network_figures import KEYS, MATCH_PARTS, count_figures, suppress_own
from orgs.records.network_reports import NetworkFigureRow, combined_relations, protect_combined
from orgs.records.suppression import recoverable
from tests.e2e import test_networks as three_nodes
from tests.e2e.test_cross_node_request import approved_person, setup_org
from tests.e2e.test_networks import TERMS, Api, browser, contact, deliver, person, post_inbox
from tests.live import free_port, live_node
from tests.nodes import Identity, Node, changed

# The three live nodes of tests/e2e/test_networks.py, as fixtures of this module too.
third_database_url = three_nodes.third_database_url
third_settings = three_nodes.third_settings
ports = three_nodes.ports
nodes = three_nodes.nodes


@dataclass(frozen=True)
class Crafted:
    mentors: int
    mentees: int
    pairs: tuple[int, int, int]  # inside, given, received
    meetings: int  # held, 90 minutes each
    promotions: int


#: What each org's own data holds, crafted so that small numbers and the sums around them
#: matter: (inside, given, received) matches, held meetings of 90 minutes, promotions.
CRAFTED = {
    "brent": Crafted(mentors=6, mentees=2, pairs=(7, 3, 0), meetings=4, promotions=5),
    "nch": Crafted(mentors=5, mentees=0, pairs=(0, 6, 3), meetings=6, promotions=1),
    "derby": Crafted(mentors=0, mentees=6, pairs=(8, 0, 6), meetings=0, promotions=0),
}


def exact(slug: str) -> dict[str, int]:
    """The figures as the crafted data says they must be counted."""
    spec = CRAFTED[slug]
    inside, given, received = spec.pairs
    values = dict.fromkeys(KEYS, 0)
    values.update(
        mentors=spec.mentors,
        mentees=spec.mentees,
        matches_inside=inside,
        matches_given=given,
        matches_received=received,
        matches_total=inside + given + received,
        relationships_active=inside + given + received - 1 if inside else given + received,
        relationships_completed=1 if inside else 0,
        meetings_held=spec.meetings,
        hours_released=spec.meetings * 90 // 60,
        outcome_promotion=spec.promotions,
    )
    return values


async def craft(
    where: Node, org_id: uuid.UUID, scheme: uuid.UUID, slug: str, peers: dict[str, str]
) -> None:
    """People, relationships (inside, given to and received from other members), meetings and
    outcomes, written as the org's own records."""
    spec = CRAFTED[slug]
    mentors = [
        await approved_person(
            where, org_id, scheme, f"{slug}m{i}", ("M", f"R{i}"), mentor={"housing": 2}
        )
        for i in range(spec.mentors)
    ]
    mentees = [
        await approved_person(
            where, org_id, scheme, f"{slug}e{i}", ("E", f"E{i}"), mentee={"housing": 3}
        )
        for i in range(spec.mentees)
    ]
    anyone = [*mentors, *mentees]
    inside, given, received = spec.pairs
    async with where.runtime.sessionmaker() as session, session.begin():
        rels = [
            _rel(
                org_id, scheme, mentor=anyone[i % len(anyone)], mentee=anyone[-1 - i % len(anyone)]
            )
            for i in range(inside)
        ]
        if rels:
            rels[0].state, rels[0].end_kind = RelationshipState.ENDED, EndKind.COMPLETED
        rels += [
            _rel(org_id, scheme, mentor=anyone[i % len(anyone)], peer=peers["given"])
            for i in range(given)
        ]
        rels += [
            _rel(org_id, scheme, mentee=anyone[i % len(anyone)], peer=peers["received"])
            for i in range(received)
        ]
        session.add_all(rels)
        await session.flush()
        for i in range(spec.meetings):
            session.add(_meeting(org_id, rels[i % len(rels)], held=True))
        if rels:  # a meeting only scheduled counts for nothing
            session.add(_meeting(org_id, rels[0], held=False))
        for i in range(spec.promotions):
            session.add(
                Outcome(
                    org_id=org_id,
                    relationship_id=rels[i % len(rels)].id,
                    kind=OutcomeKind.PROMOTION,
                    on=date(2026, 11, 1),
                )
            )


def _rel(
    org_id: uuid.UUID,
    scheme: uuid.UUID,
    *,
    mentor: Member | None = None,
    mentee: Member | None = None,
    peer: str | None = None,
) -> Relationship:
    return Relationship(
        org_id=org_id,
        scheme_id=scheme,
        mentor_id=mentor.id if mentor else None,
        mentee_id=mentee.id if mentee else None,
        remote_peer=peer,
        remote_ref=new_jti() if peer else None,
        state=RelationshipState.ACTIVE,
        planned_end_on=date(2027, 6, 1),
    )


def _meeting(org_id: uuid.UUID, rel: Relationship, *, held: bool) -> Meeting:
    return Meeting(
        org_id=org_id,
        relationship_id=rel.id,
        state=MeetingState.HELD if held else MeetingState.SCHEDULED,
        starts_at=datetime(2026, 11, 2, 10, tzinfo=UTC),
        duration_minutes=90,
        mode=MeetingMode.REMOTE,
    )


class TableText(HTMLParser):
    """The cells of the page's table of every figure, as the reader sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.cell, self.rows = False, False, []  # type: ignore[var-annotated]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", "network-figures") in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif tag in ("td", "th"):
            self.cell = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.cell:
            self.rows[-1][-1] += data.strip()


async def found_network(
    client: httpx.AsyncClient, apis: dict[str, Api], nodes: tuple[Node, Node, Node]
) -> str:
    a, b, c = nodes
    founded = await apis["brent"].ok("POST", "", {**TERMS, "contact": contact("Anna", "brent")})
    nid: str = founded["network_id"]
    for org, there, name in (("nch", b, "NCH"), ("derby", c, "Derby City Council")):
        await apis["brent"].ok(
            "POST",
            f"/{nid}/invitations",
            {"org": org, "node": there.settings.base_url, "display_name": name},
        )
    assert await deliver(a, client) == 3
    for org, there in (("nch", b), ("derby", c)):
        await apis[org].ok(
            "POST", f"/{nid}/acceptance", {"agreement_version": 1, "contact": contact("X", org)}
        )
        assert await deliver(there, client) == 2
    return nid


async def test_every_member_sees_the_same_suppressed_figures_counted_from_its_own_data(
    nodes: tuple[Node, Node, Node], ports: tuple[int, int, int]
) -> None:
    a, b, c = nodes
    url_a, url_b, url_c = (n.settings.base_url for n in nodes)
    home = {"brent": a, "nch": b, "derby": c}
    ids: dict[str, tuple[uuid.UUID, uuid.UUID]] = {}
    for slug, there, name in (("brent", a, "Brent"), ("nch", b, "NCH"), ("derby", c, "Derby")):
        ids[slug] = await setup_org(there, slug, name, SharingPolicy())
    other_id, _ = await setup_org(b, "other", "Another Council", SharingPolicy())
    for x in nodes:
        for y in nodes:
            if x is not y:
                await x.pin(y)
    # Who each org's cross-organisation pairs are with: brent gives to nch, nch to derby.
    peers = {
        "brent": {"given": url_b, "received": url_c},
        "nch": {"given": url_c, "received": url_a},
        "derby": {"given": url_a, "received": url_b},
    }
    for slug, (org_id, scheme) in ids.items():
        await craft(home[slug], org_id, scheme, slug, peers[slug])
    admins = {s: await person(home[s], ids[s][0], f"{s}-admin", Role.ORG_ADMIN) for s in ids}
    staff = await person(a, ids["brent"][0], "brent-staff", None)
    outsider = await person(b, other_id, "other-admin", Role.ORG_ADMIN)

    with (
        live_node(a.settings, port=ports[0]),
        live_node(b.settings, port=ports[1]),
        live_node(c.settings, port=ports[2]),
    ):
        async with httpx.AsyncClient(timeout=15) as client:
            apis = {s: Api(client, home[s], s, await browser(home[s], s, admins[s])) for s in ids}
            nid = await found_network(client, apis, nodes)

            # Each node counts its own org's figures exactly as its data says ...
            for slug, (org_id, _) in ids.items():
                async with home[slug].runtime.sessionmaker() as session:
                    record = await Replica(session).current(nid)
                    assert record is not None
                    counted = await count_figures(
                        session, org_id, slug, record, home[slug].settings.base_url
                    )
                assert counted == exact(slug), slug

            # ... and the jobs pass sends them, suppressed, once a day.
            now = datetime.now(UTC)
            for there in nodes:
                assert await send_figures(there.runtime.sessionmaker, there.settings, now) == 1
                assert await send_figures(there.runtime.sessionmaker, there.settings, now) == 0
                assert await deliver(there, client) == 2
            later = now + timedelta(hours=25)
            assert await send_figures(a.runtime.sessionmaker, a.settings, later) == 1
            assert await deliver(a, client) == 2

            reports = [
                await apis[s].ok("GET", f"/{nid}/figures") for s in ("brent", "nch", "derby")
            ]
            assert reports[0] == reports[1] == reports[2]  # every member, the same report
            report = reports[0]
            shown = {line["org_ref"].split("@")[0]: line["figures"] for line in report["lines"]}
            sent = {slug: suppress_own(exact(slug)) for slug in ids}
            assert shown == protect_combined(sent)
            for slug, figures in shown.items():
                for key, value in figures.items():
                    truth = exact(slug)[key]
                    assert value is None or value == truth, (slug, key)
                    if 0 < truth < 5:
                        assert value is None, (slug, key)  # never a small number
            assert shown["brent"]["matches_given"] is None  # 3
            assert shown["brent"]["matches_inside"] is None  # 10 - 0 - ? would give 3 back
            assert shown["derby"]["matches_received"] == 6

            # No hidden cell can be worked out from the rest (the attacker's integer programme).
            refs = sorted(ids)
            audited = ("matches_total", *MATCH_PARTS)
            truth_cells = {(r, k): exact(r)[k] for r in refs for k in audited}
            hidden = frozenset(c for c in truth_cells if shown[c[0]][c[1]] is None)
            assert recoverable(truth_cells, combined_relations(refs), frozenset(), hidden) == []
            assert "@" not in str([line["figures"] for line in report["lines"]])

            # The CSV is the page's table, cell for cell.
            page = await client.get(
                f"{url_a}/orgs/brent/networks/{nid}/report", headers=apis["brent"].headers
            )
            assert page.status_code == 200, page.text
            parser = TableText()
            parser.feed(page.text)
            downloaded = await apis["brent"].call("GET", f"/{nid}/figures.csv")
            assert downloaded.headers["content-type"] == "text/csv; charset=utf-8"
            rows = list(csv.reader(io.StringIO(downloaded.text)))
            table = [rows[0], *rows[1:4]]
            columns = list(zip(*parser.rows, strict=True))
            assert [list(col) for col in columns[1:]] == [r[:] for r in table[1:]]
            assert list(columns[0][2:]) == table[0][2:]
            assert 'href="/api/v1/orgs/brent/networks/' in page.text  # the download link

            # Who may read it: a member's plain staff no (403), another org no (404).
            staff_api = Api(client, a, "brent", await browser(a, "brent", staff))
            assert (await staff_api.call("GET", f"/{nid}/figures")).status_code == 403
            stranger_org = Api(client, b, "other", await browser(b, "other", outsider))
            assert (await stranger_org.call("GET", f"/{nid}/figures")).status_code == 404


async def test_figures_from_a_non_member_another_network_or_a_forger_change_nothing(
    nodes: tuple[Node, Node, Node], ports: tuple[int, int, int]
) -> None:
    a, b, _ = nodes
    brent_id, _ = await setup_org(a, "brent", "Brent", SharingPolicy())
    await setup_org(b, "nch", "NCH", SharingPolicy())
    await a.pin(b)
    await b.pin(a)
    stranger = Identity(f"http://127.0.0.1:{free_port()}", ("evil",))
    await stranger.pinned_by(b)
    admin = await person(a, brent_id, "ba", Role.ORG_ADMIN)
    url_a = a.settings.base_url
    with live_node(a.settings, port=ports[0]), live_node(b.settings, port=ports[1]):
        async with httpx.AsyncClient(timeout=15) as client:
            brent = Api(client, a, "brent", await browser(a, "brent", admin))
            nid = (await brent.ok("POST", "", {**TERMS, "contact": contact("Anna", "brent")}))[
                "network_id"
            ]
            await brent.ok(
                "POST",
                f"/{nid}/invitations",
                {"org": "nch", "node": b.settings.base_url, "display_name": "NCH"},
            )
            assert await deliver(a, client) == 1

            figures = wire.NetworkFigureValues(mentors=9, matches_total=0)
            now = int(datetime.now(UTC).timestamp())

            def from_a(org: str, network_id: str) -> wire.NetworkFigures:
                return wire.NetworkFigures(
                    iss=url_a,
                    aud=b.settings.base_url,
                    iat=now,
                    exp=now + 60,
                    jti=new_jti(),
                    mid=new_jti(),
                    network_id=network_id,
                    org=org,
                    as_of=now,
                    figures=figures,
                )

            ring = await a.ring()
            fields: dict[str, Any] = {"network_id": nid, "as_of": now, "figures": figures}
            tokens = {
                # a node that is no member, for its own org
                "non-member": stranger.sign(
                    stranger.message(wire.NetworkFigures, b, org="evil", **fields)
                ),
                # brent's node, signed for a network B does not hold
                "another network": sign(from_a("brent", "another-network-0001"), ring.active),
                # brent's node, for an org it does not host
                "not hosted": sign(from_a("nch", nid), ring.active),
                # brent's node id, the stranger's key
                "forged": stranger.sign(from_a("brent", nid)),
            }
            before = await b.tables()
            answers = {k: (await post_inbox(client, b, t)).status_code for k, t in tokens.items()}
            assert answers == {
                "non-member": 404,
                "another network": 404,
                "not hosted": 403,
                "forged": 401,
            }
            assert changed(before, await b.tables()) == set()

            # The same figures, signed by brent's node for the network, are taken.
            taken = await post_inbox(client, b, sign(from_a("brent", nid), ring.active))
            assert taken.status_code == 202, taken.text
            assert changed(before, await b.tables()) == {"federation_inbox", "network_figures"}
            async with b.runtime.sessionmaker() as session:
                [row] = (await session.scalars(select(NetworkFigureRow))).all()
                assert (row.org_ref, row.figures["mentors"]) == (f"brent@{url_a}", 9)
