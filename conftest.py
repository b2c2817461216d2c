"""Repository-wide pytest set-up: shared plugins, and each pytest-xdist worker's own services.

plexsim provides the fake plex.tv fixtures, tests.personas the cast every view test signs in as
(owner, co_admin, member, …). With `-n N` (`make test`) every worker gets its own Redis
database and var folder (tests/workers.py).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.workers import worker_environment

pytest_plugins = ["plexsim.pytest_plugin", "tests.personas"]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config: Any, specs: list[Any]) -> None:
    """Before the workers start: execnet sets a spec's env in the worker before pytest, and
    so Django, starts there."""
    for index, spec in enumerate(specs):
        spec.env.update(worker_environment(index, os.environ))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the process-stack group first: it is the longest unit of work (it stays on
    one worker), so it starts at once and the other worker spreads everything else around it.
    A stable sort: each side keeps its order, the same in every worker and every run."""
    if getattr(config.option, "dist", "no") == "no":
        return
    items.sort(key=lambda item: not _in_group(item, "process-stacks"))


def _in_group(item: pytest.Item, name: str) -> bool:
    marker = item.get_closest_marker("xdist_group")
    return marker is not None and (marker.args[:1] == (name,) or marker.kwargs.get("name") == name)
