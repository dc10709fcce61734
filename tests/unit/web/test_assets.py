"""What the web pages ship: our own stylesheet, never the GOV.UK-only brand assets (the GDS
Transport font and the crown/crest are licensed for GOV.UK services only)."""

from __future__ import annotations

import re
from pathlib import Path

from network.web.templating import STATIC, TEMPLATES

FONT_SUFFIXES = {".woff", ".woff2", ".ttf", ".otf", ".eot"}
FONT_MAGIC = (b"wOFF", b"wOF2", b"\x00\x01\x00\x00", b"OTTO", b"true")
BRAND_WORDS = re.compile(r"gds[ -]?transport|govuk-crest|govuk-logo|crown", re.IGNORECASE)


def shipped() -> list[Path]:
    return [p for p in STATIC.rglob("*") if p.is_file()]


def test_the_stylesheet_is_committed_and_is_the_only_kind_of_asset() -> None:
    names = {p.name for p in shipped()}
    assert "mentornet.css" in names
    assert {p.suffix for p in shipped()} <= {".css", ".js", ".svg", ".png", ".ico"}


def test_no_shipped_asset_is_a_font() -> None:
    for path in shipped():
        assert path.suffix.lower() not in FONT_SUFFIXES, path
        assert not path.read_bytes().startswith(FONT_MAGIC), f"{path} is a font file"


def test_no_shipped_asset_names_or_draws_the_gds_font_or_the_crown() -> None:
    for path in [*shipped(), *TEMPLATES.rglob("*.html")]:
        assert not BRAND_WORDS.search(path.name), path
        text = path.read_bytes().decode("utf-8", "replace")
        found = BRAND_WORDS.search(text)
        assert found is None, f"{path} mentions {found.group(0) if found else ''}"


def test_the_stylesheet_uses_our_own_fonts_and_loads_nothing_else() -> None:
    css = (STATIC / "mentornet.css").read_text()
    assert "@font-face" not in css
    assert "url(" not in css  # no fonts, no images: nothing but the stylesheet itself
    families = set(re.findall(r"font-family:([^;}]+)", css))
    assert 'system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif' in families
    assert families <= {'system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif', "sans-serif"}


def test_govuk_frontend_is_pinned_to_an_exact_version() -> None:
    import json

    package = json.loads((Path(__file__).resolve().parents[3] / "web" / "package.json").read_text())
    for name, version in package["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
