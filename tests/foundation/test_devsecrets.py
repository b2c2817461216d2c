from __future__ import annotations

import threading
from pathlib import Path

from plexadmin.devsecrets import generated_secret, new_secret_key


def test_it_returns_the_same_value_to_processes_racing_to_create_it(tmp_path: Path) -> None:
    target = tmp_path / "var" / "secret_key"
    barrier = threading.Barrier(8)
    seen: list[str] = []

    def create() -> None:
        barrier.wait()
        seen.append(generated_secret(target, new_secret_key))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1
    assert target.read_text().strip() == seen[0]
    assert [p.name for p in target.parent.iterdir()] == ["secret_key"]
