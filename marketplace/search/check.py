"""`flask search check`: does this host's index hold exactly what the database says it should?"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from marketplace.search import documents, index, sync

SHOWN = 10


@dataclass
class KindReport:
    """Differences for one kind of document."""

    kind: str
    in_database: int = 0
    in_index: int = 0
    missing: list[int] = field(default_factory=list)  # should be indexed, are not
    extra: list[int] = field(default_factory=list)  # indexed, should not be
    stale: list[int] = field(default_factory=list)  # indexed with an outdated document


@dataclass
class CheckReport:
    """The whole comparison."""

    available: bool
    pending: int | None
    kinds: list[KindReport] = field(default_factory=list)
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when the index matches the database."""
        return self.available and not any(k.missing or k.extra or k.stale for k in self.kinds)

    def lines(self) -> list[str]:
        """The report in words."""
        if not self.available:
            return [f"No usable index: {self.problem}. Run `flask search reindex`."]
        out = [f"Events recorded but not yet applied here: {self.pending or 0}."]
        for k in self.kinds:
            out.append(f"{k.kind}: {k.in_database:,} in the database, {k.in_index:,} in the index; "
                       f"{len(k.missing)} missing, {len(k.extra)} extra, {len(k.stale)} stale.")
            for label, ids in (("missing", k.missing), ("extra", k.extra), ("stale", k.stale)):
                if ids:
                    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
                    out.append(f"  {label}: {', '.join(map(str, ids[:SHOWN]))}{more}")
        out.append("The index matches the database." if self.ok else "The index differs from the database.")
        return out


def compare(session, root: Path) -> CheckReport:
    """Compare every document the database would index with what the index holds."""
    build = index.current_build(root)
    if build is None:
        return CheckReport(False, None, problem="no index has been built on this host")
    try:
        index.check_build(build)
    except index.IndexUnavailable as error:
        return CheckReport(False, None, problem=str(error))
    report = CheckReport(True, sync.pending_events(session, root))
    for kind, loader in documents.LOADERS.items():
        expected = {int(doc["id"]): doc["sig"] for doc in loader(session)}
        actual = index.stored_signatures(build, kind)
        report.kinds.append(KindReport(
            kind, len(expected), len(actual),
            missing=sorted(set(expected) - set(actual)), extra=sorted(set(actual) - set(expected)),
            stale=sorted(i for i in set(expected) & set(actual) if expected[i] != actual[i])))
    return report
