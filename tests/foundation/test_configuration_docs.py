"""Every variable the settings read is documented once in .env.example and in the README."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = re.compile(r'(?:env_(?:str|bool|int|list)|_secret)\(\s*"([A-Z][A-Z0-9_]+)"')


def variables_read_by_settings() -> set[str]:
    names: set[str] = set()
    for path in [ROOT / "plexadmin" / "settings.py"]:
        names.update(READERS.findall(path.read_text()))
    return names


def test_every_variable_is_in_env_example_exactly_once() -> None:
    lines = [
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert len(lines) == len(set(lines)), "a variable is listed twice"
    assert variables_read_by_settings() <= set(lines)


def test_every_variable_has_a_row_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert variables_read_by_settings() <= rows
