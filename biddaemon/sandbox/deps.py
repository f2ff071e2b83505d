"""What every route asks FastAPI for: the running Sandbox its app was made for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from biddaemon.sandbox.runtime import Sandbox


def sandbox_of(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


SandboxDep = Annotated[Sandbox, Depends(sandbox_of)]
