"""/sitemap.xml: the urlset (streamed) and the sitemap index for catalogues past 50,000 pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from html import escape

from app.dcat.context import Context

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)


def _url(loc: str, when: datetime | None) -> str:
    lastmod = f"<lastmod>{when:%Y-%m-%d}</lastmod>" if when is not None else ""
    return f"<url><loc>{escape(loc)}</loc>{lastmod}</url>\n"


def sitemap(ctx: Context, pages: Iterable[tuple[str, datetime | None]]) -> Iterator[str]:
    """A urlset of pages (paths under the base URI), streamed; at most SITEMAP_LIMIT of them."""
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    )
    for path, when in pages:
        yield _url(ctx.base + path, when)
    yield "</urlset>\n"


def sitemap_index(ctx: Context, parts: int) -> str:
    items = "".join(
        f"<sitemap><loc>{escape(ctx.base)}/sitemap-{n}.xml</loc></sitemap>\n"
        for n in range(1, parts + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{items}</sitemapindex>\n"
    )
