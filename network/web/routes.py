"""Everything the app factory needs from the web pages."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from network.web.admin_pages import AdminPages
from network.web.apply_pages import ApplyPages
from network.web.concern_pages import ConcernInbox
from network.web.coordinator_pages import CoordinatorPages
from network.web.directory_pages import DirectoryPages
from network.web.email_wording_pages import EmailWordingPages
from network.web.equality_pages import EqualityPages
from network.web.event_pages import EventPages
from network.web.exception_pages import ExceptionPages
from network.web.export_pages import ExportPages
from network.web.follow_up_pages import FollowUpPages
from network.web.home_pages import HomePages, node_home, theme_css
from network.web.match_pages import MatchPages
from network.web.network_pages import NetworkPages
from network.web.network_report_pages import NetworkReportPages
from network.web.pages import provide_viewer
from network.web.profile_pages import ProfilePages
from network.web.questionnaire_pages import QuestionnairePages
from network.web.relationship_pages import RelationshipPages
from network.web.review_pages import CheckinPages, ReviewPages
from network.web.rules_pages import RulesPages
from network.web.schedule_pages import SchedulePages
from network.web.scheme_setup_pages import SchemeSetupPages
from network.web.security import security_headers
from network.web.templating import static_router, template_config

PAGES: list[ControllerRouterHandler] = [
    HomePages,
    ApplyPages,
    ExceptionPages,
    ProfilePages,
    MatchPages,
    DirectoryPages,
    RelationshipPages,
    CoordinatorPages,
    SchemeSetupPages,
    QuestionnairePages,
    EmailWordingPages,
    ExportPages,
    EqualityPages,
    ConcernInbox,
    FollowUpPages,
    CheckinPages,
    ReviewPages,
    SchedulePages,
    AdminPages,
    RulesPages,
    NetworkPages,
    NetworkReportPages,
    EventPages,
]


def web_routes() -> list[ControllerRouterHandler]:
    return [
        node_home,
        theme_css,
        Router(
            path="/",
            route_handlers=PAGES,
            dependencies={"viewer": Provide(provide_viewer)},
            after_request=security_headers,
            include_in_schema=False,
        ),
        static_router(),
    ]


__all__ = ["template_config", "web_routes"]
