"""Sign-in through each org's own OpenID Connect identity provider (the relying party)."""
