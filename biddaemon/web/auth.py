"""Who may see the pages: anyone on loopback, otherwise whoever holds the dashboard token.

The token is given either as `Authorization: Bearer <token>` (scripts, a reverse proxy) or once,
in the login form, which sets a cookie. The cookie holds an HMAC of a fixed text keyed with the
token, never the token itself: it stays valid across restarts while the token is unchanged, and
changing the token logs everyone out. The token never travels in a URL (it would reach logs).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from pydantic import SecretStr

COOKIE = "biddaemon_dashboard"
COOKIE_MAX_AGE = 30 * 24 * 3600
_SESSION_TEXT = b"biddaemon dashboard session v1"


class Guard:
    """Checks a request's bearer token or session cookie against the configured token."""

    def __init__(self, token: SecretStr | None) -> None:
        self._token = token.get_secret_value().encode() if token else None

    @property
    def required(self) -> bool:
        return self._token is not None

    def session_value(self) -> str:
        assert self._token is not None
        return hmac.new(self._token, _SESSION_TEXT, hashlib.sha256).hexdigest()

    def allows(self, headers: Mapping[str, str]) -> bool:
        if self._token is None:
            return True
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self._token):
            return True
        cookie = _cookie(headers.get("cookie", ""))
        return cookie is not None and hmac.compare_digest(cookie, self.session_value())

    def login(self, form_body: bytes) -> bool:
        """Whether the login form's `token` field is the token."""
        if self._token is None:
            return True
        fields = parse_qs(form_body.decode("utf-8", "replace"), max_num_fields=4)
        given = (fields.get("token") or [""])[0].strip().encode()
        return hmac.compare_digest(given, self._token)

    def set_cookie(self) -> str:
        return (
            f"{COOKIE}={self.session_value()}; Max-Age={COOKIE_MAX_AGE}; Path=/; HttpOnly; "
            "SameSite=Strict"
        )


def _cookie(header: str) -> str | None:
    try:
        jar: SimpleCookie = SimpleCookie(header)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this server, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
