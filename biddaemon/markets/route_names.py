"""How a market call is named in logs, errors and metrics: the path as sent, or its template.

A metrics label must not carry ids (one series per competition would grow without end), so
`route_template` replaces every segment that is not a fixed word or a version with `{id}`.
"""

from __future__ import annotations

import re

import httpx


def raw_path(url: httpx.URL) -> str:
    """The path as sent, undecoded (what an operator would type)."""
    return url.raw_path.decode("ascii", "replace")


_STATIC_SEGMENT = re.compile(r"^(v\d+|[a-z]+(-[a-z]+)*)$")


def route_template(url: str) -> str:
    """The route with ids replaced (`/competitions/v1/{id}/`), a safe metrics label."""
    path = httpx.URL(url).path
    segments = [s if not s or _STATIC_SEGMENT.match(s) else "{id}" for s in path.split("/")]
    return "/".join(segments)


def route_as_named(url: str) -> str:
    """The route as the client named it; for an absolute URL (a page link) its path and query."""
    target = httpx.URL(url)
    return raw_path(target) if target.is_absolute_url else url
