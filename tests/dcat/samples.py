"""Sample records for the DB-free DCAT tests: every field filled, a minimal one, nasty text."""

from __future__ import annotations

from datetime import date, datetime

from app.catalog.schemas import CategoryOut, LicenseOut
from app.datasets.schemas import (
    DatasetOut,
    LicenseRef,
    NamedRef,
    OrganizationRef,
    ResourceOut,
)
from app.dcat.context import Context, RootCatalog
from app.measures.schemas import MeasureOut, MinistryOut, PriorityFieldOut
from app.organizations.schemas import OrganizationOut

BASE = "http://catalog.test"
CC_BY = LicenseOut(
    id="cc-by-4.0",
    title="クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）",
    title_en="CC BY 4.0",
    url="https://creativecommons.org/licenses/by/4.0/",
    uri="https://creativecommons.org/licenses/by/4.0/",
    is_open=True,
    legacy=False,
    od_conformance="approved",
)
PDL = LicenseOut(
    id="pdl-1.0",
    title="公共データ利用規約（第1.0版）",
    title_en="PDL 1.0",
    url="https://www.digital.go.jp/resources/open_data/public_data_license_v1.0",
    uri="https://www.digital.go.jp/resources/open_data/public_data_license_v1.0",
    is_open=True,
    legacy=False,
    od_conformance="not reviewed",
)
SAPPORO = OrganizationRef(
    id="org-1",
    name="011002",
    title="北海道札幌市",
    kind="municipality",
    code="011002",
    prefecture="北海道",
)
SOUMU = OrganizationRef(id="org-2", name="soumu", title="総務省", kind="ministry")
DIGITAL = OrganizationRef(id="org-3", name="digital", title="デジタル庁", kind="ministry")
CTX = Context(
    base=BASE,
    licenses={CC_BY.id: CC_BY, PDL.id: PDL},
    root=RootCatalog(
        title="日本オープンデータカタログ",
        title_en="Japan Open Data Catalogue",
        description="施策とオープンデータのカタログ",
        publisher_name="デジタル庁",
        publisher=DIGITAL,
        homepage=BASE + "/",
    ),
    agents={"soumu": "総務省", "meti": "経済産業省", "digital": "デジタル庁"},
)
NASTY = 'quote " backslash \\ newline\nCR\r tab\t <b>&amp; 日本語 \U0001f600 \x7f end'
CREATED = datetime(2024, 5, 1, 3, 4, 5, 123456)
MODIFIED = datetime(2024, 6, 2, 10, 0, 0)


def resource(rid: str, dataset_id: str, **values: object) -> ResourceOut:
    fields: dict[str, object] = {
        "id": rid,
        "dataset_id": dataset_id,
        "position": 0,
        "url": "",
        "download_url": "",
        "name": "",
        "description": "",
        "format": "",
        "mimetype": "",
        "size": None,
        "hash": "",
        "license_id": None,
        "language": "",
        "extras": {},
        "created": CREATED,
        "last_modified": None,
        "metadata_modified": CREATED,
    }
    fields.update(values)
    return ResourceOut.model_validate(fields)


def dataset(
    dataset_id: str = "7d3c2a47-1b1e-4c3e-9a51-2f6f8c1d0a01", **values: object
) -> DatasetOut:
    fields: dict[str, object] = {
        "id": dataset_id,
        "name": "minimal-dataset",
        "title": "最小のデータセット",
        "notes": "",
        "type": "dataset",
        "state": "active",
        "private": False,
        "url": "",
        "version": "",
        "author": "",
        "author_email": "",
        "maintainer": "",
        "maintainer_email": "",
        "organization": SOUMU,
        "license": None,
        "tags": [],
        "categories": [],
        "measures": [],
        "publisher_name": "",
        "contact_name": "",
        "contact_email": "",
        "contact_url": "",
        "frequency": "",
        "language": "ja",
        "spatial": "",
        "spatial_code": None,
        "temporal_start": None,
        "temporal_end": None,
        "issued": None,
        "modified": None,
        "conforms_to": "",
        "standard_kind": None,
        "extras": {},
        "origin": "local",
        "harvest_source_id": None,
        "remote_id": None,
        "remote_uri": None,
        "remote_modified": None,
        "content_hash": None,
        "local_fields": [],
        "creator_user_id": None,
        "metadata_created": CREATED,
        "metadata_modified": MODIFIED,
        "revision": 1,
        "resources": [],
    }
    fields.update(values)
    return DatasetOut.model_validate(fields)


def full_dataset(dataset_id: str = "0b8a5a37-0e2f-4d59-8a8e-1c6a1b0e7c11") -> DatasetOut:
    return dataset(
        dataset_id,
        name="sapporo-aed",
        title="札幌市AED設置箇所一覧",
        notes="札幌市内のAED設置箇所。\n毎月更新します。" + NASTY,
        url="https://www.city.sapporo.jp/opendata/aed.html",
        version="2024.1",
        author="札幌市 保健福祉局",
        author_email="hoken@city.sapporo.jp",
        maintainer="札幌市 ICT推進課",
        maintainer_email="ict@city.sapporo.jp",
        publisher_name="札幌市 まちづくり政策局",
        organization=SAPPORO,
        license=LicenseRef(
            id=CC_BY.id, title=CC_BY.title, url=CC_BY.url, uri=CC_BY.uri, is_open=True
        ),
        tags=["AED", "救急", NASTY],
        categories=[NamedRef(name="social-security-health", title="社会保障・衛生")],
        measures=[NamedRef(name="02-22", title="AED設置箇所のオープンデータ化")],
        contact_name="札幌市 ICT推進課",
        contact_email="opendata@city.sapporo.jp",
        contact_url="https://www.city.sapporo.jp/contact",
        frequency="MONTHLY",
        language="ja",
        spatial="北海道札幌市",
        spatial_code="011002",
        temporal_start=date(2020, 4, 1),
        temporal_end=date(2024, 3, 31),
        issued=datetime(2020, 4, 1, 0, 0),
        modified=datetime(2024, 4, 1, 9, 30, 15, 250000),
        conforms_to="https://example.org/spec/aed-v2",
        standard_kind="aed",
        resources=[
            resource(
                "5f1c8b9e-6b1a-4a77-8a3f-0c1d2e3f4a51",
                dataset_id,
                position=0,
                url="https://www.city.sapporo.jp/opendata/aed list.csv",
                download_url='https://www.city.sapporo.jp/opendata/aed.csv?x="y"&z=<1>',
                name="AED一覧 (CSV)",
                description="全件。" + NASTY,
                format="CSV",
                mimetype="text/csv",
                size=123456,
                hash="9e107d9d372bb6826bd81d3542a419d6",
                license_id=PDL.id,
                language="ja",
                created=datetime(2020, 4, 1, 0, 0),
                last_modified=datetime(2024, 4, 1, 9, 30),
            ),
            resource(
                "6a2d9c0f-7c2b-4b88-9b4f-1d2e3f4a5b62",
                dataset_id,
                position=1,
                url="https://www.city.sapporo.jp/opendata/aed.geojson",
                name="AED地図",
                format="GeoJSON 形式",
                hash="sha256:" + "ab" * 16,
                created=datetime(2021, 1, 1, 0, 0),
            ),
        ],
    )


def measure() -> MeasureOut:
    return MeasureOut(
        id="02-22",
        title="AED設置箇所のオープンデータ化",
        in_main_text=True,
        kpi_progress="公開自治体数",
        kpi_effect="利用件数",
        summary=["第一段落。", "第二段落 " + NASTY],
        section=2,
        section_title="オープンデータの促進",
        article="第11条第1項・第2項",
        ministries=[
            MinistryOut(
                name="総務省", lead=False, organization="soumu", units=[], and_others=False
            ),
            MinistryOut(
                name="経済産業省", lead=True, organization="meti", units=[], and_others=False
            ),
            MinistryOut(
                name="関係府省庁", lead=False, organization=None, units=[], and_others=False
            ),
        ],
        priority_fields=[PriorityFieldOut(id="health-medical-care", name="健康・医療・介護")],
        dataset_count=1,
    )


def orphan_measure() -> MeasureOut:
    """No ministry that is an organisation: the root publisher stands in."""
    m = measure()
    return m.model_copy(
        update={
            "id": "12-02",
            "summary": [],
            "kpi_progress": None,
            "kpi_effect": None,
            "article": None,
            "ministries": [
                MinistryOut(
                    name="全府省庁", lead=False, organization=None, units=[], and_others=False
                )
            ],
            "priority_fields": [],
        }
    )


def organization() -> OrganizationOut:
    return OrganizationOut(
        id="org-1",
        name="011002",
        title="北海道札幌市",
        title_en="Sapporo",
        description="政令指定都市",
        kind="municipality",
        code="011002",
        prefecture="北海道",
        prefecture_code="01",
        kana="ホッカイドウ サッポロシ",
        homepage="https://www.city.sapporo.jp/",
        spatial_uri="http://data.e-stat.go.jp/lod/sac/C01100",
        dataset_count=1,
    )


def categories() -> list[CategoryOut]:
    return [
        CategoryOut(
            name="land-weather", title="国土・気象", title_en="Land and weather", position=1
        ),
        CategoryOut(
            name="social-security-health",
            title="社会保障・衛生",
            title_en="Social security and health",
            position=15,
        ),
    ]
