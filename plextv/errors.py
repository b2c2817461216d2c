"""The error family raised by plextv.

Every error carries plex.tv's numeric error code (when it sent one), the HTTP status (when
there was a response) and a short sentence a Plex owner can read. None of them ever holds a
token: messages are built here from fixed text plus plex.tv's own error message, and anything
taken from the wire is passed through the token masker first.
"""

from __future__ import annotations

from plextv.masking import mask_tokens


class PlexTVError(Exception):
    """Base of every error plextv raises.

    `permanent` says whether sending the same request again can help: plex.tv refused it for
    what it is (an unknown account, a share that exists already), not for how it went.
    """

    default_message = "plex.tv could not complete the request."
    permanent = False

    def __init__(
        self,
        human_message: str | None = None,
        *,
        code: int | None = None,
        status: int | None = None,
        plex_message: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.human_message = mask_tokens(human_message or self.default_message)
        self.code = code
        self.status = status
        self.plex_message = mask_tokens(plex_message) if plex_message else None
        self.endpoint = endpoint
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [self.human_message]
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.code is not None:
            details.append(f"code {self.code}")
        if self.endpoint:
            details.append(self.endpoint)
        if self.plex_message:
            details.append(repr(self.plex_message))
        if details:
            parts.append("(" + ", ".join(details) + ")")
        return " ".join(parts)


class BadRequest(PlexTVError):
    # A refusal plextv cannot name may depend on state that changes (a read-modify-write
    # sent again is built afresh), so only the refusals recognised below are permanent.
    default_message = "plex.tv refused the request."


class Forbidden(BadRequest):
    """plex.tv does not allow this account to do that (403). What the account may do can
    change (a subscription, a role in the Home), after which the same request goes through."""

    default_message = "plex.tv does not allow this account to do that."


class Unauthorized(BadRequest):
    default_message = "The Plex sign-in is no longer valid; sign in with Plex again."


class TwoFactorRequired(Unauthorized):
    default_message = "This Plex account uses two-step verification: enter the 6-digit code."


class InvalidPin(PlexTVError):
    """A Home user's PIN was missing or wrong (plex.tv code 1041).

    Not an `Unauthorized`: the account's token is still fine, only the PIN was refused.
    """

    default_message = "That PIN is not right for this Home user."
    permanent = True


class NotFound(PlexTVError):
    default_message = "plex.tv does not know that item (it may have been removed already)."
    permanent = True


class UnknownAccount(NotFound):
    """plex.tv has no account by that username or e-mail ("User not found")."""

    default_message = "plex.tv has no Plex account with that username or e-mail."


class RateLimited(PlexTVError):
    """plex.tv asked us to slow down for longer than we are willing to wait inline.

    `retry_after` is the number of seconds to wait before trying again, already capped at the
    client's `max_retry_after` so a task can use it as its countdown directly;
    `requested_retry_after` is what plex.tv asked for, when it said.
    """

    default_message = "plex.tv is rate-limiting requests; the action will be retried later."

    def __init__(
        self,
        human_message: str | None = None,
        *,
        retry_after: float,
        requested_retry_after: float | None = None,
        code: int | None = None,
        status: int | None = 429,
        plex_message: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        self.requested_retry_after = requested_retry_after
        super().__init__(
            human_message,
            code=code,
            status=status,
            plex_message=plex_message,
            endpoint=endpoint,
        )


class Unavailable(PlexTVError):
    """plex.tv could not be reached or answered with something that is not an answer."""

    default_message = "plex.tv is not answering properly right now; try again in a few minutes."


class OutcomeUnknown(Unavailable):
    """A change was sent but its result never came back.

    The change may or may not have been applied: read the current state before trying again.
    """

    default_message = (
        "The change was sent to plex.tv but no answer came back, so it may or may not have "
        "been applied."
    )


class DeadlineExceeded(Unavailable):
    """plex.tv did not give a complete answer within the time the caller allowed (a page's
    budget, or one attempt's limit): it stalled, or it sent the answer a trickle at a time."""

    default_message = "plex.tv is too slow to answer right now."


class CircuitOpen(Unavailable):
    """plex.tv failed repeatedly, so this call was not sent; `retry_after` says when the next
    trial call may go out (seconds)."""

    default_message = (
        "plex.tv has not been answering, so plexadmin has paused its calls for a moment."
    )

    def __init__(self, retry_after: float, human_message: str | None = None) -> None:
        self.retry_after = max(0.0, retry_after)
        super().__init__(human_message)


class ApiChanged(PlexTVError):
    """An endpoint that should exist answered 404/410, or its answer changed shape."""

    default_message = (
        "plex.tv changed its API: this feature needs an update of plexadmin before it works again."
    )


class AlreadySharing(BadRequest):
    default_message = "This server is already shared with that person; edit the existing share."
    permanent = True


class EmptyLibrarySelection(BadRequest):
    """Refused before anything was sent: a share with no library.

    plex.tv reads an empty library list as "every library", so a request that would send one
    is never made. Taking someone's last library away is stopping the share instead.
    """

    default_message = (
        "A share needs at least one library: plex.tv would read an empty list as every "
        "library. To take the last one away, stop sharing the server instead."
    )


class PlexPassRequired(BadRequest):
    default_message = "This needs a Plex Pass subscription on the server owner's account."


class HomeFull(BadRequest):
    default_message = "This Plex Home is full (at most 15 members)."


class AlreadyInHome(BadRequest):
    """The account belongs to a Plex Home already (one Home per account)."""

    default_message = "That account is already a member of a Plex Home (an account has one Home)."
    permanent = True


def reason_text(message: str | None, limit: int = 200) -> str | None:
    """plex.tv's own error message as one short line fit to show an admin, or None.

    Only plex.tv's sentence is kept (never the body around it), on one line, cut to `limit`
    characters; it has been through the token masker already.
    """
    if not message:
        return None
    line = " ".join(message.split()).strip()
    if not line:
        return None
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def with_reason(human_message: str, message: str | None) -> str:
    """`human_message` followed by plex.tv's reason, as 'plex.tv said: “User not found”.'"""
    reason = reason_text(mask_tokens(message) if message else None)
    if reason is None:
        return human_message
    return f"{human_message} plex.tv said: “{reason.rstrip('.')}”."
