"""Signed GET requests (the feed is for authenticated peers only) and signed feed pages."""

from __future__ import annotations

import msgspec
import pytest

from federation import errors, wire
from federation.replay import InMemoryReplayCache
from federation.request_auth import SignedRequest, sign_request, verify_request
from federation.signing import MAX_FEED_LIFETIME, sign, verify_feed_page

from .builders import (
    NODE_A,
    NODE_B,
    NODE_C,
    NOW,
    SEED_A,
    SEED_C,
    SEED_STRANGER,
    key,
    pinned,
    signed_withdraw,
)
from .builders import trust_store as b_trusts

CARDS = "/federation/v1/cards"


def a_asks_b(query: str = "cursor=abc", signer_seed: bytes = SEED_A) -> SignedRequest:
    return sign_request(
        key=key(signer_seed), iss=NODE_A, aud=NODE_B, path=CARDS, query=query, now=NOW
    )


async def b_checks(
    authorization: str | None,
    *,
    method: str = "GET",
    path: str = CARDS,
    query: str = "cursor=abc",
    now: int = NOW,
    replay: InMemoryReplayCache | None = None,
) -> wire.RequestToken:
    return await verify_request(
        authorization,
        trust=b_trusts(),
        me=NODE_B,
        method=method,
        path=path,
        query=query,
        now=now,
        replay=replay or InMemoryReplayCache(),
    )


async def test_a_pinned_peer_gets_through_and_is_identified() -> None:
    request = a_asks_b()
    token = await b_checks(request.authorization)
    assert token.iss == NODE_A
    assert token.jti == request.jti


@pytest.mark.parametrize("authorization", [None, "", "Bearer abc", "MentorNet", "MentorNet "])
async def test_no_mentornet_credential_is_unauthenticated(authorization: str | None) -> None:
    with pytest.raises(errors.Unauthenticated):
        await b_checks(authorization)


async def test_a_stranger_is_refused() -> None:
    with pytest.raises(errors.UnknownKey):
        await b_checks(a_asks_b(signer_seed=SEED_STRANGER).authorization)


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("POST", CARDS, "cursor=abc"),
        ("GET", "/federation/v1/inbox", "cursor=abc"),
        ("GET", CARDS, "cursor=abd"),
        ("GET", CARDS, ""),
    ],
)
async def test_a_token_works_only_for_the_request_it_was_made_for(
    method: str, path: str, query: str
) -> None:
    with pytest.raises(errors.RequestMismatch):
        await b_checks(a_asks_b().authorization, method=method, path=path, query=query)


async def test_a_request_token_cannot_be_replayed() -> None:
    cache, request = InMemoryReplayCache(), a_asks_b()
    await b_checks(request.authorization, replay=cache)
    with pytest.raises(errors.Replayed):
        await b_checks(request.authorization, replay=cache)


async def test_an_expired_request_token_is_refused() -> None:
    with pytest.raises(errors.Expired):
        await b_checks(a_asks_b().authorization, now=NOW + 61)


async def test_an_inbox_message_is_not_a_request_token() -> None:
    with pytest.raises(errors.MalformedMessage):
        await b_checks(f"MentorNet {signed_withdraw()}")


# --- feed pages: A is now the consumer of B's feed -----------------------------------------

HANDLE = "x" * 43


def page(**changes: object) -> wire.FeedPage:
    made = wire.FeedPage(
        iss=NODE_C,
        aud=NODE_A,
        iat=NOW,
        exp=NOW + 6 * 3600,
        jti="page-jti-0000000001",
        request_jti="request-jti-0000001",
        cards=(),
        tombstones=(wire.Tombstone(handle=HANDLE),),
        cursor="42",
    )
    return msgspec.structs.replace(made, **changes)


def a_reads(
    token: str, *, now: int = NOW, request_jti: str = "request-jti-0000001"
) -> wire.FeedPage:
    return verify_feed_page(
        token, producer=pinned(NODE_C, key(SEED_C)), me=NODE_A, request_jti=request_jti, now=now
    )


def test_a_feed_page_from_the_peer_asked_is_accepted_until_it_expires() -> None:
    token = sign(page(), key(SEED_C))
    assert a_reads(token).expires_at == NOW + 6 * 3600
    assert a_reads(token, now=NOW + 6 * 3600 - 1).tombstones[0].handle == HANDLE
    with pytest.raises(errors.Expired):
        a_reads(token, now=NOW + 6 * 3600)


def test_a_page_signed_by_another_pinned_peer_is_refused() -> None:
    # A pins C and B; a page signed by a key not of the peer asked is not that peer's page.
    with pytest.raises(errors.UnknownKey):
        a_reads(sign(page(), key(SEED_A)))


def test_a_page_for_another_consumer_is_refused() -> None:
    with pytest.raises(errors.WrongAudience):
        a_reads(sign(page(aud=NODE_B), key(SEED_C)))


def test_an_old_page_cannot_answer_a_new_request() -> None:
    with pytest.raises(errors.RequestMismatch):
        a_reads(sign(page(), key(SEED_C)), request_jti="request-jti-0000002")


def test_a_page_may_not_live_longer_than_a_day() -> None:
    with pytest.raises(errors.LifetimeTooLong):
        a_reads(sign(page(exp=NOW + MAX_FEED_LIFETIME + 1), key(SEED_C)))
