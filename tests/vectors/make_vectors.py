"""Writes the known-answer vectors of federation protocol v1 into this folder.

Run only to add a vector on purpose (``python tests/vectors/make_vectors.py``); the test suite
checks the committed files, so any change to the signed bytes shows up as a failing test.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from federation import wire
from federation.key_ring import key_from_seed
from federation.request_auth import query_sha256
from federation.signing import sign

HERE = Path(__file__).parent
SEED = bytes(range(32))  # a published test seed: never a real node's key
IAT = 1_800_000_000
NODE_A, NODE_B = "https://node-a.example", "https://node-b.example"
HANDLE = "vector-handle-for-tests-only".ljust(43, "0")
QUERY = "cursor=0"
SCHEME = "JWS compact (RFC 7515), alg Ed25519 (RFC 8037, RFC 9864), MentorNet protocol v1"

CASES: dict[str, tuple[str, wire.Signed]] = {
    "request-create": (
        "An inbox message asking for the mentor behind a card.",
        wire.RequestCreate(
            iss=NODE_A,
            aud=NODE_B,
            iat=IAT,
            exp=IAT + 300,
            jti="vector-jti-request-create",
            mid="vector-mid-request-create",
            request_id="vector-request-00001",
            card=HANDLE,
            mentee_org="brent",
            mentee_band=4,
            topics=(
                wire.TopicWant(topic="leadership-management", importance=5),
                wire.TopicWant(topic="confidence", importance=3),
            ),
            meeting_modes=("remote", "in_person"),
            languages=("en", "cy"),
            answer_by=IAT + 10 * 86_400,
            ask=wire.MenteeWords(words="I lead a new team and would value your advice."),
        ),
    ),
    "request-accept": (
        "Acceptance carrying the mentor's half of the introduction (non-ASCII name).",
        wire.RequestAccept(
            iss=NODE_B,
            aud=NODE_A,
            iat=IAT,
            exp=IAT + 300,
            jti="vector-jti-request-accept",
            mid="vector-mid-request-accept",
            request_id="vector-request-00001",
            mentor=wire.Introduction(
                name="Siân O'Brien",
                work_email="sian.obrien@nch.example",
                pen_picture="Twenty years in housing; happy to talk about “first management jobs”.",
            ),
        ),
    ),
    "network-change": (
        "A network's version 2: its founder (brent on node A) invites nch on node B.",
        wire.NetworkChange(
            iss=NODE_A,
            aud=NODE_B,
            iat=IAT,
            exp=IAT + 120,
            jti="vector-jti-network-change",
            mid="vector-mid-network-change",
            network_id="vector-network-00001",
            author_org="brent",
            change=wire.NetworkInvite(org="nch", node=NODE_B, display_name="Nottingham City Homes"),
            record=wire.NetworkRecord(
                network_id="vector-network-00001",
                version=2,
                prev="vector-hash-of-version-1".ljust(43, "0"),
                terms=wire.NetworkTerms(
                    name="MyMentor London and East Midlands",
                    purpose="Mentoring across our organisations",
                    agreement="Members share mentors and keep each other’s rules.",
                    review_on=date(2027, 9, 1),
                ),
                agreement_version=1,
                founder=f"brent@{NODE_A}",
                members=(
                    wire.NetworkMember(
                        org="brent",
                        node=NODE_A,
                        display_name="London Borough of Brent",
                        standing="member",
                        accepted_version=1,
                        contact=wire.NetworkContact(
                            name="Anna Kowalski", work_email="anna.kowalski@brent.example"
                        ),
                        offer=wire.NetworkOffer(
                            schemes=(wire.SchemeOffer(slug="mymentor", name="MyMentor"),),
                            mentors_available=12,
                        ),
                    ),
                    wire.NetworkMember(
                        org="nch",
                        node=NODE_B,
                        display_name="Nottingham City Homes",
                        standing="invited",
                        invited_by=f"brent@{NODE_A}",
                    ),
                ),
            ),
        ),
    ),
    "network-figures": (
        "One member organisation's figures for its network (nch on node B), suppressed at "
        "the sender: counts of fewer than five, and one that the total would give away, are "
        "null.",
        wire.NetworkFigures(
            iss=NODE_B,
            aud=NODE_A,
            iat=IAT,
            exp=IAT + 300,
            jti="vector-jti-network-figures",
            mid="vector-mid-network-figures",
            network_id="vector-network-00001",
            org="nch",
            as_of=IAT - 60,
            figures=wire.NetworkFigureValues(
                mentors=14,
                mentees=22,
                requests_made=31,
                requests_received=9,
                matches_inside=12,
                matches_given=None,
                matches_received=None,
                matches_total=17,
                relationships_active=11,
                relationships_completed=6,
                meetings_held=58,
                hours_released=71,
                outcome_promotion=None,
                outcome_new_role=0,
                outcome_became_mentor=5,
            ),
        ),
    ),
    "relationship-record": (
        "The shared record of a cross-organisation relationship, authority to replica, with "
        "the answer to one of the replica's changes.",
        wire.RelationshipRecord(
            iss=NODE_A,
            aud=NODE_B,
            iat=IAT,
            exp=IAT + 300,
            jti="vector-jti-relationship-record",
            mid="vector-mid-relationship-record",
            request_id="vector-request-00001",
            org="brent",
            version=7,
            state="active",
            agreement=wire.SharedAgreement(
                terms=wire.AgreementTerms(
                    frequency="monthly",
                    location="Brent Civic Centre",
                    length_minutes=60,
                    contact_by="mentee",
                    communication="Teams",
                ),
                codes_of_conduct=(
                    wire.CodeOfConduct(party="mentee", text="Brent's code of conduct."),
                    wire.CodeOfConduct(party="mentor", text="NCH's standards of behaviour."),
                ),
                principles=("Respectful", "Confidential"),
                confirmations=(
                    wire.Confirmation(party="mentee", at=IAT - 60, sha256="A" * 43),
                    wire.Confirmation(party="mentor", at=IAT - 30, sha256="A" * 43),
                ),
            ),
            meetings=(
                wire.SharedMeeting(
                    ref="0" * 31 + "1",
                    state="held",
                    starts_at=IAT - 86_400,
                    duration_minutes=45,
                    mode="remote",
                    summary="We talked about leading a new team.",
                ),
            ),
            objectives=(
                wire.SharedObjective(
                    ref="0" * 31 + "2",
                    title="Lead a team",
                    actions=(wire.SharedAction(text="Read", due_on="2027-01-31", done=True),),
                ),
            ),
            log_entries=(
                wire.SharedLogEntry(
                    ref="0" * 31 + "3", entry_date="2027-01-10", learning="Delegate.", at=IAT
                ),
            ),
            shadowing=(
                wire.SharedShadowing(
                    ref="0" * 31 + "4",
                    kind="one_off",
                    host_name="A director",
                    dates=("2027-02-01",),
                    state="proposed",
                ),
            ),
            extensions=(
                wire.SharedExtension(
                    ref="0" * 31 + "5",
                    until="2027-10-31",
                    reason="To see the interview through",
                    proposed_by="mentee",
                    proposed_at=IAT,
                    state="agreed",
                    decided_at=IAT + 3600,
                ),
            ),
            answers=(
                wire.ChangeAnswer(
                    change_id="vector-change-0000001",
                    outcome="stale",
                    reason="changed by the other party meanwhile",
                ),
            ),
        ),
    ),
    "relationship-change": (
        "One edit by the mentor on the replica, made against version 6 of the record.",
        wire.RelationshipChange(
            iss=NODE_B,
            aud=NODE_A,
            iat=IAT,
            exp=IAT + 300,
            jti="vector-jti-relationship-change",
            mid="vector-mid-relationship-change",
            request_id="vector-request-00001",
            org="nch",
            change_id="vector-change-0000001",
            base_version=6,
            op=wire.SaveObjective(
                objective=wire.SharedObjective(ref="0" * 31 + "2", title="Lead a bigger team")
            ),
        ),
    ),
    "relationship-change-reschedule": (
        "The mentor moves a scheduled meeting in place (meeting.reschedule), against version 7.",
        wire.RelationshipChange(
            iss=NODE_B,
            aud=NODE_A,
            iat=IAT,
            exp=IAT + 300,
            jti="vector-jti-relationship-reschedule",
            mid="vector-mid-relationship-reschedule",
            request_id="vector-request-00001",
            org="nch",
            change_id="vector-change-0000002",
            base_version=7,
            op=wire.RescheduleMeeting(
                ref="0" * 31 + "3",
                starts_at=IAT + 7 * 86_400,
                duration_minutes=45,
                mode="remote",
                location="Teams",
            ),
        ),
    ),
    "relationship-change-extension": (
        "The mentor agrees to the mentee's proposal to carry on (extension.agree), against v8.",
        wire.RelationshipChange(
            iss=NODE_B,
            aud=NODE_A,
            iat=IAT,
            exp=IAT + 300,
            jti="vector-jti-relationship-extension",
            mid="vector-mid-relationship-extension",
            request_id="vector-request-00001",
            org="nch",
            change_id="vector-change-0000003",
            base_version=8,
            op=wire.AgreeExtension(ref="0" * 31 + "5"),
        ),
    ),
    "feed-page": (
        "A page of the card feed answering a signed GET request.",
        wire.FeedPage(
            iss=NODE_B,
            aud=NODE_A,
            iat=IAT,
            exp=IAT + 6 * 3600,
            jti="vector-jti-feed-page-01",
            request_jti="vector-jti-http-request",
            cards=(
                wire.Card(
                    handle=HANDLE,
                    org="nch",
                    topics=(wire.TopicOffer(topic="housing", level=3),),
                    band=wire.BandRange(low=4, high=6),
                    region="east-midlands",
                    sector="housing",
                    meeting_modes=("in_person", "remote"),
                    free_slots="2-3",
                    languages=("en",),
                ),
            ),
            tombstones=(wire.Tombstone(handle=HANDLE.replace("0", "1")),),
            cursor="1800000000.17",
            has_more=False,
        ),
    ),
    "http-request": (
        "The token of `Authorization: MentorNet <token>` for GET /federation/v1/cards?cursor=0.",
        wire.RequestToken(
            iss=NODE_A,
            aud=NODE_B,
            iat=IAT,
            exp=IAT + 60,
            jti="vector-jti-http-request",
            method="GET",
            path="/federation/v1/cards",
            query_sha256=query_sha256(QUERY),
        ),
    ),
    "event-publish": (
        "A shared event: brent on node A offers its network a half-day mentor skills workshop.",
        wire.EventPublish(
            iss=NODE_A,
            aud=NODE_B,
            iat=IAT,
            exp=IAT + 120,
            jti="vector-jti-event-publish",
            mid="vector-mid-event-publish",
            event=wire.SharedEvent(
                event_id="vector-event-0000001",
                network_id="vector-network-00001",
                organiser_org="brent",
                version=1,
                kind="workshop",
                title="Mentor skills – a half-day workshop",
                details="Listening, questioning, goals; bring a real conversation to practise.",
                starts_at=IAT + 14 * 86_400,
                ends_at=IAT + 14 * 86_400 + 4 * 3600,
                place="Brent Civic Centre, Wembley",
                link="https://meet.brent.example/mentor-skills",
                capacity=20,
                audience="mentors",
            ),
        ),
    ),
    "event-register": (
        "A person of nch on node B registers, with consent: only name, org and work email.",
        wire.EventRegister(
            iss=NODE_B,
            aud=NODE_A,
            iat=IAT,
            exp=IAT + 120,
            jti="vector-jti-event-register",
            mid="vector-mid-event-register",
            event_id="vector-event-0000001",
            registration_id="vector-registration-01",
            attendee=wire.EventAttendee(
                name="Siân O'Brien", org="nch", work_email="sian.obrien@nch.example", role="mentor"
            ),
        ),
    ),
    "event-unregister": (
        "The person gives up their place (erase: false; true when they were erased).",
        wire.EventUnregister(
            iss=NODE_B,
            aud=NODE_A,
            iat=IAT,
            exp=IAT + 120,
            jti="vector-jti-event-unregister",
            mid="vector-mid-event-unregister",
            event_id="vector-event-0000001",
            registration_id="vector-registration-01",
        ),
    ),
    "event-place": (
        "The organiser's node: the person had a place and attended.",
        wire.EventPlace(
            iss=NODE_A,
            aud=NODE_B,
            iat=IAT,
            exp=IAT + 120,
            jti="vector-jti-event-place",
            mid="vector-mid-event-place",
            event_id="vector-event-0000001",
            registration_id="vector-registration-01",
            state="confirmed",
            attended=True,
        ),
    ),
    "node-document": (
        "A node document, as served at /.well-known/mentornet-node.",
        wire.NodeDocument(
            iss=NODE_B,
            iat=IAT,
            exp=IAT + 7 * 86_400,
            jti="vector-jti-node-document",
            name="Nottingham node",
            orgs=(wire.HostedOrg(slug="nch", display_name="Nottingham City Homes"),),
            keys=(
                wire.PublishedKey(
                    kid=key_from_seed(SEED, 0).kid,
                    public_key=key_from_seed(SEED, 0).public.to_b64url(),
                ),
            ),
            endpoints=wire.Endpoints(
                inbox=f"{NODE_B}/federation/v1/inbox", cards=f"{NODE_B}/federation/v1/cards"
            ),
        ),
    ),
}


def main() -> None:
    key = key_from_seed(SEED, 0)
    for name, (description, payload) in CASES.items():
        token = sign(payload, key)
        header, body, signature = token.split(".")
        vector = {
            "description": description,
            "scheme": SCHEME,
            "seed_hex": SEED.hex(),
            "public_key": key.public.to_b64url(),
            "kid": key.kid,
            "fingerprint": key.public.fingerprint,
            "payload": wire.encode(payload).decode("utf-8"),
            "signing_input": f"{header}.{body}",
            "signature": signature,
            "token": token,
        }
        if isinstance(payload, wire.RequestToken):
            vector["query"] = QUERY
        text = json.dumps(vector, indent=2, ensure_ascii=False) + "\n"
        (HERE / f"{name}.json").write_text(text, encoding="utf-8")
    print(f"wrote {len(CASES)} vectors signed by kid {key.kid}")


if __name__ == "__main__":
    main()
