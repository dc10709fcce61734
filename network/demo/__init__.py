"""The demo behind ``make run``: seeded organisations, staff, rules, mentoring and two peered
nodes with a mail sink. Nothing in the product imports it except the CLI's demo command."""
