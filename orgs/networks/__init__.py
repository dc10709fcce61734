"""Networks (consortia) of organisations across nodes: the replicated record, its rules, and
what joining or leaving one does to an org here."""
