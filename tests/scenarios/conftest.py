"""Fixtures of the reliability scenarios: a Redis of the test's own (from the worker tests)."""

from __future__ import annotations

from tests.console.test_worker_killed import redis_url

__all__ = ["redis_url"]
