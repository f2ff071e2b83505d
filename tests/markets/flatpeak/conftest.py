"""Fixtures for the flatpeak client tests: its simulator on loopback, as in tests/inventory."""

from __future__ import annotations

from tests.inventory import support

_no_backoff_sleep = support._no_backoff_sleep
sandbox_server = support.sandbox_server
sandbox = support.sandbox
flatpeak_server = support.flatpeak_server
flatpeak = support.flatpeak
