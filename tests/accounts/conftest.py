import socket
import threading

import pytest


@pytest.fixture
def account_read(household):  # type: ignore[no-untyped-def]
    """The account page's picture of morgan's account, read from plexsim the way the worker
    reads it (the page itself never calls plex.tv)."""
    from accounts.tasks import refresh_account_picture

    return refresh_account_picture()


@pytest.fixture
def synced(household):  # type: ignore[no-untyped-def]
    """The household as the sync stores it (what members' pages and sign-in read)."""
    from sharing.sync.runs import run_sync

    return run_sync()


class Stalled:
    """A plex.tv that accepts every connection and never answers (scenario 45)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self._listener.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def stalled(plex_settings):  # type: ignore[no-untyped-def]
    """plex.tv stops answering (after the household, and any stored reads, were set up)."""
    server = Stalled()
    plex_settings.PLEXTV_PAGE_BUDGET = 1
    plex_settings.PLEXTV_BASE_URL = server.url
    yield server
    server.close()
