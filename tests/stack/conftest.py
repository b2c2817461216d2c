"""The stack test drives the same headless Chromium as the browser tests."""

from e2e.conftest import chromium  # noqa: F401
