"""The real `oidc-provider` (tests/idp/server.mjs) as a test fixture, and a scripted browser.

The node under test runs in-process (Litestar's test client at http://127.0.0.1:8000); the IdP
runs as a Node.js process on loopback ports, one issuer per org. The "browser" is two cookie
jars: the node's test client, and an httpx client for the IdP's pages; redirects are followed
by hand so each hop can be inspected or tampered with.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

IDP_DIR = Path(__file__).resolve().parents[2] / "idp"
NODE_BASE = "http://127.0.0.1:8000"
HTTPS_BASE = "https://127.0.0.1:8000"  # a node whose cookies must be __Host- and Secure
CLIENT_SECRET = "s3cret-for-tests-only-0123456789"

#: The people each test IdP knows (sub → claims), per org.
ACCOUNTS: dict[str, dict[str, dict[str, Any]]] = {
    "brent": {
        "alice": {
            "email": "alice.mentee@brent.example",
            "email_verified": True,
            "given_name": "Alice",
            "family_name": "Adeyemi",
            "employee_id": "BR-1001",
            "department": "Housing",
            "job_title": "Housing Officer",
            "manager_employee_id": "BR-1003",
            "groups": ["staff"],
        },
        "bola": {
            "email": "bola.admin@brent.example",
            "email_verified": True,
            "given_name": "Bola",
            "family_name": "Bello",
            "employee_id": "BR-1005",
            "job_title": "HR Systems Lead",
            "groups": ["staff", "mentornet-admins", "mentoring-coordinators"],
        },
        "carol": {
            "email": "carol@brent.example",
            "email_verified": True,
            "given_name": "Carol",
            "family_name": "Chen",
            "groups": ["staff"],
        },
    },
    "harrow": {
        "hari": {
            "email": "hari@harrow.example",
            "email_verified": True,
            "given_name": "Hari",
            "family_name": "Hussain",
            "employee_id": "HA-2001",
            "groups": ["mentornet-admins"],
        },
    },
}


@dataclass(frozen=True)
class IdpServer:
    issuers: dict[str, str]

    def control(self, slug: str, **body: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.issuers[slug]}/__control", json=body, timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def misbehave(self, slug: str, **misbehaviour: Any) -> None:
        self.control(slug, misbehave=misbehaviour)

    def behave(self) -> None:
        for slug in self.issuers:
            self.control(slug, misbehave={})


def org_config(slug: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "client_id": f"mentornet-{slug}",
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{base}/orgs/{slug}/callback" for base in (NODE_BASE, HTTPS_BASE)],
        "post_logout_redirect_uris": [
            f"{base}/orgs/{slug}/signed-out" for base in (NODE_BASE, HTTPS_BASE)
        ],
        "accounts": ACCOUNTS[slug],
    }


@contextmanager
def running_idp(tmp: Path, orgs: list[dict[str, Any]] | None = None) -> Iterator[IdpServer]:
    """The IdP with one issuer per org: by default this suite's (``org_config``); the browser
    tests pass their own orgs (their nodes listen on other ports)."""
    node = shutil.which("node")
    if node is None or not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            "the test IdP needs Node.js and `npm ci --prefix tests/idp` (make test does this)"
        )
    config = tmp / "idp-config.json"
    orgs = orgs if orgs is not None else [org_config(slug) for slug in ACCOUNTS]
    config.write_text(json.dumps({"orgs": orgs}))
    log = (tmp / "idp.log").open("wb")
    process = subprocess.Popen(
        [node, str(IDP_DIR / "server.mjs"), str(config)],
        stdout=subprocess.PIPE,
        stderr=log,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until every issuer listens (or it dies)
        if not line:
            raise RuntimeError(f"the test IdP did not start; see {tmp / 'idp.log'}")
        yield IdpServer(json.loads(line)["issuers"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((values.get("action", ""), {}))
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1][1][values["name"]] = values.get("value", "")


async def authorize_at_idp(authorization_url: str, account: str, node: str = NODE_BASE) -> str:
    """Play the person at the IdP: sign in as ``account``, consent; return the callback URL."""
    async with httpx.AsyncClient(timeout=10) as browser:
        url = authorization_url
        for _ in range(12):
            response = await browser.get(url) if isinstance(url, str) else await url
            while response.is_redirect:
                target = urljoin(str(response.url), response.headers["location"])
                if target.startswith(node):
                    return target
                response = await browser.get(target)
            parser = _Forms()
            parser.feed(response.text)
            if not parser.forms:
                raise AssertionError(
                    f"the IdP showed no form: {response.status_code} {response.text}"
                )
            action, fields = parser.forms[0]
            if "login" in fields or fields.get("prompt") == "login":
                fields.update(login=account, password="any")
            url = browser.post(urljoin(str(response.url), action), data=fields)  # type: ignore[assignment]
        raise AssertionError("the IdP never sent the browser back")


def split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    query = dict(httpx.QueryParams(parts.query))
    return parts.path, query
