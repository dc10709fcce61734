"""Schemes: schemes and their trainings, the eligibility rules language and its checks, and
applications with their approval. Imports ``orgs.people`` and the core."""
