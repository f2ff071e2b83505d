"""What one opportunities cycle did, competition by competition, for the job-run record and
`once`'s output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class OpportunitiesReport:
    """What one cycle did, for the job-run record and `once`'s output."""

    opportunities: int = 0
    submitted: int = 0
    unchanged: int = 0
    rejected: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    not_sent: dict[str, str] = field(default_factory=dict)
    refused: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    unrecorded: dict[str, str] = field(default_factory=dict)
    reread: dict[str, str] = field(default_factory=dict)
    stopped_early: bool = False

    def as_details(self) -> dict[str, Any]:
        return {
            "opportunities": self.opportunities,
            "submitted": self.submitted,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "unknown": self.unknown,
            "not_sent": self.not_sent,
            "refused": self.refused,
            "skipped": self.skipped,
            "unrecorded": self.unrecorded,
            "reread": self.reread,
            "stopped_early": self.stopped_early,
        }
