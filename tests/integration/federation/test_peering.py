"""Peering between two real nodes over loopback HTTP: pinning by fingerprint, rotation."""

from __future__ import annotations

import time

import httpx
import pytest

from federation.errors import UnknownKey
from federation.key_ring import kid_from_fingerprint
from federation.node_documents import pin_new_peer
from federation.signing import open_signed
from federation.trust import TrustStore
from network.config import Settings
from tests.conftest import Cli
from tests.live import live_node


def fingerprint_of(cli: Cli) -> str:
    listed = cli("keys", "list")
    assert listed.exit_code == 0, listed.output
    return listed.stdout.split()[1]


def test_peer_add_pins_the_fingerprinted_key_and_learns_the_orgs(
    mentornet: Cli, peer_cli: Cli, peer_settings: Settings
) -> None:
    assert peer_cli("keys", "init").exit_code == 0
    peer_cli("org", "create", "--slug", "nch", "--name", "Nottingham City Homes")
    fingerprint = fingerprint_of(peer_cli)
    with live_node(peer_settings) as node:
        added = mentornet("peer", "add", node.url, "--fingerprint", fingerprint)
        assert added.exit_code == 0, added.output
        assert "orgs: nch" in added.stdout
        listed = mentornet("peer", "list").stdout
    assert node.url in listed
    assert kid_from_fingerprint(fingerprint) in listed


def test_a_wrong_fingerprint_pins_nothing(
    mentornet: Cli, peer_cli: Cli, peer_settings: Settings
) -> None:
    peer_cli("keys", "init")
    wrong = "SHA256:" + "A" * 43  # well formed, but not the key the node serves
    with live_node(peer_settings) as node:
        result = mentornet("peer", "add", node.url, "--fingerprint", wrong)
    assert result.exit_code == 1
    assert result.stderr.startswith("error:")
    assert "Traceback" not in result.output
    assert mentornet("peer", "list").stdout == ""


def test_an_unreachable_peer_is_a_clear_error(mentornet: Cli) -> None:
    result = mentornet("peer", "add", "http://127.0.0.1:1", "--fingerprint", "SHA256:" + "A" * 43)
    assert result.exit_code == 1
    assert "cannot fetch" in result.stderr


def test_rotation_is_followed_through_a_document_signed_by_the_old_key(
    mentornet: Cli, peer_cli: Cli, peer_settings: Settings
) -> None:
    peer_cli("keys", "init")
    old = fingerprint_of(peer_cli)
    with live_node(peer_settings) as node:
        assert mentornet("peer", "add", node.url, "--fingerprint", old).exit_code == 0
        rotated = peer_cli("keys", "rotate", "--overlap-days", "1")
        assert rotated.exit_code == 0
        refreshed = mentornet("peer", "refresh", node.url)
        assert refreshed.exit_code == 0, refreshed.output
    new_kid = rotated.stdout.split()[3]
    assert new_kid in refreshed.stdout
    old_kid = mentornet("peer", "list").stdout.split("keys: ")[1]
    assert "," in old_kid  # both keys pinned during the overlap


def test_the_node_document_is_signed_and_names_the_node(
    peer_cli: Cli, peer_settings: Settings
) -> None:
    peer_cli("keys", "init")
    peer_cli("org", "create", "--slug", "nch", "--name", "Nottingham City Homes")
    fingerprint = fingerprint_of(peer_cli)
    with live_node(peer_settings) as node:
        response = httpx.get(f"{node.url}/.well-known/mentornet-node", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jose")
    with pytest.raises(UnknownKey):
        open_signed(response.text, TrustStore([]), int(time.time()))
    accepted = pin_new_peer(
        response.text, url=node.url, fingerprint=fingerprint, now=int(time.time())
    )
    assert accepted.document.iss == node.url
    assert [(o.slug, o.display_name) for o in accepted.document.orgs] == [
        ("nch", "Nottingham City Homes")
    ]
    assert accepted.document.endpoints.inbox == node.url + "/federation/v1/inbox"


def test_a_node_without_keys_answers_404_problem(peer_settings: Settings) -> None:
    with live_node(peer_settings) as node:
        response = httpx.get(f"{node.url}/.well-known/mentornet-node", timeout=5)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
