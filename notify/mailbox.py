"""The demo's mail sink and its reader.

`make demo` runs ``python -m notify.mailbox --port P --dir D``: an SMTP server on loopback
(aiosmtpd) that accepts every message and writes it to D, one ``.eml`` file each, instead of
delivering it. The dashboard's Mailbox page reads D, so someone trying the demo sees the
e-mail plexadmin sent. Only when DEMO_MAILBOX_DIR is set, which production refuses.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from django.conf import settings

KEEP = 200


def enabled() -> bool:
    return bool(getattr(settings, "DEMO_MAILBOX_DIR", "")) and not settings.PRODUCTION


@dataclass(frozen=True)
class Caught:
    received: datetime
    sender: str
    to: str
    subject: str
    body: str


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def read(folder: str, limit: int = 50) -> list[Caught]:
    """The newest messages caught, newest first."""
    path = Path(folder)
    if not path.is_dir():
        return []
    found: list[Caught] = []
    for item in sorted(path.glob("*.eml"), reverse=True)[:limit]:
        message = BytesParser(policy=policy.default).parsebytes(item.read_bytes())
        if not isinstance(message, EmailMessage):
            continue
        found.append(
            Caught(
                received=datetime.fromtimestamp(item.stat().st_mtime, tz=UTC),
                sender=str(message.get("From", "")),
                to=str(message.get("To", "")),
                subject=str(message.get("Subject", "")),
                body=_body(message),
            )
        )
    return found


class Sink:
    """aiosmtpd handler: every message accepted, written whole to the folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
            name = f"{time.time_ns():020d}-{self.count:05d}.eml"
        data = envelope.original_content or envelope.content
        fd, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(data if isinstance(data, bytes) else data.encode())
        os.replace(temporary, self.folder / name)
        for old in sorted(self.folder.glob("*.eml"))[:-KEEP]:
            old.unlink(missing_ok=True)
        return "250 Message accepted for delivery"


def main() -> None:
    import logging

    from aiosmtpd.controller import Controller

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
    parser = argparse.ArgumentParser(description="plexadmin demo mail sink (loopback only)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    options = parser.parse_args()
    folder = Path(options.dir)
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=options.port)
    controller.start()
    print(f"demo mail sink on 127.0.0.1:{options.port}, writing to {folder}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
