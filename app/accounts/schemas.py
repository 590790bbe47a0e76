"""Account records for the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    password: str = Field(min_length=8)
    fullname: str = ""
    email: str = ""
    sysadmin: bool = False


class UserOut(BaseModel):
    id: str
    name: str
    fullname: str
    email: str
    sysadmin: bool
    created: datetime


class TokenCreate(BaseModel):
    """Create a token for yourself (authenticated by token, or by name + password)."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    user: str | None = Field(default=None, description="user name, with password")
    password: str | None = None
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    id: str
    name: str
    prefix: str
    created: datetime
    expires_at: datetime | None
    last_used: datetime | None
    revoked_at: datetime | None


class NewToken(TokenOut):
    token: str = Field(description="shown once; only its hash is stored")


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str
    role: str = Field(pattern="^(member|editor|admin)$")


class MemberOut(BaseModel):
    user: str
    organization: str
    role: str
