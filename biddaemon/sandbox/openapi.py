"""The sandbox's OpenAPI document, as committed in docs/sandbox-openapi.json.

Regenerate after changing a route or a schema:

    .venv/bin/python -m biddaemon.sandbox.openapi > docs/sandbox-openapi.json

A test fails while the committed file differs from what the app generates.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

from biddaemon.sandbox.app import create_app
from biddaemon.sandbox.config import SandboxConfig
from biddaemon.sandbox.runtime import Sandbox

# The document does not depend on the market; a fixed, frozen one keeps generation reproducible.
_QUIET = SandboxConfig(start=datetime(2027, 1, 5, 10, tzinfo=UTC), speed=0)


def openapi_document() -> dict[str, Any]:
    return create_app(Sandbox(_QUIET)).openapi()


def render() -> str:
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
