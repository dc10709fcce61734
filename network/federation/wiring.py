"""How the node's settings feed federation: its id, name, endpoints and key password."""

from __future__ import annotations

import hashlib
import hmac
import time

from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.key_store import NodeKeys
from federation.node_documents import build_node_document, document_signing_key, sign_node_document
from network.config import Settings
from orgs.registry import OrgRegistry

INBOX_PATH = "/federation/v1/inbox"
CARDS_PATH = "/federation/v1/cards"
NODE_DOCUMENT_PATH = "/.well-known/mentornet-node"


def now_s() -> int:
    return int(time.time())


def node_id(settings: Settings) -> str:
    return settings.base_url


def key_password(settings: Settings) -> bytes:
    """The node keys' encryption password, derived from (not equal to) the secret key."""
    return (
        hmac.new(settings.secret_key.encode(), b"mentornet/node-keys/v1", hashlib.sha256)
        .hexdigest()
        .encode()
    )


def node_keys(session: AsyncSession, settings: Settings) -> NodeKeys:
    return NodeKeys(session, key_password(settings))


async def signed_node_document(
    session: AsyncSession, settings: Settings, kid: str | None, now: int
) -> str:
    ring = await node_keys(session, settings).ring()
    orgs = [
        wire.HostedOrg(slug=org.slug, display_name=org.name)
        for org in await OrgRegistry(session).list()
    ]
    document = build_node_document(
        ring=ring,
        node_id=node_id(settings),
        name=settings.node_name,
        orgs=orgs,
        endpoints=wire.Endpoints(
            inbox=settings.base_url + INBOX_PATH, cards=settings.base_url + CARDS_PATH
        ),
        now=now,
    )
    return sign_node_document(document, document_signing_key(ring, now, kid))
