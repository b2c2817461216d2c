"""No share is ever sent with an empty library list: plex.tv reads one as "every library".

Every method that sends a library selection (v1 share creation, the v2 edit, and everything
built on them) refuses it with `EmptyLibrarySelection`, before any request when the caller
passed the empty list, and before the write when plex.tv's own answer would leave it empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from plextv import EmptyLibrarySelection, PlexTV, ShareSettings
from tests.plextv.scripted import ScriptedServer, Step

MACHINE = "0f1e2d3c4b5a69788796a5b4c3d2e1f001122334"
NO_SECTIONS_XML = (
    f'<MediaContainer><Server name="Empty" machineIdentifier="{MACHINE}"/></MediaContainer>'
)
SERVER_XML = (
    f'<MediaContainer><Server name="Example Server" machineIdentifier="{MACHINE}">'
    '<Section id="118181361" key="1" type="movie" title="Movies"/>'
    '<Section id="118251661" key="2" type="show" title="TV Shows"/>'
    '<Section id="118278404" key="4" type="photo" title="Photos"/>'
    "</Server></MediaContainer>"
)

CALLS: dict[str, Callable[[PlexTV, Any], object]] = {
    "invite_friend": lambda c, libs: c.invite_friend(MACHINE, "bob@example.com", libs),
    "share_with_user": lambda c, libs: c.share_with_user(MACHINE, 222, libs),
    "ensure_shared": lambda c, libs: c.ensure_shared(MACHINE, "bob@example.com", libs),
    "update_share": lambda c, libs: c.update_share(MACHINE, 30001, libraries=libs),
    "update_share with settings": lambda c, libs: c.update_share(
        MACHINE, 30001, libraries=libs, settings=ShareSettings(allow_sync=True)
    ),
    "create_managed_user": lambda c, libs: c.create_managed_user(
        "Kid", machine_identifier=MACHINE, libraries=libs
    ),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
@pytest.mark.parametrize("empty", [[], (), iter(())], ids=["list", "tuple", "iterator"])
def test_an_empty_selection_is_refused_before_any_request(
    client: PlexTV, scripted: ScriptedServer, call: Callable[[PlexTV, Any], object], empty: Any
) -> None:
    with pytest.raises(EmptyLibrarySelection) as raised:
        call(client, empty)
    assert scripted.seen == []
    assert "every library" in raised.value.human_message


def test_sharing_every_library_of_a_server_without_libraries_sends_nothing(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body=NO_SECTIONS_XML))
    with pytest.raises(EmptyLibrarySelection):
        client.invite_friend(MACHINE, "bob@example.com")
    assert [s.method for s in scripted.seen] == ["GET"]


def test_an_edit_of_a_share_that_lists_no_library_is_not_written(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    # A share answered with every section unshared: keeping "its libraries" would be an
    # empty list, which must not reach plex.tv.
    listing = (
        f'<MediaContainer machineIdentifier="{MACHINE}" size="1">'
        '<SharedServer id="30001" username="alice" userID="111" name="Example Server" '
        'allowSync="0" allLibraries="0" filterMovies="">'
        '<Section id="118181361" key="1" title="Movies" type="movie" shared="0"/>'
        "</SharedServer></MediaContainer>"
    )
    scripted.script(Step(body=listing))
    with pytest.raises(EmptyLibrarySelection):
        client.update_share(MACHINE, 30001, allow_sync=True)
    assert [s.method for s in scripted.seen] == ["GET"]


def test_an_all_libraries_share_answered_without_sections_keeps_every_library(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    listing = (
        f'<MediaContainer machineIdentifier="{MACHINE}" size="1">'
        '<SharedServer id="30002" username="bob" email="bob@example.com" userID="222" '
        'name="Example Server" allowSync="0" allLibraries="1" filterMovies=""/>'
        "</MediaContainer>"
    )
    scripted.script(Step(body=listing), Step(body=SERVER_XML), Step(status=204))
    client.update_share(MACHINE, 30002, allow_sync=True)
    body = json.loads(scripted.seen[-1].body)
    assert body["librarySectionIds"] == [118181361, 118251661, 118278404]
    assert body["settings"]["allowSync"] is True
