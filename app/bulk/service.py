"""Bulk upload of an オープンデータ一覧: preview (writes nothing) and apply (one transaction).

`preview(session, actor, organization, parsed)` -> `UploadPlan`: every row's outcome (new,
update with the fields that change, unchanged, error) and every issue by row (as numbered in
Excel, header = row 1) and column. Validation is the dataset service's own: the values go
through the same pydantic schema (`DatasetCreate`), `app.datasets.placement.place_references`
(unknown licences/categories kept as `remote_*` extras, as for imported records), and
`apply_fields` + the resource filler applied to a draft object (`app.bulk.validate`), under
`no_autoflush` (tags it would create are expunged at the end): a preview flushes nothing and
needs no savepoint.

Identity: organisation + データセット_ID, stored in the dataset's extra `identifier`
(dct:identifier: the publisher's own id); a row without an ID is matched by its exact title
within the organisation.

`apply(session, actor, plan)`: creates (e-Gov style names numbered for the batch) and patches
through `create_dataset`/`update_dataset`
in the caller's transaction (so all rows or none); rows in error are skipped and listed; a
dataset changed since the preview (revision differs, or created meanwhile) is refused as stale
and listed, never overwritten. Unchanged datasets are not touched (no revision, no feed entry).
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.accounts.permissions import require_role
from app.bulk import repository as bulk_repo
from app.bulk import rows as rowmap
from app.bulk.columns import HEADERS
from app.bulk.normalise import nfkc
from app.bulk.open_data_list import ParsedList
from app.bulk.plan import (
    ApplyResult,
    IssueOut,
    PlannedDataset,
    ProgressFn,
    RowOut,
    UploadPlan,
)
from app.bulk.rows import Group, Issue
from app.bulk.validate import RefMemo, check, map_errors, pydantic_fields, snapshot
from app.catalog import references
from app.datasets import repository as repo
from app.datasets import service as datasets
from app.datasets.assemble import vocabulary
from app.datasets.placement import place_references

# The resource filler replace_resources uses for each item: the same rules, on a draft.
from app.datasets.schemas import DatasetCreate, DatasetPatch
from app.errors import NotFound, PreconditionFailed
from app.models import Dataset, Organization
from app.organizations.codes import is_valid_lg_code, lg_check_digit
from app.timeutil import utcnow

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
        map_errors(group, pydantic_fields(exc))
        return planned
    transient, errors = check(session, org, data, memo)
    if errors:
        map_errors(group, errors.fields)
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
    before, after = snapshot(current, keys), snapshot(transient, keys)
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
            "追加情報（extras）に「%(key)s」として保存します",
            {"column": header, "key": rowmap.extra_key(header)},
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
            self.next[prefix] = repo.next_serial(self.session, prefix)
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


__all__ = ["ApplyResult", "IssueOut", "PlannedDataset", "RowOut", "UploadPlan", "apply", "preview"]
