"""Browser sessions of signed-in staff (server side; the cookie holds only a random id).

Only the SHA-256 of the session id is stored, so a leaked table cannot be replayed as cookies.
No CSRF secret is stored: the session's CSRF token is an HMAC keyed by the raw session id
(app.web.staff.csrf), so it is bound to the session, dies with it, and checking it needs no read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.timeutil import utcnow


class WebSession(Base):
    __tablename__ = "web_session"

    # hex SHA-256 of the raw session id the cookie carries
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # stamped at most once a minute (idle timeout), so reads rarely write
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
