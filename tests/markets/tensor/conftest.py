"""Fixtures for the tensor client tests: its simulator on loopback, as in tests/inventory."""

from __future__ import annotations

from tests.inventory import support

_no_backoff_sleep = support._no_backoff_sleep
sandbox_server = support.sandbox_server
sandbox = support.sandbox
tensor_server = support.tensor_server
tensor = support.tensor
