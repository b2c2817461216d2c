"""What plexadmin sends to plex.tv, recorded at plextv's transport (the one way out).

plexsim's request log has no bodies, and the rule "an empty library selection is never sent"
is about what leaves plexadmin whichever endpoint it goes to: so the bodies are taken where
every plex.tv call passes, in the test's own process (views and executor run there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from plextv.call import Call
from plextv.transport import Transport


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    body: Any

    @property
    def library_lists(self) -> list[Any]:
        """The library selections in this request's body (v1 creation, v2 creation or edit)."""
        if not isinstance(self.body, dict):
            return []
        found = []
        if "librarySectionIds" in self.body:
            found.append(self.body["librarySectionIds"])
        wanted = self.body.get("shared_server")
        if isinstance(wanted, dict) and "library_section_ids" in wanted:
            found.append(wanted["library_section_ids"])
        return found


class SentLog(list[Sent]):
    def empty_selections(self) -> list[Sent]:
        return [s for s in self if any(not ids for ids in s.library_lists)]

    def writes(self) -> list[Sent]:
        return [s for s in self if s.method != "GET"]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> SentLog:
    log = SentLog()
    original = Transport.execute

    def spy(self: Transport, call: Call) -> Any:
        if call.server is None:  # plex.tv's hosts, not the owner's own servers
            log.append(Sent(call.method, call.path, call.json_body))
        return original(self, call)

    monkeypatch.setattr(Transport, "execute", spy)
    return log
