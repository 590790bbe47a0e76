"""Bulk upload of an オープンデータ一覧: preview (writes nothing) and apply (one transaction).

`preview(session, actor, organization, parsed)` -> `UploadPlan`: every row's outcome (new,
update with the fields that change, unchanged, error) and every issue by row (as numbered in
Excel, header = row 1) and column. Validation is the dataset service's own: the values go
through the same pydantic schema (`DatasetCreate`), `app.datasets.placement.place_references`
(unknown licences/categories kept as `remote_*` extras, as for imported records), and
`app.datasets.assemble.apply_fields` + `app.datasets.resources.replace_resources` applied to a
TRANSIENT dataset object under `no_autoflush` (never added to the session; tags it would create
are expunged at the end), so a preview flushes nothing and needs no savepoint.

Identity: organisation + データセット_ID, stored in the dataset's extra `identifier`
(dct:identifier: the publisher's own id); a row without an ID is matched by its exact title
within the organisation.

`apply(session, actor, plan)`: creates and patches through `create_dataset`/`update_dataset`
in the caller's transaction (so all rows or none); rows in error are skipped and listed; a
dataset changed since the preview (revision differs, or created meanwhile) is refused as stale
and listed, never overwritten. Unchanged datasets are not touched (no revision, no feed entry).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.accounts.permissions import require_role
from app.bulk import repository as bulk_repo
from app.bulk import rows as rowmap
from app.bulk.columns import HEADERS
from app.bulk.normalise import nfkc
from app.bulk.open_data_list import ParsedList
from app.bulk.rows import Group, Issue
from app.catalog import references
from app.common.validate import FieldErrors
from app.datasets import repository as repo
from app.datasets import service as datasets
from app.datasets.assemble import apply_fields, fields_to_apply, vocabulary
from app.datasets.placement import place_references

# The resource filler replace_resources uses for each item: the same rules, on a draft.
from app.datasets.resources import _fill as fill_resource
from app.datasets.schemas import DatasetCreate, DatasetPatch
from app.errors import NotFound, PreconditionFailed
from app.models import Dataset, Organization, Resource
from app.organizations.codes import is_valid_lg_code, lg_check_digit
from app.timeutil import utcnow

Outcome = Literal["new", "update", "unchanged", "error"]
# The dataset fields an オープンデータ一覧 sets (a patch sends exactly these).
MANAGED = (
    "title",
    "notes",
    "url",
    "version",
    "spatial",
    "contact_name",
    "contact_email",
    "contact_url",
    "publisher_name",
    "tags",
    "categories",
    "issued",
    "modified",
    "language",
    "frequency",
    "conforms_to",
    "temporal_start",
    "temporal_end",
    "license_id",
    "spatial_code",
    "extras",
    "resources",
)
# Extras the list writes; on update they are replaced, other extras are kept.
MANAGED_EXTRAS = frozenset(rowmap.DATASET_EXTRAS.values()) | {
    "identifier",
    "remote_frequency",
    "remote_license",
    "remote_categories",
    "conforms_to_label",
    "temporal_label",
}


class IssueOut(BaseModel):
    row: int
    column: str  # the header as written in the file (or the official name)
    msgid: str
    params: dict[str, str] = {}
    level: str = "error"


class RowOut(BaseModel):
    row: int
    title: str
    outcome: Outcome
    dataset: int  # index into UploadPlan.datasets


class PlannedDataset(BaseModel):
    key: str
    title: str
    organization_id: str
    rows: list[int]
    outcome: Outcome
    changes: list[str] = []
    dataset_id: str | None = None
    dataset_name: str | None = None
    revision: int | None = None
    values: dict[str, Any] = {}  # DatasetCreate as JSON, references placed


class UploadPlan(BaseModel):
    encoding: str
    organization_id: str
    organization_name: str
    organization_title: str
    rows: list[RowOut]
    datasets: list[PlannedDataset]
    issues: list[IssueOut]

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)


class ApplyResult(BaseModel):
    created: list[tuple[str, str]] = []  # (name, title)
    updated: list[tuple[str, str]] = []
    unchanged: int = 0
    stale: list[tuple[str, list[int]]] = []  # (title, rows)
    skipped_rows: list[int] = []


ProgressFn = Callable[[int, int], None]


def _column(parsed: ParsedList, key: str) -> str:
    return parsed.headers.get(key) or HEADERS.get(key, key)


def _code_org(
    session: Session, actor: Actor, org: Organization, text: str, row: int, issues: list[Issue]
) -> Organization | None:
    """The organisation a row's 全国地方公共団体コード names (5 or 6 digits, check digit
    validated as app.organizations.codes does); None with an issue when it is wrong."""
    code = nfkc(text)
    if len(code) == 5 and code.isascii() and code.isdigit():
        code = f"{code}{lg_check_digit(code)}"
    if not is_valid_lg_code(code):
        issues.append(
            Issue(
                row,
                "municipality_code",
                "全国地方公共団体コード「%(value)s」が正しくありません。6桁（検査数字つき）"
                "または5桁で書いてください",
                {"value": text},
            )
        )
        return None
    if code == org.code:
        return org
    other = references.organization(session, code) if actor.sysadmin else None
    if other is None:
        issues.append(
            Issue(
                row,
                "municipality_code",
                "全国地方公共団体コード %(value)s は選んだ組織（%(org)s）のものではありません",
                {"value": code, "org": org.title},
            )
        )
    return other


def _snapshot(ds: Dataset, keys: list[str]) -> dict[str, Any]:
    """What a list sets, comparable between a stored and a transient dataset."""
    out: dict[str, Any] = {}
    for key in keys:
        if key == "tags":
            out[key] = sorted(t.name for t in ds.tags)
        elif key == "categories":
            out[key] = sorted(c.name for c in ds.categories)
        elif key in ("issued", "modified"):
            value = getattr(ds, key)
            out[key] = value.date() if isinstance(value, datetime) else value
        elif key == "resources":
            out[key] = [
                (
                    r.name,
                    r.url,
                    r.download_url,
                    r.description,
                    r.format,
                    r.license_id,
                    r.size,
                    r.language,
                    r.last_modified.date() if r.last_modified else None,
                    dict(r.extras or {}),
                )
                for r in sorted(ds.resources, key=lambda r: r.position)
            ]
        elif key == "extras":
            out[key] = dict(ds.extras or {})
        else:
            out[key] = getattr(ds, key)
    return out


# The dataset service's messages (English, shared with the API) that a list can trigger, as
# Japanese msgids for the page (the English catalogue maps them back); others are shown as is.
SERVICE_MESSAGES: dict[str, str] = {
    "Please provide a valid http:// or https:// URL": (
        "http:// または https:// で始まる URL を書いてください"
    ),
    "Please provide a valid e-mail address": "メールアドレスの形が正しくありません",
    "Use an ISO 639-1 code such as ja or en": (
        "言語は ja や en のような ISO 639-1 の2文字で書いてください"
    ),
    "The end of the period must not be before its start": (
        "対象期間の終わりが始まりより前になっています"
    ),
}


def _map_errors(group: Group, fields: dict[str, list[str]]) -> None:
    """Service messages (per field, English) -> issues at the cell the value came from."""
    for key, messages in fields.items():
        parts = key.split("__")
        row = group.rows[0].number
        column = rowmap.FIELD_COLUMN.get(parts[0], "dataset_title")
        if parts[0] == "resources" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(group.file_rows):
                row = group.file_rows[index]
            column = rowmap.RESOURCE_COLUMN.get(parts[2], "file_title")
        for message in messages:
            msgid = SERVICE_MESSAGES.get(message)
            if msgid is not None:
                group.issues.append(Issue(row, column, msgid))
            else:
                group.issues.append(Issue(row, column, "%(detail)s", {"detail": message}))


def _pydantic_fields(exc: ValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in exc.errors():
        fields.setdefault("__".join(str(p) for p in err["loc"]), []).append(err["msg"])
    return fields


# Validation of tags, categories and licence depends only on their values, and an
# オープンデータ一覧 repeats the same few combinations on every row: their outcome (messages and
# the objects found) is remembered per preview, so the reference lookups run once per
# combination instead of three queries per dataset.
RefMemo = dict[tuple[Any, ...], tuple[dict[str, list[str]], list[Any], list[Any], Any]]
_REF_FIELDS = ("tags", "categories", "license_id")


class _Draft:
    """A stand-in for the ORM object the service would write: the service's own functions
    (`apply_fields`, the resource filler) set plain attributes on it, so validation runs
    without SQLAlchemy's instrumentation, a session or a flush (5× faster on 10,000 rows)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def _check(
    session: Session, org: Organization, data: DatasetCreate, memo: RefMemo
) -> tuple[Dataset, FieldErrors]:
    """The dataset service's validation on a draft (nothing added to the session or flushed).

    Returns the draft typed as the Dataset it stands for (only its attributes are read)."""
    errors = FieldErrors()
    draft = _Draft(
        tags=[],
        categories=[],
        measures=[],
        resources=[],
        extras={},
        temporal_start=None,
        temporal_end=None,
        license=None,
        license_id=None,
    )
    ds = cast(Dataset, draft)

    def resolve(_ref: str | None, _errors: FieldErrors) -> Organization:
        return org

    values = fields_to_apply(data, "create")
    if not values.get("measures"):
        values.pop("measures", None)  # the list has no measures: skip an empty lookup
    key = tuple(tuple(v) if isinstance(v, list) else v for v in map(values.get, _REF_FIELDS))
    hit = memo.get(key)
    if hit is not None:
        for field in _REF_FIELDS:
            values.pop(field, None)
    with session.no_autoflush:
        apply_fields(session, ds, values, errors, resolve)
        if hit is not None:
            for field, messages in hit[0].items():
                errors.fields[field] = list(messages)
            ds.tags, ds.categories, ds.license = list(hit[1]), list(hit[2]), hit[3]
            ds.license_id = hit[3].id if hit[3] is not None else None
        else:
            memo[key] = (
                {f: m for f, m in errors.fields.items() if f in _REF_FIELDS},
                list(ds.tags),
                list(ds.categories),
                ds.license,
            )
        for position, item in enumerate(data.resources or []):
            res = cast(Resource, _Draft(extras={}, position=position))
            fill_resource(session, res, item, errors, f"resources__{position}__")
            ds.resources.append(res)
    return ds, errors


def _plan_group(
    session: Session,
    org: Organization,
    group: Group,
    known: dict[str, tuple[str, int]],
    memo: RefMemo,
    loaded: dict[str, Dataset],
) -> PlannedDataset:
    vocab = vocabulary(session)
    rowmap.build(group, vocab)
    values = dict(group.values)
    values["owner_org"] = org.id
    values["spatial_code"] = org.code
    title = str(values.get("title") or "")
    planned = PlannedDataset(
        key=group.key,
        title=title,
        organization_id=org.id,
        rows=[r.number for r in group.rows],
        outcome="error",
    )
    if any(i.level == "error" for i in group.issues):
        return planned
    try:
        data, _notes = place_references(vocab, DatasetCreate(**values))
    except ValidationError as exc:
        _map_errors(group, _pydantic_fields(exc))
        return planned
    transient, errors = _check(session, org, data, memo)
    if errors:
        _map_errors(group, errors.fields)
        return planned
    keys = [k for k in MANAGED if k != "resources"] + ["resources"]
    match = known.get(group.key)
    if match is None:
        planned.outcome = "new"
        planned.values = data.model_dump(mode="json", exclude_none=True)
        return planned
    current = loaded.get(match[0])
    if current is None:  # deleted since the index was read
        planned.outcome = "new"
        planned.values = data.model_dump(mode="json", exclude_none=True)
        return planned
    extras = {k: v for k, v in (current.extras or {}).items() if k not in MANAGED_EXTRAS}
    extras.update(data.extras or {})
    transient.extras = extras
    resources = []
    by_url = {(r.download_url or r.url): r.id for r in current.resources}
    for res in data.resources or []:
        resources.append(res.model_copy(update={"id": by_url.get(res.download_url or res.url)}))
    before, after = _snapshot(current, keys), _snapshot(transient, keys)
    planned.changes = [k for k in keys if before[k] != after[k]]
    planned.dataset_id, planned.dataset_name = current.id, current.name
    planned.revision = current.revision
    planned.outcome = "update" if planned.changes else "unchanged"
    patch = data.model_copy(update={"extras": extras, "resources": resources})
    planned.values = patch.model_dump(mode="json", include=set(MANAGED) | {"owner_org"})
    return planned


def preview(
    session: Session,
    actor: Actor,
    organization: str,
    parsed: ParsedList,
    progress: ProgressFn | None = None,
) -> UploadPlan:
    """The plan for `parsed` uploaded into `organization` (id or name); writes nothing.

    Errors: NotFound (no such organisation), Forbidden (actor may not edit it).
    """
    org = references.organization(session, organization)
    if org is None:
        raise NotFound(f"Organization {organization!r} not found")
    require_role(actor, org.id, "editor", f"upload datasets into {org.name}")
    file_issues: list[Issue] = [
        Issue(
            1,
            header,
            "列「%(column)s」はオープンデータ一覧の項目ではありません。値は各データセットの"
            "追加情報（extras）に「%(column)s」として保存します",
            {"column": header},
            "warning",
        )
        for header in parsed.unknown_headers
    ]
    groups: dict[tuple[str, str], Group] = {}
    orphans: list[Issue] = []
    for row in parsed.rows:
        code = row.values.get("municipality_code")
        row_org: Organization | None = org
        if code:
            row_org = _code_org(session, actor, org, code, row.number, orphans)
        key = (row_org.id if row_org else org.id, rowmap.group_key(row))
        group = groups.setdefault(key, Group(key=key[1], rows=[]))
        group.rows.append(row)
        if row_org is None:
            group.issues.extend(i for i in orphans if i.row == row.number)
    known: dict[str, dict[str, tuple[str, int]]] = {}
    orgs = {org.id: org}
    planned: list[PlannedDataset] = []
    memo: RefMemo = {}
    issues: list[Issue] = list(file_issues)
    done = 0
    for org_id, _key in groups:
        if org_id not in orgs:
            found = session.get(Organization, org_id)
            assert found is not None
            require_role(actor, found.id, "editor", f"upload datasets into {found.name}")
            orgs[org_id] = found
        if org_id not in known:
            known[org_id] = bulk_repo.identities(session, org_id)
    matched = (known[org_id].get(key) for org_id, key in groups)
    loaded = bulk_repo.load_many(session, (m[0] for m in matched if m is not None))
    with session.no_autoflush:
        for (org_id, _key), group in groups.items():
            org_known = known[org_id]
            planned.append(_plan_group(session, orgs[org_id], group, org_known, memo, loaded))
            issues.extend(group.issues)
            done += len(group.rows)
            if progress is not None:
                progress(done, len(parsed.rows))
    for obj in list(session.new):  # tags the transient checks created
        session.expunge(obj)
    out_rows: list[RowOut] = []
    for index, (plan, group) in enumerate(zip(planned, groups.values(), strict=True)):
        for row in group.rows:
            out_rows.append(
                RowOut(row=row.number, title=plan.title, outcome=plan.outcome, dataset=index)
            )
    out_rows.sort(key=lambda r: r.row)
    issues.sort(key=lambda i: (i.row, i.level != "error"))
    return UploadPlan(
        encoding=parsed.encoding,
        organization_id=org.id,
        organization_name=org.name,
        organization_title=org.title,
        rows=out_rows,
        datasets=planned,
        issues=[
            IssueOut(
                row=i.row,
                column=_column(parsed, i.column) if i.column in HEADERS else i.column,
                msgid=i.msgid,
                params=i.params,
                level=i.level,
            )
            for i in issues
        ],
    )


class _Names:
    """e-Gov style names `{org}_{YYYYMMDD}_{NNNN}` (the rule of `create_dataset` for a dataset
    without a name), numbered here for the whole batch: the service would read every name
    with the prefix for each dataset (quadratic in a 10,000-row list) and wrap each insert in
    a savepoint; with an explicit name it checks the name once and inserts plainly."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.next: dict[str, int] = {}

    def take(self, org_name: str) -> str:
        prefix = f"{org_name}_{utcnow():%Y%m%d}_"
        if prefix not in self.next:
            taken = repo.names_with_prefix(self.session, prefix)
            numbers = [int(n[len(prefix) :]) for n in taken if n[len(prefix) :].isdigit()]
            self.next[prefix] = max(numbers, default=0) + 1
        number = self.next[prefix]
        self.next[prefix] += 1
        return f"{prefix}{number:04d}"


def apply(
    session: Session, actor: Actor, plan: UploadPlan, progress: ProgressFn | None = None
) -> ApplyResult:
    """Save the plan's valid datasets in the caller's transaction (it commits or rolls back
    everything); stale datasets are refused and listed. Invalid raised by the service for a
    dataset that passed the preview propagates, so the caller's rollback saves nothing."""
    result = ApplyResult()
    known: dict[str, dict[str, tuple[str, int]]] = {}
    names = _Names(session)
    org_names: dict[str, str] = {}
    for done, planned in enumerate(plan.datasets, start=1):
        if progress is not None:
            progress(done, len(plan.datasets))
        if planned.outcome == "error":
            result.skipped_rows.extend(planned.rows)
            continue
        if planned.organization_id not in known:
            known[planned.organization_id] = bulk_repo.identities(session, planned.organization_id)
        now = known[planned.organization_id].get(planned.key)
        if planned.outcome == "unchanged":
            if now is not None and now[1] == planned.revision:
                result.unchanged += 1
            else:
                result.stale.append((planned.title, planned.rows))
            continue
        if planned.outcome == "new":
            if now is not None:
                result.stale.append((planned.title, planned.rows))
                continue
            org_id = planned.organization_id
            if org_id not in org_names:
                found = session.get(Organization, org_id)
                org_names[org_id] = found.name if found is not None else org_id
            data = DatasetCreate(**planned.values, name=names.take(org_names[org_id]))
            out = datasets.create_dataset(session, actor, data)
            result.created.append((out.name, out.title))
            continue
        assert planned.dataset_id is not None
        if now is None or now[0] != planned.dataset_id:
            result.stale.append((planned.title, planned.rows))
            continue
        try:
            out = datasets.update_dataset(
                session,
                actor,
                planned.dataset_id,
                DatasetPatch(**planned.values),
                mode="patch",
                if_match=planned.revision,
            )
        except (PreconditionFailed, NotFound):
            result.stale.append((planned.title, planned.rows))
            continue
        result.updated.append((out.name, out.title))
    return result
