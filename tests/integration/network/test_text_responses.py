"""Every text body the node serves (calendar file, CSV downloads, the org's stylesheet, pages)
names its charset once: ``text/…; charset=utf-8``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from network.http.text_responses import text_response
from orgs.db import utcnow
from tests.integration.relationships.builders import Client, ok, paired, world


async def test_each_text_response_says_charset_utf_8_once(client: Client, db: AsyncSession) -> None:
    w = await world(db)
    rel = await paired(client, w)
    meetings = f"/api/v1/relationships/{rel['id']}/meetings"
    body = {"starts_at": (utcnow() + timedelta(days=2)).isoformat(), "duration_minutes": 60}
    meeting = await ok(
        await client.post(meetings, json={**body, "mode": "remote"}, headers=w.as_("mentee")), 201
    )
    served = {
        f"{meetings}/{meeting['meeting']['id']}/invitation.ics": (w.as_("mentor1"), "calendar"),
        "/api/v1/me/mentoring-record.csv": (w.as_("mentee"), "csv"),
        "/api/v1/orgs/brent/hr-export.csv": (w.org.headers, "csv"),
        "/orgs/brent/theme.css": ({}, "css"),
        "/": ({}, "html"),  # a page from a template
    }
    for url, (headers, subtype) in served.items():
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text)
        assert response.headers["content-type"] == f"text/{subtype}; charset=utf-8", url
        assert response.headers.get_list("content-type") == [f"text/{subtype}; charset=utf-8"]


@pytest.mark.parametrize("media_type", ["text/csv; charset=utf-8", "application/json"])
def test_a_media_type_with_its_own_charset_or_not_text_is_refused(media_type: str) -> None:
    with pytest.raises(ValueError, match="bare text/"):
        text_response("a,b\n", media_type)
