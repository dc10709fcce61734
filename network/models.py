"""Every ORM model of the node, imported in one place for Alembic's autogenerate."""

from __future__ import annotations

from federation import feed as feed_models
from federation import feed_stamps as feed_stamp_models
from federation import inbox as inbox_models
from federation import key_store as node_key_models
from federation import outbox as outbox_models
from federation import peer_registry as peer_models
from federation import remote_cards as remote_card_models
from federation import seen_requests as seen_request_models
from orgs import audit as audit_models
from orgs import models as org_models
from orgs.db import Base
from orgs.mentoring import extensions as extension_models
from orgs.mentoring import follow_ups as follow_up_models
from orgs.mentoring import review_points as review_point_models
from orgs.mentoring import shared_record as shared_record_models
from orgs.networks import event_models as network_event_models
from orgs.networks import replica as network_models
from orgs.pairing import cohort_runs as cohort_run_models
from orgs.pairing import stamps as stamp_models
from orgs.people import members as member_models
from orgs.people import profiles as profile_models
from orgs.people import roles as role_models
from orgs.people import special_category as special_category_models
from orgs.people import sso_config as sso_models
from orgs.records import network_reports as network_report_models
from orgs.records import records_export as relationship_models  # imports every mentoring table
from orgs.records import report_schedules as report_models  # equality, interest, check-ins too
from orgs.records import staff_import_jobs as staff_import_models
from orgs.schemes import applications as application_models
from orgs.schemes import email_wording as email_wording_models
from orgs.schemes import rules_store as rules_models
from orgs.schemes import schemes as scheme_models

metadata = Base.metadata

__all__ = [
    "application_models",
    "audit_models",
    "cohort_run_models",
    "email_wording_models",
    "extension_models",
    "feed_models",
    "feed_stamp_models",
    "follow_up_models",
    "inbox_models",
    "member_models",
    "metadata",
    "network_event_models",
    "network_models",
    "network_report_models",
    "node_key_models",
    "org_models",
    "outbox_models",
    "peer_models",
    "profile_models",
    "relationship_models",
    "remote_card_models",
    "report_models",
    "review_point_models",
    "role_models",
    "rules_models",
    "scheme_models",
    "seen_request_models",
    "shared_record_models",
    "special_category_models",
    "sso_models",
    "staff_import_models",
    "stamp_models",
]
