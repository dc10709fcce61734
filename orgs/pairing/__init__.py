"""Pairing: who may mentor whom (candidates), requests and cohort runs that start a
relationship, and the sharing policies between organisations. Imports ``orgs.mentoring`` and
every room below it."""
