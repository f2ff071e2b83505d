"""The OpenAPI document in docs/sandbox-openapi.json is exactly what the app generates.

After changing a route or a schema, regenerate it:

    .venv/bin/python -m biddaemon.sandbox.openapi > docs/sandbox-openapi.json
"""

from __future__ import annotations

import json
from pathlib import Path

from biddaemon.sandbox import SandboxServer
from biddaemon.sandbox.openapi import openapi_document, render
from biddaemon.sandbox.operations import MARKET_OPERATIONS

from .conftest import ANYONE

COMMITTED = Path(__file__).parents[2] / "docs" / "sandbox-openapi.json"


def test_the_committed_document_is_what_the_app_generates() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(), (
        "docs/sandbox-openapi.json is stale: run "
        "`.venv/bin/python -m biddaemon.sandbox.openapi > docs/sandbox-openapi.json`"
    )


def test_the_running_sandbox_serves_the_same_document(sandbox: SandboxServer) -> None:
    served = ANYONE.get(f"{sandbox.base_url}/openapi.json").json()
    assert served == json.loads(COMMITTED.read_text(encoding="utf-8"))


def test_every_market_operation_is_documented_with_drf_errors() -> None:
    operations = {
        operation["operationId"]: operation
        for path in openapi_document()["paths"].values()
        for operation in path.values()
    }
    assert set(MARKET_OPERATIONS) <= operations.keys()
    assert not any("422" in o["responses"] for o in operations.values())
    ballot = operations["submit_ballot"]["requestBody"]["content"]["application/json"]
    assert ballot["schema"] == {"$ref": "#/components/schemas/BallotRequest"}
    assert operations["list_ballots"]["security"] == [{"HTTPBearer": []}]
