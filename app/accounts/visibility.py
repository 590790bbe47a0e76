"""Who may see which dataset, and which of its history: the one visibility rule.

Every surface asks this module: `package_show` and the native dataset routes
(`can_read_dataset`), every SQL listing, count and dump (`public_clause`, `listed_clause`),
the activity streams (`activity_view`) and the change feed (`feed_view`). The rule, after
CKAN's authorisation functions (`package_show`, `package_activity_list`):

- a dataset is public when it is active and not private;
- members of the owning organisation (any role) and sysadmins also see its private and draft
  states; deleted ones only editors and sysadmins (never in lists);
- a history entry recorded while the dataset was not public is for those insiders only, and
  an outsider never sees a diff whose old values come from a non-public period (the diff of
  the change that published a private dataset is withheld; its snapshot is public).
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import ColumnElement, and_, or_, true

from app.accounts.actor import Actor
from app.models import Dataset
from app.models.search import SearchDoc

# The mapped classes with the three columns the rule reads.
_Columns = type[Dataset] | type[SearchDoc]


def is_public(private: bool, state: str) -> bool:
    return state == "active" and not private


def can_read_dataset(actor: Actor, owner_org: str, private: bool, state: str) -> bool:
    """package_show: may the actor read a dataset in this state?"""
    if is_public(private, state):
        return True
    if state == "deleted":
        return actor.has_role(owner_org, "editor")
    # private or draft: any member of the organisation
    return actor.has_role(owner_org, "member")


def sees_hidden_states(actor: Actor, owner_org: str | None) -> bool:
    """Whether the actor may read the organisation's private and draft datasets (and so
    their whole history)."""
    return owner_org is not None and can_read_dataset(actor, owner_org, True, "draft")


def public_clause(model: _Columns) -> ColumnElement[bool]:
    """SQL: the rows `is_public` accepts."""
    return and_(model.state == "active", model.private.is_(False))


def listed_clause(
    actor: Actor,
    model: _Columns,
    *,
    include_private: bool = True,
    include_drafts: bool = True,
) -> ColumnElement[bool]:
    """SQL: the rows the actor may see in a list (deleted ones are never listed).

    `include_private` / `include_drafts` narrow it further (CKAN's package_search options).
    """
    conditions: list[ColumnElement[bool]] = [model.state != "deleted"]
    if not actor.sysadmin:
        orgs = sorted(actor.readable_org_ids())
        public = public_clause(model)
        conditions.append(or_(public, model.owner_org.in_(orgs)) if orgs else public)
    if not include_private:
        conditions.append(model.private.is_(False))
    if not include_drafts:
        conditions.append(model.state == "active")
    return and_(true(), *conditions)


ActivityView = Literal["full", "without_diff", "hidden"]


def activity_view(
    actor: Actor, owner_org: str | None, public: bool, was_public: bool | None
) -> ActivityView:
    """How an activity shows to the actor.

    `public`: the dataset was public after the change; `was_public`: it was public after the
    previous change (None for the first one, whose diff has no old values).
    """
    if sees_hidden_states(actor, owner_org):
        return "full"
    if not public:
        return "hidden"
    if was_public is False:
        return "without_diff"  # old values are the non-public period's
    return "full"


FeedView = Literal["upsert", "delete", "skip"]


def feed_view(public: bool, was_public: bool | None) -> FeedView:
    """The anonymous change feed: an upsert while public, one tombstone when it stops being
    public, nothing about a dataset while it is not public."""
    if public:
        return "upsert"
    if was_public:
        return "delete"
    return "skip"
