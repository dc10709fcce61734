"""`python -m benchmarks.network_record`: what checking one network change costs a receiver.

A receiver re-applies each change to its copy and compares hashes (``orgs.networks.record``);
this times that for networks of 18 (MyMentor at its height) and 200 members (the wire limit),
and the size of the ``network.change`` it arrives in.
"""

from __future__ import annotations

import time
from datetime import date

import msgspec

from orgs.networks.record import (
    Accept,
    Contact,
    Found,
    Invite,
    NetworkRecord,
    SetContact,
    Terms,
    apply_change,
    record_hash,
)

TERMS = Terms(name="Net", purpose="p" * 500, agreement="a" * 5000, review_on=date(2027, 1, 1))


def network(members: int) -> NetworkRecord:
    contact = Contact(name="Contact Person", work_email="contact@org.example")
    record = apply_change(
        None,
        Found(network_id="n" * 24, terms=TERMS, display_name="Org 0", contact=contact),
        "org-0@https://node-0.example",
    )
    for k in range(1, members):
        ref = f"org-{k}@https://node-{k}.example"
        invite = Invite(org=f"org-{k}", node=f"https://node-{k}.example", display_name=f"Org {k}")
        record = apply_change(record, invite, "org-0@https://node-0.example")
        record = apply_change(record, Accept(agreement_version=1, contact=contact), ref)
    return record


def main() -> None:
    for members in (18, 200):
        record = network(members)
        change = SetContact(contact=Contact(name="New Person", work_email="new@org.example"))
        sent = apply_change(record, change, "org-1@https://node-1.example")
        rounds = 200
        start = time.perf_counter()
        for _ in range(rounds):
            expected = apply_change(record, change, "org-1@https://node-1.example")
            assert record_hash(expected) == record_hash(sent)
        per_check = (time.perf_counter() - start) / rounds * 1000
        size = len(msgspec.json.encode(sent))
        print(f"{members:4d} members: check one change {per_check:.2f} ms, record {size:,} bytes")


if __name__ == "__main__":
    main()
