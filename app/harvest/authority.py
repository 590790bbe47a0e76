"""Where a harvest source may write: the organisations its owner may write to.

A source belongs to its organisation (whose admins manage it) and to the user who created it.
It writes into its own organisation, and into any other only when its creator may edit
datasets there (the same `Actor.has_role` rule as a dataset write; a sysadmin's source writes
anywhere). A source made by the system (the `catalog harvest source add` command, no user)
is the operator's, and is not limited. With `remote_organizations` on, a remote record naming
an organisation outside that set goes to the source's organisation, or is refused when the
source's config says `outside_organizations: "refuse"`; either way the record's message says
so (issue 10 item 4).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.accounts import repository as accounts_repo
from app.accounts.actor import Actor
from app.accounts.service import actor_for
from app.harvest import repository as repo
from app.models import HarvestSource


def writable_organizations(session: Session, source: HarvestSource) -> frozenset[str] | None:
    """Names of the organisations the source may write into; None when it is not limited."""
    if source.creator_user_id is None:
        return None
    user = accounts_repo.user_by_name_or_id(session, source.creator_user_id)
    owner = actor_for(session, user) if user is not None else Actor()
    if owner.sysadmin:
        return None
    org_ids = [source.organization_id] + [
        org_id for org_id in owner.roles if owner.has_role(org_id, "editor")
    ]
    return frozenset(repo.org_names(session, org_ids).values())
