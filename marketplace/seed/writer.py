"""Bulk writes for the seed: ids allocated up front, chunked Core inserts, progress on stderr."""
from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from tqdm import tqdm


class Writer:
    """Allocate primary keys and insert rows with Core `executemany`, chunk by chunk.

    Ids are assigned here rather than by the database so that child rows can be built
    before their parents are written, without a RETURNING round trip per parent. On
    PostgreSQL the sequences are moved past the new ids by `finish()`.
    """

    def __init__(self, session: Session, *, progress: bool = False, chunk_size: int = 10_000):
        self.session = session
        self.progress = progress
        self.chunk_size = chunk_size
        self.counts: Counter[str] = Counter()
        self._next_id: dict[str, int] = {}
        self.dialect = session.get_bind().dialect.name

    def new_id(self, table: sa.Table) -> int:
        """The next free id of `table` (one past the largest existing id at the start)."""
        name = table.name
        if name not in self._next_id:
            current = self.session.execute(sa.select(sa.func.max(table.c.id))).scalar()
            self._next_id[name] = (current or 0) + 1
        value = self._next_id[name]
        self._next_id[name] = value + 1
        return value

    def insert(self, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert `rows` into `table` in chunks (one executemany per chunk)."""
        if rows and "id" in table.c and "id" not in rows[0]:
            raise ValueError(f"{table.name} rows need ids from new_id()")  # else sequences diverge
        statement = sa.insert(table)
        for start in range(0, len(rows), self.chunk_size):
            self.session.execute(statement, list(rows[start:start + self.chunk_size]))
        self.counts[table.name] += len(rows)

    def bar(self, desc: str, total: int) -> tqdm:
        """A progress bar on stderr (silent unless progress was asked for)."""
        return tqdm(total=total, desc=desc, unit="row", file=sys.stderr, disable=not self.progress,
                    leave=True, dynamic_ncols=True, mininterval=0.5)

    def finish(self) -> None:
        """Move PostgreSQL sequences past the ids given out here."""
        if self.dialect != "postgresql":
            return
        for name in self._next_id:
            self.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                f" (SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
            ))
