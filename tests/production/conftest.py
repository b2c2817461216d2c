"""Fixtures of the production tests."""

from __future__ import annotations

import pytest

TOKEN = "metrics-token-for-tests-0123456789abcdef"


@pytest.fixture
def metrics_on(settings, tmp_path):  # type: ignore[no-untyped-def]
    """/metrics enabled with a bearer token; counters in a store of this test's own.

    On Redis (CI) the per-test cache prefix already separates the counters; in the embedded
    mode the SQLite counter file moves to the test's folder.
    """
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.METRICS_ENABLED = True
    settings.METRICS_SQLITE_PATH = tmp_path / "metrics.sqlite3"
    return settings
