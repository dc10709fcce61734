"""Mentoring: the relationship and everything after a match (agreement, meetings, objectives,
learning log, shadowing, ending, evaluations, concerns, oversight). Imports ``orgs.schemes``,
``orgs.people`` and the core."""
