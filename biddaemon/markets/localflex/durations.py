"""ISO 8601 durations (`PT30M`, `PT1H30M`, `P1DT2H`), LocalFlex's format for asset times.

The inventory file writes durations the same way, so it reads them with these functions too.
Years and months are refused (their length depends on the calendar) and so are fractions of a
second (no platform takes them).
"""

from __future__ import annotations

import re
from datetime import timedelta

_ISO_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_iso_duration(text: object) -> timedelta:
    """`PT30M`, `PT1H30M`, `P1DT2H`, `PT45S`, `P2W` -> timedelta."""
    cleaned = text.strip().upper() if isinstance(text, str) else ""
    match = _ISO_DURATION.match(cleaned)
    if match is None or cleaned == "P":
        raise ValueError(
            f"expected an ISO 8601 duration such as PT30M or PT1H30M, got {str(text)[:40]!r}"
        )
    parts = {name: int(value) for name, value in match.groupdict().items() if value is not None}
    return timedelta(**parts)


def format_iso_duration(value: timedelta) -> str:
    """timedelta -> the shortest ISO 8601 form: `PT30M`, `PT1H30M`, `P1DT2H`, `PT0S`."""
    if value < timedelta(0):
        raise ValueError("a duration must not be negative")
    if value.microseconds:
        raise ValueError("durations are whole seconds")
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    date_part = f"{value.days}D" if value.days else ""
    units = ((hours, "H"), (minutes, "M"), (seconds, "S"))
    time_part = "".join(f"{amount}{unit}" for amount, unit in units if amount)
    if not date_part and not time_part:
        return "PT0S"
    return f"P{date_part}" + (f"T{time_part}" if time_part else "")
