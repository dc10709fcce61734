"""The guided rules editor through real signed-in sessions, with no JavaScript: a coordinator
builds two rules from lists ("Add another rule" is a submit button), previews the counts
against the staff seeded, saves, and the API and the YAML editor read back the same document;
a refused form (a value not chosen, a number that is not a number) saves nothing; a member
without the permission gets 403 and another organisation's coordinator 404, nothing changed;
rules the form cannot show open in YAML, and the form cannot overwrite them."""

from __future__ import annotations

import re
import uuid
from typing import Any

import yaml
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from network.sso.sessions import CSRF_FIELD
from orgs.schemes.rules_store import RulesStore
from orgs.schemes.schemes import SchemeService
from tests.integration.orgs.builders import (
    ApiOrg,
    api_org,
    seed_rules,
    team,
)
from tests.sessions import sign_in

Client = AsyncTestClient[Litestar]

TWO_RULES = {
    "mentee": [
        {
            "rule": "works-in-housing-or-finance",
            "excludes": "Only housing and finance staff",
            "admits": "Works in housing or finance",
            "in": {"attribute": "department", "values": ["Finance", "Housing"]},
        },
        {"rule": "grade-g3-or-above", "admits": "Grade G3 or above", "grade_at_least": "G3"},
    ]
}


async def open_scheme(db: AsyncSession) -> ApiOrg:
    """Brent's team (builders.TEAM: 11 staff) and a scheme with no rules yet."""
    return await api_org(db, rules=None)


def page_url(o: ApiOrg, scheme_id: str | None = None) -> str:
    return f"/orgs/brent/admin/schemes/{scheme_id or o.scheme_id}/rules"


def form_of(o: ApiOrg, who: str, **fields: Any) -> dict[str, Any]:
    return {CSRF_FIELD: o.sessions[who].csrf, **fields}


async def current(db: AsyncSession, o: ApiOrg) -> tuple[int, dict[str, Any]] | None:
    db.expire_all()
    identity = inspect(o.org).identity  # the key of an expired row, without reloading it
    assert identity is not None
    org_id = identity[0]
    scheme = await SchemeService(db, org_id).get(uuid.UUID(o.scheme_id))
    row = await RulesStore(db, org_id).current(scheme)
    return (row.version, row.document) if row else None


def counts(html: str, role: str) -> str:
    """The caption of one role's preview table: "As a mentee: 6 of 11 … eligible, 5 not"."""
    found = re.search(rf"<caption[^>]*>(As a {role}:[^<]*)</caption>", html)
    assert found, html
    return found[1]


def row_counts(html: str, role: str) -> list[tuple[str, int, int]]:
    table = html.split(f'id="preview-{role}"')[1].split("</table>")[0]
    rows = re.findall(
        r'<th scope="row"[^>]*>([^<]*)</th><td[^>]*>(\d+)</td><td[^>]*>(\d+)</td>', table
    )
    return [(name, int(a), int(e)) for name, a, e in rows]


async def test_coordinator_builds_previews_and_saves_two_rules(
    client: Client, db: AsyncSession
) -> None:
    o = await open_scheme(db)
    url, headers = page_url(o), o.as_("COORD")
    first = await client.get(url, headers=headers)
    assert first.status_code == 200
    assert "Add another rule" in first.text
    assert "Edit as YAML" not in first.text  # the YAML editor is the org admins'
    assert (
        counts(first.text, "mentee")
        == "As a mentee: 11 of 11 current staff eligible, 0 not eligible"
    )

    base = {"takes": ["mentee"], "mentee-count": "0", "mentor-count": "0"}
    added = await client.post(
        url,
        data=form_of(o, "COORD", **base, **{"mentee-new-field": "department"}, action="add-mentee"),
        headers=headers,
    )
    assert added.status_code == 200, added.text
    # The department's values come from the staff data, as checkboxes; nothing saved yet.
    for department in ("Finance", "HR", "Housing", "Schools"):
        assert f'name="mentee-0-values" type="checkbox" value="{department}"' in added.text
    assert await current(db, o) is None

    row0 = {
        "mentee-0-field": "department",
        "mentee-0-op": "in",
        "mentee-0-values": ["Finance", "Housing"],  # in page order, as a browser sends
        "mentee-0-admits": "Works in housing or finance",
        "mentee-0-excludes": "Only housing and finance staff",
    }
    added = await client.post(
        url,
        data=form_of(
            o,
            "COORD",
            **{**base, "mentee-count": "1"},
            **row0,
            **{"mentee-new-field": "grade"},
            action="add-mentee",
        ),
        headers=headers,
    )
    assert added.status_code == 200
    assert '<option value="SM1">SM1</option>' in added.text  # the org's grade order
    assert 'value="Works in housing or finance"' in added.text  # the first row kept

    both = {
        **base,
        "mentee-count": "2",
        **row0,
        "mentee-1-field": "grade",
        "mentee-1-op": "at_least",
        "mentee-1-values": "G3",
        "mentee-1-admits": "Grade G3 or above",
        "mentee-1-excludes": "",
    }
    preview = await client.post(
        url, data=form_of(o, "COORD", **both, action="preview"), headers=headers
    )
    assert preview.status_code == 200, preview.text
    assert "Preview of these rules (not saved)" in preview.text
    # TEAM: 7 in Housing or Finance; only OTHER (Finance) is below G3.
    assert (
        counts(preview.text, "mentee")
        == "As a mentee: 6 of 11 current staff eligible, 5 not eligible"
    )
    assert row_counts(preview.text, "mentee") == [
        ("Works in housing or finance", 7, 4),
        ("Grade G3 or above", 10, 1),
    ]
    assert (
        counts(preview.text, "mentor")
        == "As a mentor: 0 of 11 current staff eligible, 11 not eligible"
    )
    assert await current(db, o) is None  # a preview saves nothing

    saved = await client.post(
        url,
        data=form_of(o, "COORD", **both, action="save"),
        headers=headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{url}?done=saved"
    saved = await client.get(saved.headers["location"], headers=headers)
    assert "Saved" in saved.text
    assert "Version 1 is in force" in saved.text
    assert await current(db, o) == (1, TWO_RULES)

    api = await client.get(f"/api/v1/orgs/brent/schemes/{o.scheme_id}/rules", headers=headers)
    assert api.status_code == 200
    assert api.json()["document"] == TWO_RULES
    as_yaml = await client.get(f"{url}/yaml", headers=o.as_("ADMIN"))
    assert as_yaml.status_code == 200
    text = re.search(r'<textarea[^>]*name="document"[^>]*>([^<]*)</textarea>', as_yaml.text)
    assert text is not None
    assert yaml.safe_load(text[1].replace("&#39;", "'").replace("&amp;", "&")) == TWO_RULES


async def test_a_refused_form_names_the_field_and_saves_nothing(
    client: Client, db: AsyncSession
) -> None:
    o = await api_org(db)  # Brent's own rules, version 1: the guided form shows them
    url, headers = page_url(o), o.as_("COORD")
    before = await current(db, o)
    assert before == (1, seed_rules("brent"))
    shown = await client.get(url, headers=headers)
    assert shown.status_code == 200
    assert 'value="Not school-based"' in shown.text
    assert 'value="NGDP" checked' in shown.text  # a value of the rule, though no one has it
    form = {
        "takes": ["mentee", "mentor"],
        "mentee-count": "2",
        "mentor-count": "0",
        "mentee-0-field": "grade",
        "mentee-0-op": "at_least",
        "mentee-0-values": "",
        "mentee-0-admits": "Senior enough",
        "mentee-1-field": "months_of_service",
        "mentee-1-op": "at_least",
        "mentee-1-number": "twelve",
        "mentee-1-admits": "A year's service",
    }
    for action in ("save", "preview"):
        refused = await client.post(
            url, data=form_of(o, "COORD", **form, action=action), headers=headers
        )
        assert refused.status_code == 400
        assert "There is a problem" in refused.text
        assert '<a href="#mentee-0-values">Rule 1 for mentees: choose the grade</a>' in refused.text
        assert (
            '<a href="#mentee-1-number">Rule 2 for mentees: enter the length of service as a '
            "whole number of months, from 0 to 600, like 12</a>"
        ) in refused.text
        assert 'value="twelve"' in refused.text  # what was typed, kept
        assert "regex" not in refused.text
        assert "mentee[" not in refused.text
        assert await current(db, o) == before


async def test_without_the_permission_403_and_another_orgs_coordinator_404(
    client: Client, db: AsyncSession
) -> None:
    o = await api_org(db)
    _, people = await team(db, "harrow")
    await db.commit()
    [harrow_coord] = await sign_in("harrow", [people["COORD"]])
    before = await current(db, o)
    form = {
        "takes": ["mentee"],
        "mentee-count": "0",
        "mentor-count": "0",
        "action": "save",
    }
    url = page_url(o)
    assert (await client.get(url, headers=o.as_("MENTEE"))).status_code == 403
    refused = await client.post(url, data=form_of(o, "MENTEE", **form), headers=o.as_("MENTEE"))
    assert refused.status_code == 403
    # The YAML editor is for org admins: a coordinator may use the guided form only.
    assert (await client.get(f"{url}/yaml", headers=o.as_("COORD"))).status_code == 403
    yaml_post = {CSRF_FIELD: o.sessions["COORD"].csrf, "document": "mentee: []", "action": "save"}
    assert (
        await client.post(f"{url}/yaml", data=yaml_post, headers=o.as_("COORD"))
    ).status_code == 403
    theirs = f"/orgs/harrow/admin/schemes/{o.scheme_id}/rules"
    assert (await client.get(theirs, headers=harrow_coord.headers)).status_code == 404
    crossed = await client.post(
        theirs, data={**form, CSRF_FIELD: harrow_coord.csrf}, headers=harrow_coord.headers
    )
    assert crossed.status_code == 404
    assert await current(db, o) == before


async def test_rules_the_form_cannot_show_open_in_yaml(client: Client, db: AsyncSession) -> None:
    o = await api_org(db, rules="nch")  # self-declared criteria: beyond the guided form
    url = page_url(o)
    before = await current(db, o)
    admin = await client.get(url, headers=o.as_("ADMIN"))
    assert admin.status_code == 200
    assert "the guided form cannot show" in admin.text
    assert 'name="document"' in admin.text  # the YAML editor
    coord = await client.get(url, headers=o.as_("COORD"))
    assert "An org admin can change them as YAML" in coord.text
    assert 'name="document"' not in coord.text
    assert "positive-action" in coord.text
    overwrite = {
        "takes": ["mentee"],
        "mentee-count": "0",
        "mentor-count": "0",
        "action": "save",
    }
    kept = await client.post(url, data=form_of(o, "COORD", **overwrite), headers=o.as_("COORD"))
    assert "the guided form cannot show" in kept.text
    assert await current(db, o) == before
