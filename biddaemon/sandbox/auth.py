"""Machine-user authentication: credentials for a JWT, and the JWT checked on every call.

Tokens are real HS256 JWTs (signed with a secret made at start-up) whose `exp` is counted on the
sandbox clock, so a test can make one expire by advancing the clock instead of waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from biddaemon.sandbox.clock import SandboxClock


class AuthenticationFailed(Exception):
    """The request gets `401 {"detail": str(error)}`; the message never echoes a secret."""


@dataclass(frozen=True)
class Credentials:
    client_id: str
    api_key: str
    provider_id: str

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id!r}, api_key='**********')"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    def __init__(
        self, credentials: Credentials, lifetime_seconds: int, clock: SandboxClock
    ) -> None:
        if lifetime_seconds <= 0:
            raise ValueError("token lifetime must be positive")
        self._credentials = credentials
        self._lifetime = timedelta(seconds=lifetime_seconds)
        self._clock = clock
        self._secret = secrets.token_bytes(32)

    def _sign(self, signing_input: str) -> str:
        return _b64(hmac.new(self._secret, signing_input.encode("ascii"), hashlib.sha256).digest())

    def issue(self, client_id: object, api_key: object) -> str:
        expected = self._credentials
        valid = (
            isinstance(client_id, str)
            and isinstance(api_key, str)
            and hmac.compare_digest(client_id.encode(), expected.client_id.encode())
            and hmac.compare_digest(api_key.encode(), expected.api_key.encode())
        )
        if not valid:
            raise AuthenticationFailed("Invalid client_id or api_key.")
        now = self._clock.now()
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        claims = {
            "sub": expected.client_id,
            "provider": expected.provider_id,
            "iat": int(now.timestamp()),
            "exp": int((now + self._lifetime).timestamp()),
        }
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{header}.{payload}.{self._sign(f'{header}.{payload}')}"

    def verify(self, authorization: str | None) -> str:
        """The provider id behind an `Authorization: Bearer` header, or AuthenticationFailed."""
        if not authorization:
            raise AuthenticationFailed("Authentication credentials were not provided.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationFailed("Authorization header must be 'Bearer <token>'.")
        try:
            header, payload, signature = token.split(".")
            good = hmac.compare_digest(signature, self._sign(f"{header}.{payload}"))
            claims = json.loads(_unb64(payload)) if good else None
        except ValueError:
            good, claims = False, None
        if not good or not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            raise AuthenticationFailed("Given token not valid for any token type")
        if self._clock.now().timestamp() >= claims["exp"]:
            raise AuthenticationFailed("Token is expired")
        return str(claims.get("provider", ""))
