"""The pages without a Linked Data twin: home, search, the lists, and /api."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.api.auth import SessionDep
from app.api.ckan.router import api_version as ckan_api_version
from app.errors import SearchQueryError
from app.organizations import service as org_service
from app.web import data, reference
from app.web.errors import wants_html
from app.web.render import gettext_for, render, url_for_query
from app.web.search_state import SORTS, SearchState
from app.web.staff.auth import WebActorDep as ActorDep  # signed-in staff: their visibility

router = APIRouter(include_in_schema=False)

ORG_KINDS = ("ministry", "prefecture", "municipality")
ORG_PER_PAGE = 100


@router.get("/", response_class=HTMLResponse, response_model=None)
def home(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    return render(request, "home.html", {"home": data.home(session, actor)})


@router.get("/dataset", response_class=HTMLResponse, response_model=None)
def search(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    state = SearchState.from_request(request)
    try:
        results = data.search(session, actor, state)
    except SearchQueryError as exc:
        # A query the parser cannot read: the page says what to fix, beside the box.
        empty = data.Results(state, 0, [], {}, {}, 1)
        _ = gettext_for(request)
        hint = _('検索語の書き方を確認してください（" の閉じ忘れ、単独の - や OR など）。')
        errors = {"q": hint}
        return render(
            request,
            "search.html",
            {"results": empty, "sorts": SORTS, "errors": errors, "detail": exc.message},
            status_code=400,
        )
    context = {"results": results, "sorts": SORTS, "errors": {}, "detail": ""}
    return render(request, "search.html", context)


@router.get("/organization", response_class=HTMLResponse, response_model=None)
def organizations(request: Request, session: SessionDep) -> Response:
    qp = request.query_params
    kind = qp.get("kind", "") if qp.get("kind", "") in ORG_KINDS else ""
    prefecture = qp.get("prefecture", "")
    q = qp.get("q", "").strip()
    raw_page = qp.get("page", "1")
    page_no = max(1, int(raw_page)) if raw_page.isascii() and raw_page.isdigit() else 1
    found = org_service.list_organizations(
        session,
        kind=kind or None,
        prefecture=prefecture or None,
        q=q or None,
        offset=(page_no - 1) * ORG_PER_PAGE,
        limit=ORG_PER_PAGE,
    )
    prefectures = reference.prefectures(session)
    last_page = max(1, -(-found.total // ORG_PER_PAGE))
    base = [("kind", kind), ("prefecture", prefecture), ("q", q)]
    return render(
        request,
        "organizations.html",
        {
            "found": found,
            "kind": kind,
            "kinds": ORG_KINDS,
            "prefecture": prefecture,
            "prefectures": prefectures,
            "q": q,
            "page_no": page_no,
            "last_page": last_page,
            "page_url": lambda n: url_for_query(
                "/organization", [*base, ("page", str(n) if n > 1 else "")]
            ),
        },
    )


@router.get("/measure", response_class=HTMLResponse, response_model=None)
def measures(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    qp = request.query_params
    everything = data.measures_with_counts(session, actor)
    ministries, fields = data.measure_filters(everything)
    ministry = qp.get("ministry", "") if qp.get("ministry", "") in ministries else ""
    field_ids = {f for f, _ in fields}
    field = qp.get("field", "") if qp.get("field", "") in field_ids else ""
    shown = data.filter_measures(everything, ministry, field)
    return render(
        request,
        "measures.html",
        {
            "sections": data.sections(shown),
            "shown": len(shown),
            "total": len(everything),
            "ministries": ministries,
            "fields": fields,
            "ministry": ministry,
            "field": field,
        },
    )


@router.get("/api", response_model=None)
def api_guide(request: Request) -> Response:
    """Browsers get the guide; API clients keep CKAN's `{"version": 3}` at the same URL."""
    if not wants_html(request):
        return ckan_api_version()
    base = str(request.base_url).rstrip("/")
    _ = gettext_for(request)
    return render(request, "api.html", {"base": base, "title": _("APIの使い方")})
