"""Loaded by schemathesis (``SCHEMATHESIS_HOOKS``) in the project's own run: the inbox's body,
a JWS compact token as ``application/jose``, goes on the wire as the text it is."""

from __future__ import annotations

import schemathesis

schemathesis.serializer.alias("application/jose", "text/plain")
