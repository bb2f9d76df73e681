"""Converting instants entered in an institution's time zone to UTC, and back for display."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from marketplace.errors import DomainError


def local_to_utc(local: datetime, tz: str) -> datetime:
    """Interpret a naive wall-clock time in `tz` and return the UTC instant.

    A time that does not exist (the hour skipped when clocks spring forward) is refused; in
    the repeated hour when clocks fall back, the first occurrence (daylight time) is used.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    zone = ZoneInfo(tz)
    aware = local.replace(tzinfo=zone, fold=0)
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != local:
        raise DomainError(
            f"{local:%b %-d, %Y %-I:%M %p} does not exist in {tz} (the clocks skip that hour). "
            "Choose another time.",
            {"closes_at": ["That local time does not exist because of the daylight-saving change."]},
        )
    return aware.astimezone(UTC)


def utc_to_local(instant: datetime, tz: str) -> datetime:
    """The instant as an aware datetime in `tz`."""
    return instant.astimezone(ZoneInfo(tz))
