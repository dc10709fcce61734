"""People: members and their identity, management chains, roles and who is acting, profiles,
special-category data, notifications and erasure. Imports only the core of ``orgs``."""
