"""The sandbox's documented defaults, in one place so `--help`, the docs and tests agree.

The credentials are deliberately public: the sandbox is a rehearsal market on loopback, and a
daemon pointed at it with these values must work without any setup.
"""

from __future__ import annotations

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_SEED = 1
DEFAULT_CLIENT_ID = "sandbox-client"
DEFAULT_API_KEY = "sandbox-api-key"  # public on purpose: a rehearsal market on loopback
DEFAULT_PROVIDER_ID = "sandbox-provider"
DEFAULT_PROVIDER_NAME = "Sandbox Flex Ltd"
DEFAULT_TOKEN_LIFETIME_SECONDS = 3600
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
