"""Log context (request id, task, operation id) and the JSON log format for log shippers.

Every web request gets an id: the reverse proxy's ``X-Request-ID`` when it sent a sane one,
otherwise a new one; it is answered in the ``X-Request-ID`` header and travels with every task
the request enqueues, so a change can be followed from the click to the worker that applied it.
A task's log lines also carry the task's name and id, and the operation id when the task runs
an operation.

`ContextFilter` copies that context onto each record; `JsonFormatter` writes one JSON object per
line. Only the fields listed here are written, each passed through the token mask once more, so
nothing a caller put in ``extra=`` can carry a Plex token past the masking filter.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.http import HttpRequest, HttpResponse

from plextv.masking import mask_tokens

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "plexadmin_request_id"
OPERATION_TASK = "sharing.console_tasks.apply_operation"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "plexadmin_request_id", default=None
)
current_task: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "plexadmin_task", default=None
)
operation_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "plexadmin_operation_id", default=None
)

CONTEXT_FIELDS = ("request_id", "task", "task_id", "operation_id")


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def sane_request_id(value: object) -> str | None:
    """An id from outside (a proxy's header, a task message) only if it is short and plain."""
    if isinstance(value, str) and _SANE_ID.match(value):
        return value
    return None


class RequestIdMiddleware:
    """Outermost middleware: every log line of a request carries its id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = sane_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[REQUEST_ID_HEADER] = rid
        return response


@before_task_publish.connect(dispatch_uid="plexadmin-logs-request-id-out")
def _send_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    rid = request_id.get()
    if rid and headers is not None:
        headers[TASK_HEADER] = rid


@task_prerun.connect(dispatch_uid="plexadmin-logs-task-context-in")
def _enter_task(
    task_id: str | None = None,
    task: Any = None,
    args: Any = None,
    **_: Any,
) -> None:
    name = str(getattr(task, "name", "") or "")
    _set_task_context(
        name=name,
        task_id=str(task_id or ""),
        rid=sane_request_id(getattr(getattr(task, "request", None), TASK_HEADER, None)),
        op=_operation_argument(name, args),
    )


@task_postrun.connect(dispatch_uid="plexadmin-logs-task-context-out")
def _leave_task(**_: Any) -> None:
    _set_task_context(name="", task_id="", rid=None, op=None)


def _set_task_context(*, name: str, task_id: str, rid: str | None, op: int | None) -> None:
    # A worker runs one task at a time per process (or thread), so plain sets are enough: the
    # next task's prerun replaces them and postrun clears them.
    current_task.set((name, task_id) if name else None)
    request_id.set(rid)
    operation_id.set(op)


def _operation_argument(name: str, args: Any) -> int | None:
    if name != OPERATION_TASK or not args:
        return None
    first = args[0]
    return first if isinstance(first, int) and not isinstance(first, bool) else None


class ContextFilter(logging.Filter):
    """Puts the current request id, task and operation id on every record (None when unset)."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = current_task.get()
        record.request_id = request_id.get()
        record.task = current[0] if current else None
        record.task_id = current[1] if current else None
        record.operation_id = operation_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_tokens(record.getMessage()),
            "process": record.processName,
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = mask_tokens(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = mask_tokens(record.exc_text)
        if record.stack_info:
            entry["stack"] = mask_tokens(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
