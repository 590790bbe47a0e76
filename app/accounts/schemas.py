"""Account records for the API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.common.text import Email, Line, Ref
from app.timeutil import Timestamp

# Argon2 hashes any length; a bound keeps one login from costing seconds of hashing.
PASSWORD_MAX = 1_024
# The shortest password accepted (account creation and password change).
PASSWORD_MIN = 8


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Ref
    password: str = Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)
    fullname: Line = ""
    email: Email = ""
    sysadmin: bool = False


class UserOut(BaseModel):
    id: str
    name: str
    fullname: str
    email: str
    sysadmin: bool
    created: Timestamp


class TokenCreate(BaseModel):
    """Create a token for yourself (authenticated by token, or by name + password)."""

    model_config = ConfigDict(extra="forbid")

    name: Line = ""
    user: Ref | None = Field(default=None, description="user name, with password")
    password: str | None = Field(default=None, max_length=PASSWORD_MAX)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    id: str
    name: str
    prefix: str
    created: Timestamp
    expires_at: Timestamp | None
    last_used: Timestamp | None
    revoked_at: Timestamp | None


class NewToken(TokenOut):
    token: str = Field(description="shown once; only its hash is stored")


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: Ref
    role: str = Field(pattern="^(member|editor|admin)$")


class MemberOut(BaseModel):
    user: str
    organization: str
    role: str
