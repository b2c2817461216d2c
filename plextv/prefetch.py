"""Fetching the next answer while the previous one is being turned into models.

`read_household` sends its requests one after the other, in a fixed order, as it always has;
what changes is that a background thread sends request n + 1 while the caller is still
building models from answer n, so plex.tv's answer time and our parsing overlap instead of
adding up. Nothing here knows about HTTP: it runs any iterator in a thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from types import TracebackType


class Prefetch[T]:
    """Items of `source`, produced by a background thread, handed over in order.

    The producer's exception is raised in the consumer at the position it happened, after
    the items produced before it, exactly as a plain loop would raise it. Leaving the
    ``with`` block early (an exception in the consumer) stops the producer before its next
    item and waits for the one in progress, so the source is never used by two threads.
    """

    def __init__(self, source: Iterator[T]) -> None:
        self._source = source
        # (item, None, False) for an item, (None, error, True) or (None, None, True) at the end
        self._items: queue.SimpleQueue[tuple[T | None, BaseException | None, bool]] = (
            queue.SimpleQueue()
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="plextv-prefetch", daemon=True)

    def __enter__(self) -> Prefetch[T]:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _produce(self) -> None:
        while not self._stop.is_set():
            try:
                item = next(self._source)
            except StopIteration:
                self._items.put((None, None, True))
                return
            except BaseException as exc:  # handed to the consumer, raised there
                self._items.put((None, exc, True))
                return
            self._items.put((item, None, False))

    def __iter__(self) -> Iterator[T]:
        while True:
            item, error, last = self._items.get()
            if error is not None:
                raise error
            if last:
                return
            yield item  # type: ignore[misc]  # not None: neither an error nor the end
