"""Records: staff import, a member's record and the HR export, and the mentoring jobs that run
across every room. The top room of ``orgs``: nothing in ``orgs`` imports it."""
