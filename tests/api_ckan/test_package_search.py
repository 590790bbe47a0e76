"""package_search: CKAN's parameters, CKAN's result shapes, our search underneath."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.search.compile import MAX_FILTER_VALUES
from tests.api_ckan.conftest import make_dataset
from tests.conftest import Accounts, Backend


def search(client: TestClient, headers: dict[str, str] | None = None, **params: Any) -> Any:
    res = client.post("/api/3/action/package_search", json=params, headers=headers or {})
    assert res.status_code == 200, res.text
    return res.json()["result"]


def names(result: Any) -> list[str]:
    return [p["name"] for p in result["results"]]


@pytest.fixture
def catalogue(backend: Backend) -> None:
    make_dataset(
        backend,
        name="sapporo-nursery",
        title="札幌市保育所一覧",
        tags=[{"name": "保育"}, {"name": "子育て"}],
        groups=[{"name": "social-security-health"}, {"name": "02-24"}],
        license_id="cc-by-4.0",
        resources=[{"url": "https://example.jp/n.csv", "format": "CSV"}],
    )
    make_dataset(
        backend,
        name="sapporo-aed",
        title="札幌市AED設置箇所",
        tags=[{"name": "防災"}],
        groups=[{"name": "02-22"}],
        license_id="pdl-1.0",
        resources=[{"url": "https://example.jp/a.json", "format": "JSON"}],
    )
    make_dataset(
        backend,
        name="chiyoda-shelter",
        title="千代田区避難所",
        owner_org="131016",
        tags=[{"name": "防災"}, {"name": "避難 場所"}],
        license_id="cc-by-4.0",
        resources=[{"url": "https://example.jp/s.csv", "format": "CSV"}],
    )
    make_dataset(backend, name="soumu-stats", title="統計表", owner_org="soumu")
    make_dataset(backend, name="sapporo-private", title="内部保育データ", private=True)
    make_dataset(backend, name="sapporo-draft", title="下書き", state="draft")


@pytest.mark.usefixtures("catalogue")
def test_query_and_defaults(client: TestClient) -> None:
    everything = search(client)
    assert everything["count"] == 4 and len(everything["results"]) == 4
    assert everything["sort"] == "score desc, metadata_modified desc"
    assert names(everything)[0] == "soumu-stats"  # newest first without text
    assert search(client, q="*:*")["count"] == 4
    assert names(search(client, q="保育")) == ["sapporo-nursery"]
    assert names(search(client, q="tags:防災", sort="name asc")) == [
        "chiyoda-shelter",
        "sapporo-aed",
    ]
    assert search(client, rows=1)["count"] == 4 and len(search(client, rows=1)["results"]) == 1
    assert len(search(client, rows=5000)["results"]) == 4  # capped at 1000, as CKAN does
    assert names(search(client, rows=2, start=3, sort="name asc")) == ["soumu-stats"]


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("fq", "expected"),
    [
        ("organization:011002 OR organization:131016", 3),
        ("-organization:011002", 2),
        ("groups:02-22", 1),
        ("groups:social-security-health", 1),
        ("tags:防災", 2),
        ('tags:"避難 場所"', 1),
        ("res_format:CSV", 2),
        ("license_id:cc-by-4.0", 2),
        ("name:sapporo-aed", 1),
        ("+organization:011002 +tags:防災", 1),
        ("metadata_modified:[2000-01-01T00:00:00.000000Z TO NOW]", 4),
        ("metadata_modified:[NOW TO *]", 0),
        ("+dataset_type:dataset", 4),
        ("dataset_type:harvest", 0),
        ("capacity:public", 4),
    ],
)
def test_filter_queries(client: TestClient, fq: str, expected: int) -> None:
    assert search(client, fq=fq)["count"] == expected


@pytest.mark.usefixtures("catalogue")
def test_owner_org_and_fq_list(client: TestClient) -> None:
    org_id = search(client, fq="name:soumu-stats")["results"][0]["owner_org"]
    assert names(search(client, fq=f"owner_org:{org_id}")) == ["soumu-stats"]
    assert search(client, fq_list=["tags:防災", "organization:131016"])["count"] == 1


@pytest.mark.usefixtures("catalogue")
def test_filters_written_into_q(client: TestClient) -> None:
    assert names(search(client, q="保育 -dataset_type:harvest")) == ["sapporo-nursery"]
    assert search(client, q="organization:011002 OR organization:soumu")["count"] == 3
    assert search(client, q="metadata_modified:[NOW-1DAY TO *]")["count"] == 4
    assert search(client, q="metadata_created:[* TO 2000-01-01T00:00:00Z]")["count"] == 0


@pytest.mark.usefixtures("catalogue")
def test_sorts(client: TestClient) -> None:
    by_id = search(client, sort="id asc")["results"]
    assert [p["id"] for p in by_id] == sorted(p["id"] for p in by_id)
    assert names(search(client, sort="name desc"))[0] == "soumu-stats"
    modified = search(client, sort="metadata_modified desc")["results"]
    stamps = [p["metadata_modified"] for p in modified]
    assert stamps == sorted(stamps, reverse=True)
    titles = [p["title"] for p in search(client, sort="title_string asc")["results"]]
    assert titles == sorted(titles)


@pytest.mark.usefixtures("catalogue")
def test_facets_in_both_ckan_shapes(client: TestClient) -> None:
    result = search(
        client,
        rows=0,
        **{"facet.field": ["organization", "groups", "license_id", "res_format", "tags"]},
    )
    assert result["results"] == [] and result["count"] == 4
    assert result["facets"]["organization"] == {"011002": 2, "131016": 1, "soumu": 1}
    assert result["facets"]["res_format"] == {"CSV": 2, "JSON": 1}
    assert result["facets"]["groups"]["02-22"] == 1
    orgs = {i["name"]: i for i in result["search_facets"]["organization"]["items"]}
    assert orgs["011002"] == {"name": "011002", "display_name": "北海道札幌市", "count": 2}
    groups = {i["name"]: i["display_name"] for i in result["search_facets"]["groups"]["items"]}
    assert groups["social-security-health"] == "社会保障・衛生"
    licences = {i["name"]: i for i in result["search_facets"]["license_id"]["items"]}
    assert "CC BY 4.0" in licences["cc-by-4.0"]["display_name"]
    assert result["search_facets"]["tags"]["title"] == "tags"
    limited = search(client, rows=0, **{"facet.field": ["tags"], "facet.limit": 1})
    assert limited["facets"]["tags"] == {"防災": 2}
    mincount = search(client, rows=0, **{"facet.field": ["tags"], "facet.mincount": 2})
    assert mincount["facets"]["tags"] == {"防災": 2}
    off = search(client, rows=0, facet="false", **{"facet.field": ["tags"]})
    assert off["facets"] == {}


@pytest.mark.usefixtures("catalogue")
def test_private_and_drafts_only_for_those_allowed(client: TestClient, users: Accounts) -> None:
    member = users.make("member", org="011002", role="member")
    outsider = users.make("outsider", org="131016", role="editor")
    facet = {"facet.field": ["organization"], "rows": 0}
    assert search(client, include_private=True, **facet)["facets"]["organization"]["011002"] == 2
    for who in (outsider, member):
        assert search(client, who.headers, q="保育", include_private=False)["count"] == 1
    mine = search(client, member.headers, include_private=True, **facet)
    assert mine["facets"]["organization"]["011002"] == 3 and mine["count"] == 5
    theirs = search(client, outsider.headers, include_private=True, **facet)
    assert theirs["facets"]["organization"]["011002"] == 2
    drafts = search(client, member.headers, include_drafts=True, q="下書き")
    assert names(drafts) == ["sapporo-draft"]
    assert search(client, outsider.headers, include_drafts=True, q="下書き")["count"] == 0


@pytest.mark.usefixtures("catalogue")
def test_results_are_complete_package_dicts(client: TestClient) -> None:
    (pkg,) = search(client, fq="name:sapporo-nursery")["results"]
    assert pkg["resources"][0]["format"] == "CSV"
    assert pkg["organization"]["name"] == "011002"
    assert {g["name"] for g in pkg["groups"]} == {"social-security-health", "02-24"}
    assert {"metadata_modified", "extras", "license_title", "num_resources"} <= set(pkg)
    slim = search(client, fq="name:sapporo-nursery", fl="id,name")["results"]
    assert slim == [{"id": pkg["id"], "name": "sapporo-nursery"}]


@pytest.mark.parametrize(
    "params",
    [
        {"frobnicate": "1"},
        {"q": '"unbalanced'},
        {"fq": "tags:(a"},
        {"fq": "no_such_field:x"},
        {"sort": "popularity desc"},
        {"facet.field": ["no_such_facet"]},
    ],
)
def test_errors_are_search_query_errors(client: TestClient, params: dict[str, Any]) -> None:
    res = client.post("/api/3/action/package_search", json=params)
    assert res.status_code == 400, res.text
    assert res.json()["error"]["__type"] == "Search Query Error"


def test_unknown_parameter_message_names_it(client: TestClient) -> None:
    res = client.get("/api/3/action/package_search", params={"q": "x", "colour": "red"})
    assert "Invalid search parameters: ['colour']" in res.json()["error"]["message"]


def test_bad_numbers_are_validation_errors(client: TestClient) -> None:
    for params in ({"rows": "ten"}, {"start": -1}):
        res = client.post("/api/3/action/package_search", json=params)
        assert res.status_code == 409
        assert res.json()["error"]["__type"] == "Validation Error"


def test_full_width_digits_are_refused_like_the_native_api(client: TestClient) -> None:
    # Python's int() reads "１"; the v1 API and the changes cursor refuse it, so CKAN does too.
    for params in ({"rows": "\uff11"}, {"start": "\uff10"}):
        res = client.get("/api/3/action/package_search", params=params)
        assert res.status_code == 409
        assert res.json()["error"]["__type"] == "Validation Error"
        assert "ASCII digits" in res.text
    assert client.get("/api/v1/changes", params={"since": "\uff11"}).status_code == 422
    assert client.get("/api/v1/changes", params={"limit": "\uff11"}).status_code == 422


def test_ignored_solr_parameters_are_accepted(client: TestClient) -> None:
    params = {"qf": "title^4", "wt": "json", "defType": "edismax", "ext_bbox": "1,2,3,4"}
    assert search(client, **params)["count"] == 0


@pytest.mark.usefixtures("catalogue")
def test_a_query_of_too_many_terms_is_a_search_query_error_saying_the_limit(
    client: TestClient,
) -> None:
    # 45,000 words made PostgreSQL's query parser fail ("stack depth limit exceeded": a 500).
    q = " ".join(f"語{i}" for i in range(45_000))
    res = client.post("/api/3/action/package_search", json={"q": q})
    assert res.status_code == 400, res.text
    error = res.json()["error"]
    assert error["__type"] == "Search Query Error"
    assert "at most 100 are allowed" in str(error)
    native = client.get("/api/v1/search", params={"q": " ".join(f"w{i}" for i in range(101))})
    assert native.status_code == 400, native.text
    assert "at most 100 are allowed" in native.text
    # title:/notes:/text: filters are search terms too (the v1 search takes them).
    titles = " ".join(f"title:w{i}" for i in range(101))
    assert client.get("/api/v1/search", params={"q": titles}).status_code == 400
    # Repeated words count once: the same word 2,500 times is one term.
    assert search(client, q="保育 " * 2500)["count"] == 1


@pytest.mark.usefixtures("catalogue")
def test_filters_and_nesting_beyond_the_limits_are_search_query_errors(
    client: TestClient,
) -> None:
    # Found by a fresh helper: 1,200 -name: clauses overflowed SQLite's expression tree, 50,000
    # tags: alternatives PostgreSQL's stack, and 1,000 nested parentheses Python's (500s).
    many = " OR ".join(f"t{i}" for i in range(MAX_FILTER_VALUES + 1))
    res = client.post("/api/3/action/package_search", json={"fq": f"tags:({many})"})
    assert res.status_code == 400, res.text
    assert f"at most {MAX_FILTER_VALUES} are allowed" in res.text
    negated = " ".join(f"-name:n{i}" for i in range(1200))
    assert client.get("/api/v1/search", params={"q": negated}).status_code == 400
    deep = client.post("/api/3/action/package_search", json={"q": "(" * 1000 + "a" + ")" * 1000})
    assert deep.status_code == 400, deep.text
    assert "nested more than" in deep.text
    allowed = " OR ".join(f"t{i}" for i in range(MAX_FILTER_VALUES - 1))
    assert search(client, fq=f"tags:(防災 OR {allowed})")["count"] >= 1
    assert search(client, q="(" * 10 + "保育" + ")" * 10)["count"] == 1
