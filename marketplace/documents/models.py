"""Uploaded files: stored outside static/ under generated names, with their SHA-256."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, intpk


class Document(Base):
    """One uploaded file. `storage_name` is generated; `filename` is the sanitized original."""

    __tablename__ = "documents"

    id: Mapped[intpk]
    storage_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    vendor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vendors.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]

    __table_args__ = (sa.CheckConstraint("size_bytes >= 0", name="size_nonnegative"),)
