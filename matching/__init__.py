"""MentorNet's matching engine: pure functions over plain values, no I/O.

Entry points:
    matching.ranking.CandidateIndex.build / matching.ranking.suggest   top-k suggestions
    matching.cohort.assign_cohort                                       cohort assignment
    matching.assignment.assign                                          the same over a score matrix
    matching.offline.run_offline                                        `mentornet cohort match`
    matching.constraints.check_pair / matching.scoring.score_pair       one pair

See docs/matching.md.
"""
