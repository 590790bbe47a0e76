"""Who is acting: a user with their organisation roles, anonymous, or the system (CLI, jobs)."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLE_RANK = {"member": 1, "editor": 2, "admin": 3}


@dataclass(frozen=True)
class Actor:
    user_id: str | None = None
    name: str = "anonymous"
    sysadmin: bool = False
    # organisation id -> role
    roles: dict[str, str] = field(default_factory=dict)

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None or self.sysadmin

    def has_role(self, organization_id: str, minimum: str) -> bool:
        if self.sysadmin:
            return True
        role = self.roles.get(organization_id)
        return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]

    def readable_org_ids(self) -> frozenset[str]:
        return frozenset(self.roles)


ANONYMOUS = Actor()
SYSTEM = Actor(name="system", sysadmin=True)
