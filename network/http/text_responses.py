"""Text bodies (calendar files, CSV, stylesheets) as responses, built in one place.

Litestar writes ``; charset=<encoding>`` (UTF-8 by default) after every ``text/*`` media type
itself, so a media type that already names its charset comes out as ``charset=utf-8;
charset=utf-8``. Here the media type is given bare and anything else is refused.
"""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Response


def text_response(
    body: str,
    media_type: str,
    *,
    download: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    """``body`` as UTF-8 ``media_type`` (bare: ``text/csv``, never ``text/csv; charset=…``);
    ``download`` names the file a browser saves it as."""
    if not media_type.startswith("text/") or ";" in media_type:
        raise ValueError(f"a bare text/* media type, not {media_type!r}: Litestar adds the charset")
    sent = dict(headers or {})
    if download is not None:
        sent["Content-Disposition"] = f'attachment; filename="{download}"'
    return Response(body, media_type=media_type, headers=sent)
