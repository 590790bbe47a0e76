"""What an action receives, and the table entry the router dispatches on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.actor import Actor
from app.config import Settings


@dataclass(frozen=True)
class ActionContext:
    session: Session
    actor: Actor
    settings: Settings


ActionFn = Callable[[ActionContext, dict[str, Any]], Any]


@dataclass(frozen=True)
class Action:
    fn: ActionFn
    # CKAN's side_effect_free: the only actions that may be called by GET.
    read: bool
