"""What the operation groups of `PlexTV` share: config, transport and library lookup."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from plextv.call import Call
from plextv.config import ClientConfig
from plextv.errors import BadRequest
from plextv.models import Section
from plextv.transport import Payload, Transport

LibraryRef = int | str | Section
"""A library given as plex.tv's global id or the server's key (int), its title (str), or a
`Section`. An int that is the global id of one library and the key of another is refused."""


class ClientBase:
    config: ClientConfig
    _transport: Transport

    def _call(self, call: Call) -> Payload:
        """Execute a call built by a client method and give back its decoded answer."""
        return self._transport.execute(call).payload


def resolve_libraries(refs: Iterable[LibraryRef], sections: Sequence[Section]) -> list[int]:
    """Global section ids for library references, checked against a server's libraries."""
    by_global = {s.global_id: s for s in sections}
    by_key = {s.key: s for s in sections if s.key is not None}
    by_title = {s.title.casefold(): s for s in sections}
    result: list[int] = []
    for ref in refs:
        if isinstance(ref, Section):
            found = by_global.get(ref.global_id)
        elif isinstance(ref, bool):
            found = None
        elif isinstance(ref, int):
            as_global, as_key = by_global.get(ref), by_key.get(ref)
            if as_global and as_key and as_global != as_key:
                raise BadRequest(
                    f"Library number {ref} is ambiguous on this server; choose it by title."
                )
            found = as_global or as_key
        else:
            found = by_title.get(ref.casefold())
        if found is None:
            raise BadRequest(f"This server has no library {ref!r}.")
        if found.global_id not in result:
            result.append(found.global_id)
    return result
