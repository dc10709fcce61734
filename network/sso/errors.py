"""Why a sign-in did not happen. Every ``detail`` is safe to show to the person signing in."""

from __future__ import annotations

from orgs.errors import Forbidden, Unauthenticated, Unavailable


class SignInFailed(Unauthenticated):
    """A check of the sign-in failed (state, issuer, token...). Nothing was provisioned."""

    code = "sign-in-failed"
    title = "Sign-in failed"


class IdpUnavailable(Unavailable):
    """The org's identity provider could not be reached or answered nonsense."""

    code = "idp-unavailable"
    title = "Identity provider unavailable"


class CsrfRefused(Forbidden):
    code = "csrf-refused"
    title = "Request refused"
