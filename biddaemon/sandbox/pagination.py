"""Django REST Framework page-number pagination, so clients must follow `next` to see it all.

A list answers with a bare JSON array while it fits in the default page size and nobody asked for
pages; otherwise with `{"count", "next", "previous", "results"}` and absolute `next`/`previous`
URLs (`?page=N&page_size=M`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from fastapi import Request

from biddaemon.sandbox.defaults import MAX_PAGE_SIZE
from biddaemon.sandbox.market import NotFound
from biddaemon.sandbox.schemas import Page

T = TypeVar("T")


def _positive_int(text: str | None, default: int) -> int | None:
    if text is None:
        return default
    return int(text) if text.isdigit() and int(text) > 0 else None


def paginate(request: Request, items: Sequence[T], default_size: int) -> list[T] | Page[T]:
    params = request.query_params
    asked = "page" in params or "page_size" in params
    if not asked and len(items) <= default_size:
        return list(items)
    size = _positive_int(params.get("page_size"), default_size)
    size = default_size if size is None else min(size, MAX_PAGE_SIZE)
    page = _positive_int(params.get("page"), 1)
    pages = max(1, -(-len(items) // size))
    if page is None or page > pages:
        raise NotFound("page", detail="Invalid page.")
    url = request.url
    following = str(url.include_query_params(page=page + 1)) if page < pages else None
    if page == 1:
        preceding = None
    elif page == 2:
        preceding = str(url.remove_query_params("page"))
    else:
        preceding = str(url.include_query_params(page=page - 1))
    return Page(
        count=len(items),
        next=following,
        previous=preceding,
        results=list(items[(page - 1) * size : page * size]),
    )
