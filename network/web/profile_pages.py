"""A member's mentee profile (topics with importance on the MyMentor 1–5 scale) and mentor
profile (topics with level, capacity, pause, modes, pen picture, other organisations)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post

from matching.taxonomy import TOPICS, TopicKind
from network.http.dependencies import Db
from network.http.path_params import Slug
from network.http.people_out import MenteeProfileOut, MentorProfileOut
from network.web.pages import (
    Errors,
    Form,
    PageContext_,
    decode,
    domain_errors,
    one,
    read_date,
    read_form,
    render,
    see_other,
    values_of,
)
from network.web.uk_time import example_date, london_today
from orgs.errors import DomainError
from orgs.people.profiles import MenteeProfileIn, MentorProfileIn, ProfileService
from orgs.structs import out

#: The MyMentor rating scale: how important a topic is to the mentee.
IMPORTANCE = (
    ("0", "Not wanted", ""),
    ("1", "1 – a little", ""),
    ("2", "2", ""),
    ("3", "3 – quite important", ""),
    ("4", "4", ""),
    ("5", "5 – essential", ""),
)
LEVELS = (
    ("0", "Not offered", ""),
    ("1", "1 – some experience", ""),
    ("2", "2 – good experience", ""),
    ("3", "3 – expert", ""),
)
MENTEE_LABELS = {
    "topics": "Topics",
    "meeting_mode": "How you would like to meet",
    "region": "Region",
    "goals": "Your goals",
    "career_to_date": "Your career to date",
}
MENTOR_LABELS = {
    "topics": "Topics",
    "capacity": "How many mentees at once",
    "paused_until": "Paused until",
    "meeting_modes": "How you can meet",
    "region": "Region",
    "sector": "Sector",
    "seniority_band": "Seniority band",
    "pen_picture": "Pen picture",
}


def topic_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (title, [(t.id, t.label) for t in TOPICS.values() if t.kind is kind])
        for title, kind in (("Skills", TopicKind.SKILL), ("Fields of work", TopicKind.FIELD))
    ]


def _topics(form: Form, errors: Errors, top: int) -> dict[str, int]:
    chosen: dict[str, int] = {}
    for topic in TOPICS:
        text = one(form, f"topic-{topic}", "0")
        if not text.isdigit() or not 0 <= int(text) <= top:
            errors.add(f"topic-{topic}", f"{TOPICS[topic].label}: choose 0 to {top}")
        elif int(text):
            chosen[topic] = int(text)
    if not chosen and not errors:
        errors.add("topics", "Choose at least one topic")
    return chosen


def _topic_values(topics: dict[str, int]) -> dict[str, str]:
    return {f"topic-{k}": str(v) for k, v in topics.items()}


class ProfilePages(Controller):
    path = "/orgs/{slug:str}/profile"
    include_in_schema = False

    @get("/", name="web:profiles")
    async def overview(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        service = ProfileService(db, viewer.member)
        mentee, mentor = await service.mentee(), await service.mentor()
        return render(
            "profiles.html",
            viewer,
            nav="profile",
            title="Your profiles",
            mentee=out(MenteeProfileOut, mentee) if mentee else None,
            mentor=out(MentorProfileOut, mentor) if mentor else None,
            topic_labels={t.id: t.label for t in TOPICS.values()},
        )

    # --- mentee -----------------------------------------------------------------------------

    def _mentee_page(
        self,
        viewer: PageContext_,
        values: dict[str, Any],
        errors: Errors | None = None,
        *,
        picks: list[str] | None = None,
    ) -> Response[Any]:
        """Step 1 (``picks`` None): choose topics by group, with checkboxes; step 2: how
        important each chosen topic is, and the rest of the profile."""
        chosen = picks or []
        return render(
            "mentee_profile.html",
            viewer,
            nav="profile",
            title="Your mentee profile",
            picking=picks is None,
            groups=topic_groups(),
            rated=[(g, [t for t in ts if t[0] in chosen]) for g, ts in topic_groups()],
            picks=chosen,
            importance=IMPORTANCE[1:],
            values=values,
            errors=errors,
        )

    @get("/mentee", name="web:mentee-profile")
    async def mentee(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        """No JavaScript: step 1 is a GET form whose ``pick`` values open step 2."""
        row = await ProfileService(db, viewer.member).mentee()
        values: dict[str, Any] = {"meeting_mode": "either", "open_to_other_orgs": "yes"}
        if row is not None:
            shown = out(MenteeProfileOut, row)
            values = {
                **_topic_values(shown.topics),
                "meeting_mode": shown.meeting_mode.value,
                "region": shown.region,
                "open_to_other_orgs": "yes" if shown.open_to_other_orgs else "no",
                "goals": shown.goals,
                "career_to_date": shown.career_to_date,
            }
        query = request.query_params
        picks = [p for p in query.getall("pick", []) if p in TOPICS]
        current = [t for t in TOPICS if values.get(f"topic-{t}", "0") != "0"]
        sent_empty = query.get("step") == "rate" and not picks
        if "choose" in query or sent_empty or (not picks and not current):
            errors = Errors()
            if sent_empty:  # step 1 sent with nothing ticked
                errors.add("pick", "Choose at least one topic")
            return self._mentee_page(viewer, {**values, "pick": picks or current}, errors)
        return self._mentee_page(viewer, values, picks=picks or current)

    @post("/mentee", name="web:mentee-profile-save")
    async def save_mentee(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        picks = [p for p in form.get("pick", []) if p in TOPICS]
        for topic in picks:
            if not one(form, f"topic-{topic}"):
                errors.add(f"topic-{topic}", f"{TOPICS[topic].label}: choose how important it is")
        topics = _topics(form, errors, 5)
        data = None
        if not errors:
            data = decode(
                MenteeProfileIn,
                {
                    "topics": topics,
                    "meeting_mode": one(form, "meeting_mode", "either"),
                    "region": one(form, "region"),
                    "open_to_other_orgs": one(form, "open_to_other_orgs", "yes") == "yes",
                    "goals": one(form, "goals"),
                    "career_to_date": one(form, "career_to_date"),
                },
                errors,
                MENTEE_LABELS,
            )
        if data is not None:
            try:
                async with db.begin_nested():
                    fields = msgspec.structs.asdict(data)
                    low, high = fields.pop("wanted_bands") or (None, None)
                    await ProfileService(db, viewer.member).save_mentee(
                        **fields, wanted_band_low=low, wanted_band_high=high
                    )
            except DomainError as exc:
                domain_errors(exc, errors, MENTEE_LABELS)
            else:
                return see_other(f"{viewer.base}/profile?done=mentee-profile")
        return self._mentee_page(viewer, values_of(form), errors, picks=picks)

    # --- mentor -----------------------------------------------------------------------------

    def _mentor_page(
        self, viewer: PageContext_, values: dict[str, Any], errors: Errors | None = None
    ) -> Response[Any]:
        return render(
            "mentor_profile.html",
            viewer,
            nav="profile",
            title="Your mentor profile",
            groups=topic_groups(),
            levels=LEVELS,
            values=values,
            errors=errors,
            date_hint=example_date(london_today(), 60),
        )

    @get("/mentor", name="web:mentor-profile")
    async def mentor(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        row = await ProfileService(db, viewer.member).mentor()
        values: dict[str, Any] = {
            "capacity": "1",
            "meeting_modes": ["in_person", "remote"],
            "seniority_band": "5",
            "open_to_other_orgs": "no",
        }
        if row is not None:
            shown = out(MentorProfileOut, row)
            values = {
                **_topic_values(shown.topics),
                "capacity": str(shown.capacity),
                "paused_until": shown.paused_until.isoformat() if shown.paused_until else "",
                "meeting_modes": list(shown.meeting_modes),
                "region": shown.region,
                "sector": shown.sector,
                "seniority_band": str(shown.seniority_band),
                "open_to_other_orgs": "yes" if shown.open_to_other_orgs else "no",
                "pen_picture": shown.pen_picture,
            }
        return self._mentor_page(viewer, values)

    @post("/mentor", name="web:mentor-profile-save")
    async def save_mentor(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        topics = _topics(form, errors, 3)
        paused = read_date(
            form, "paused_until", "The date you are paused until", errors, required=False
        )
        if not form.get("meeting_modes"):
            errors.add("meeting_modes", "Choose at least one way you can meet")
        for name in ("capacity", "seniority_band"):
            if not one(form, name).isdigit():
                errors.add(name, f"{MENTOR_LABELS[name]}: enter a whole number")
        data = None
        if not errors:
            data = decode(
                MentorProfileIn,
                {
                    "topics": topics,
                    "capacity": int(one(form, "capacity")),
                    "paused_until": paused.isoformat() if paused else None,
                    "meeting_modes": form.get("meeting_modes", []),
                    "region": one(form, "region"),
                    "sector": one(form, "sector"),
                    "seniority_band": int(one(form, "seniority_band")),
                    "open_to_other_orgs": one(form, "open_to_other_orgs") == "yes",
                    "pen_picture": one(form, "pen_picture"),
                },
                errors,
                MENTOR_LABELS,
            )
        if data is not None:
            try:
                async with db.begin_nested():
                    await ProfileService(db, viewer.member).save_mentor(
                        **msgspec.structs.asdict(data)
                    )
            except DomainError as exc:
                domain_errors(exc, errors, MENTOR_LABELS)
            else:
                return see_other(f"{viewer.base}/profile?done=mentor-profile")
        return self._mentor_page(viewer, values_of(form), errors)
