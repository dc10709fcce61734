"""Domain errors of ``federation``.

Each has a stable short ``code`` for the problem+json ``type`` and the logs, and a ``status``
hint for ``network/`` (401 for every refusal of a peer's credentials, so a caller learns no
more than "not accepted"). ``detail`` is safe to show: it never quotes more than an id.
"""

from __future__ import annotations

from typing import ClassVar


class FederationError(Exception):
    code: ClassVar[str] = "federation-error"
    title: ClassVar[str] = "Federation error"
    status: ClassVar[int] = 400
    #: Seconds after which trying again makes sense (sent as ``Retry-After``), if known.
    retry_after_s: ClassVar[int | None] = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class MalformedMessage(FederationError):
    """Not a well-formed token, or its payload does not match the wire schema."""

    code = "malformed-message"
    title = "Malformed federation message"


class UnsupportedVersion(FederationError):
    code = "unsupported-version"
    title = "Unsupported protocol version"


class UnsupportedAlgorithm(FederationError):
    code = "unsupported-algorithm"
    title = "Unsupported signature algorithm"
    status = 401


class Unauthenticated(FederationError):
    """No credentials at all (e.g. a feed request without a MentorNet Authorization header)."""

    code = "unauthenticated"
    title = "Authentication required"
    status = 401


class UnknownKey(FederationError):
    """The ``kid`` is not pinned (for the expected peer). Keys are never fetched on demand."""

    code = "unknown-key"
    title = "Unknown signing key"
    status = 401


class KeyRetired(FederationError):
    code = "key-retired"
    title = "Signing key past its not_after"
    status = 401


class BadSignature(FederationError):
    code = "bad-signature"
    title = "Signature does not verify"
    status = 401


class WrongIssuer(FederationError):
    code = "wrong-issuer"
    title = "Issuer is not the owner of the signing key"
    status = 401


class WrongAudience(FederationError):
    code = "wrong-audience"
    title = "Message is for another node"
    status = 401


class NotYetValid(FederationError):
    code = "not-yet-valid"
    title = "Message issued in the future"
    status = 401


class Expired(FederationError):
    code = "expired"
    title = "Message expired"
    status = 401


class LifetimeTooLong(FederationError):
    code = "lifetime-too-long"
    title = "Message lifetime exceeds the limit"
    status = 401


class Replayed(FederationError):
    code = "replayed"
    title = "Message already seen"
    status = 401


class OrgNotHosted(FederationError):
    """A verified payload speaks for an organisation its sender's node document does not list
    (a peer naming another node's org, or one it added since we last refreshed its document).
    403: the sender is known, but may not say this."""

    code = "org-not-hosted"
    title = "Organisation not hosted by the sender"
    status = 403


class RequestMismatch(FederationError):
    """A signed request token used for another method, path or query than it was made for, or
    a feed page that does not answer the request this node made."""

    code = "request-mismatch"
    title = "Signed request does not match"
    status = 401


class FingerprintMismatch(FederationError):
    code = "fingerprint-mismatch"
    title = "Node key does not match the pinned fingerprint"
    status = 401


class StaleDocument(FederationError):
    """A node document older than the one already pinned (a rollback)."""

    code = "stale-document"
    title = "Node document older than the pinned one"
    status = 401
