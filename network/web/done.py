"""What a page says after an action succeeded (POST/redirect/GET): the redirect carries
``?done=<key>`` and the page shows that key's confirmation panel. Only keys listed here are
shown, so a link cannot put words on a page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Done:
    title: str
    body: str


DONE: dict[str, Done] = {
    "asked": Done(
        "Request sent",
        "Your first choice has your request. You will get a notification when they answer; "
        "if they decline, your next choice is asked.",
    ),
    "withdrawn": Done("Request withdrawn", "The mentor is no longer asked. You can ask again."),
    "accepted": Done(
        "You accepted the request",
        "Agree how you will work at your first meeting, then both confirm the agreement.",
    ),
    "declined": Done("Request declined", "The mentee has been told, and can ask someone else."),
    "decided": Done("Decision sent", "The person who applied has been told."),
    "shadowing-decided": Done("Decision sent", "The mentee and mentor have been told."),
    "mentee-profile": Done("Mentee profile saved", "Your suggestions now use what you told us."),
    "mentor-profile": Done("Mentor profile saved", "Mentees see your new details."),
    "ended": Done("The mentoring has ended", "Both of you have been told."),
    "published": Done(
        "Pairs published", "Each mentee's request has gone to their mentor, who will answer it."
    ),
    "moved": Done("Pair changed", "Nothing is sent until you publish the pairs."),
    "exception-asked": Done(
        "Exception asked for", "The HR director will decide, and you will be told why."
    ),
    "exception-decided": Done("Decision sent", "The applicant has been told, with your reason."),
    "concern-raised": Done(
        "Concern sent to the scheme coordinator",
        "Only the coordinator sees it. You can see below what they have done about it.",
    ),
    "concern-updated": Done("Concern updated", "The person who raised it can see its status."),
    "promoted": Done("Place offered", "They are off the waiting list and on the shortlist."),
    "scheme-created": Done(
        "Scheme created",
        "Add its training sessions here and its eligibility rules, then members can apply.",
    ),
    "scheme-saved": Done("Scheme details saved", "Members see the new details now."),
    "training-added": Done("Training session added", "Rules that need it admit those who attend."),
    "questionnaire-saved": Done(
        "Questionnaire saved", "It goes to the people it is for when their evaluation falls due."
    ),
    "email-wording-saved": Done("Email wording saved", "The scheme's emails use it from now on."),
    "email-wording-restored": Done(
        "Built-in wording restored", "The scheme's emails use the built-in wording again."
    ),
    "saved": Done("Saved", "Your changes are in force."),
    "event-published": Done(
        "Event published", "Every organisation in the network sees it and can register."
    ),
    "registered": Done(
        "Registration sent",
        "The organiser's answer shows here: a place, or a place on the waiting list.",
    ),
    "place-given-up": Done("Place given up", "The next person on the waiting list moves up."),
    "attendance-recorded": Done(
        "Attendance recorded", "It counts toward the person's training in their organisation."
    ),
    "event-cancelled": Done("Event cancelled", "Everyone registered sees it is cancelled."),
}


def done_of(key: str | None) -> Done | None:
    return DONE.get(key or "")
