"""Server-rendered web pages: Jinja templates with GOV.UK Frontend patterns, on the same
services as the JSON API (see docs/web.md). Only ``network`` imports Litestar."""
