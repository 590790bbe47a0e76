"""Minimal HTML pages behind the entity URIs (until the web issue's pages replace them), with
links to every RDF format and, on dataset pages, schema.org Dataset JSON-LD; and /sitemap.xml.

All text is escaped; nothing a user typed is rendered as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from html import escape

from app.catalog.schemas import CategoryOut
from app.datasets.schemas import DatasetOut
from app.dcat.context import Context
from app.dcat.formats import FORMATS
from app.dcat.schema_org import dataset_jsonld, script_tag
from app.dcat_export.service import CatalogPage
from app.measures.schemas import MeasureOut
from app.organizations.schemas import OrganizationOut

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
FORMAT_LABELS = {"ttl": "Turtle", "rdf": "RDF/XML", "jsonld": "JSON-LD", "nt": "N-Triples"}


def _alternates(path: str) -> tuple[str, str]:
    """<link rel=alternate> elements and the visible links to the RDF of `path`."""
    heads = "".join(
        f'<link rel="alternate" type="{f.media_type}" href="{escape(path)}.{f.ext}">'
        for f in FORMATS
    )
    links = " ・ ".join(
        f'<a href="{escape(path)}.{f.ext}" type="{f.media_type}">{FORMAT_LABELS[f.ext]}</a>'
        for f in FORMATS
    )
    return heads, f'<p class="formats">RDF: {links}</p>'


def page(ctx: Context, title: str, body: str, *, path: str | None = None, head: str = "") -> str:
    alt_head, alt_links = _alternates(path) if path else ("", "")
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} | {escape(ctx.root.title)}</title>{alt_head}{head}</head>"
        f'<body><header><a href="/">{escape(ctx.root.title)}</a></header>'
        f"<main><h1>{escape(title)}</h1>{body}{alt_links}</main></body></html>"
    )


def _dl(rows: Iterable[tuple[str, str]]) -> str:
    items = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows if v)
    return f"<dl>{items}</dl>"


def _link(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        return escape(url)
    return f'<a href="{escape(url)}" rel="nofollow">{escape(url)}</a>'


def dataset_page(ds: DatasetOut, ctx: Context) -> str:
    url = f"{ctx.base}/dataset/{ds.name}"
    resources = "".join(
        f"<li>{escape(r.name or r.url)} {escape(r.format)} {_link(r.download_url or r.url)}</li>"
        for r in ds.resources
    )
    body = (
        f"<p>{escape(ds.notes)}</p>"
        + _dl(
            [
                (
                    "組織",
                    f'<a href="/organization/{escape(ds.organization.name)}">'
                    f"{escape(ds.organization.title)}</a>",
                ),
                ("ライセンス", escape(ds.license.title) if ds.license else ""),
                ("タグ", escape("、".join(ds.tags))),
                ("カテゴリ", escape("、".join(c.title for c in ds.categories))),
                (
                    "施策",
                    "、".join(
                        f'<a href="/measure/{escape(m.name)}">{escape(m.name + " " + m.title)}</a>'
                        for m in ds.measures
                    ),
                ),
                ("URI", f"<code>{escape(ctx.dataset(ds.id))}</code>"),
            ]
        )
        + (f"<h2>リソース</h2><ul>{resources}</ul>" if resources else "")
    )
    head = script_tag(dataset_jsonld(ds, ctx, url))
    return page(ctx, ds.title, body, path=f"/dataset/{ds.id}", head=head)


def organization_page(org: OrganizationOut, ctx: Context) -> str:
    body = _dl(
        [
            ("コード", escape(org.code or "")),
            ("都道府県", escape(org.prefecture or "")),
            ("ホームページ", _link(org.homepage)),
            ("データセット数", str(org.dataset_count or 0)),
            (
                "データセット",
                f'<a href="/catalog?organization={escape(org.name)}">カタログで見る</a>',
            ),
        ]
    )
    return page(ctx, org.title, body, path=f"/organization/{org.name}")


def measure_page(m: MeasureOut, ctx: Context, datasets: CatalogPage) -> str:
    items = "".join(
        f'<li><a href="/dataset/{escape(d.name)}">{escape(d.title)}</a></li>'
        for d in datasets.items
    )
    body = (
        "".join(f"<p>{escape(p)}</p>" for p in m.summary)
        + _dl(
            [
                ("KPI（進捗）", escape(m.kpi_progress or "")),
                ("KPI（効果）", escape(m.kpi_effect or "")),
                ("基本法の条項", escape(m.article or "")),
                ("計画の節", escape(m.section_title)),
                (
                    "府省庁",
                    escape("、".join(("◎" if x.lead else "") + x.name for x in m.ministries)),
                ),
            ]
        )
        + f"<h2>データセット（{datasets.total}件）</h2><ul>{items}</ul>"
    )
    return page(ctx, f"{m.id} {m.title}", body, path=f"/measure/{m.id}")


def category_page(cat: CategoryOut, ctx: Context) -> str:
    body = _dl(
        [
            ("英語名", escape(cat.title_en)),
            ("データセット数", str(cat.dataset_count)),
            ("データセット", f'<a href="/catalog?category={escape(cat.name)}">カタログで見る</a>'),
        ]
    )
    return page(ctx, cat.title, body, path=f"/category/{cat.name}")


def catalog_page(ctx: Context, result: CatalogPage, links: dict[str, str | None]) -> str:
    items = "".join(
        f'<li><a href="/dataset/{escape(d.name)}">{escape(d.title)}</a> '
        f"（{escape(d.organization.title)}）</li>"
        for d in result.items
    )
    nav = " ".join(
        f'<a href="{escape(url)}" rel="{rel}">{label}</a>'
        for rel, label in (("prev", "前へ"), ("next", "次へ"))
        if (url := links.get(rel))
    )
    body = (
        f"<p>{escape(ctx.root.description)}</p>"
        f"<p>{result.total}件中 {result.page}/{result.last_page}ページ</p>"
        f'<ul>{items}</ul><nav aria-label="ページ">{nav}</nav>'
        '<p><a href="/dump/catalog.nt.gz">全件ダンプ (N-Triples, gzip)</a></p>'
    )
    return page(ctx, ctx.root.title, body, path="/catalog")


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
