"""Organisations: everything one organisation knows about its own people and mentoring.

The rooms, each importing only the rooms below it (an import-linter contract keeps the order):

- ``records``: staff import, exports and the mentoring jobs (reads every room below);
- ``pairing``: candidates, requests and cohort runs that make a relationship, sharing policies;
- ``mentoring``: the relationship and everything after a match;
- ``schemes``: schemes, eligibility rules and checks, trainings, applications and approval;
- ``people``: members, identity, chains, roles, profiles, special-category data, notifications.

The shared core at this level (``db``, ``errors``, ``repository``, ``audit``, ``registry``,
``models``, ``org_settings``, ``tokens``, ``structs``) imports none of the rooms. Each room keeps
the input structs of its use cases beside them. Nothing here imports Litestar or click:
adapters live in ``network``.
"""
