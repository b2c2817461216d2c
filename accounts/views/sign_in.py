"""Sign in with Plex: the popup (OAuth) flow, and the plex.tv/link code without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from accounts import services
from accounts.http import HtmxHttpRequest
from accounts.models import Household, PinLogin
from plextv.errors import OutcomeUnknown, PlexTVError

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def opener_policy(
    policy: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Send `policy` as this view's Cross-Origin-Opener-Policy instead of the site-wide
    "same-origin" (SecurityMiddleware only sets the header when the view has not).

    Under "same-origin" the browser cuts every tie to a popup the moment it shows plex.tv:
    the sign-in page would see the popup as closed at once, and the popup's landing page
    could not close itself. The page that opens the popup keeps it with
    "same-origin-allow-popups" (other origins still cannot keep a handle to the dashboard);
    the landing page, which shows nothing, drops the policy so that it stays in that group.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response["Cross-Origin-Opener-Policy"] = policy
            return response

        return wrapped

    return decorator


# Longer addresses than a sign-in attempt can keep are not ours (no page has one).
NEXT_MAX_LENGTH = PinLogin._meta.get_field("next_url").max_length or 500


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` when it is an absolute path on this site, else the default landing page.

    Only "/…" is taken: a bare word ("logout", "0") would be read by `redirect()` as the name
    of a URL pattern and fail, and anything with a scheme or a host could lead elsewhere.
    """
    if (
        candidate
        and len(candidate) <= NEXT_MAX_LENGTH
        and candidate.startswith("/")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _pin_login(request: HttpRequest, public_id: str) -> PinLogin:
    """The PIN attempt if this browser created it; 404 for any other session."""
    login = PinLogin.objects.filter(public_id=public_id).first()
    if login is None or not login.belongs_to(request.session.get(services.BROWSER_KEY)):  # type: ignore[arg-type]
        raise Http404("No such sign-in.")
    return login


def finish_sign_in(request: HttpRequest, login: PinLogin) -> str | None:
    """Sign this browser in as the PIN's account (once); where to go next."""
    if login.plex_account is None or not login.claim_completion():
        return None
    account = login.plex_account
    user = services.user_for_account(account)
    role = services.resolve_role(account, user)
    auth_login(request, user, backend=MODEL_BACKEND)
    if Household.current() is None:
        return reverse("accounts:setup")
    if role is None:
        return reverse("home")
    return safe_next(request, login.next_url)


@never_cache
@opener_policy("same-origin-allow-popups")
@require_GET
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url)
    return render(request, "accounts/sign_in.html", {"next": next_url})


def _start(request: HtmxHttpRequest, kind: str) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next"))
    try:
        login = services.start_pin_login(request.session, kind, next_url)  # type: ignore[arg-type]
    except PlexTVError as exc:
        error = exc.human_message
        if isinstance(exc, OutcomeUnknown):  # a PIN nobody will use: nothing to worry about
            error = "plex.tv did not answer in time, so sign-in could not start. Try again."
        context = {"next": next_url, "error": error}
        if request.htmx:
            # In place, so the message shows (htmx leaves a 5xx answer unswapped).
            return render(request, "accounts/sign_in.html#sign-in-form", context)
        return render(request, "accounts/sign_in.html", context, status=503)
    if request.htmx:
        return render(request, "accounts/pin.html#waiting", _pin_context(login))
    return redirect("accounts:pin", public_id=login.public_id)


@never_cache
@require_POST
def start_oauth(request: HtmxHttpRequest) -> HttpResponse:
    return _start(request, PinLogin.Kind.OAUTH)


@never_cache
@require_POST
def start_link(request: HtmxHttpRequest) -> HttpResponse:
    return _start(request, PinLogin.Kind.LINK)


def _pin_context(login: PinLogin) -> dict[str, object]:
    # plex.tv/link lives where plex.tv does: the simulator's own page in the demo.
    base = settings.PLEXTV_BASE_URL.rstrip("/") if settings.PLEXTV_BASE_URL else "https://plex.tv"
    return {
        "login": login,
        "auth_url": services.oauth_url(login) if login.kind == PinLogin.Kind.OAUTH else None,
        "link_url": f"{base}/link",
    }


@never_cache
@require_GET
def pin(request: HttpRequest, public_id: str) -> HttpResponse:
    login = _pin_login(request, public_id)
    if login.status == PinLogin.Status.LINKED:
        destination = finish_sign_in(request, login)
        if destination:
            return redirect(destination)
    return render(request, "accounts/pin.html", _pin_context(login))


@never_cache
@require_GET
def pin_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """What the waiting page polls. Moves the browser on once the sign-in completes."""
    login = _pin_login(request, public_id)
    if login.status == PinLogin.Status.LINKED:
        destination = finish_sign_in(request, login)
        if destination:
            return HttpResponseClientRedirect(destination)
    response = render(request, "accounts/pin.html#pin-status", _pin_context(login))
    if login.is_finished:
        stopped = HttpResponseStopPolling()
        stopped.content = response.content
        return stopped
    return response


@require_POST
def pin_check(request: HttpRequest, public_id: str) -> HttpResponse:
    login = _pin_login(request, public_id)
    if login.is_pending:
        login = services.check_pin_once(login)
    return redirect("accounts:pin", public_id=login.public_id)


@require_POST
def pin_cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    login = _pin_login(request, public_id)
    login.finish(PinLogin.Status.CANCELLED, "Sign-in cancelled.")
    return redirect("accounts:sign-in")


@never_cache
@opener_policy("unsafe-none")
@require_GET
def pin_done(request: HttpRequest, public_id: str) -> HttpResponse:
    """Where plex.tv sends the popup after approval. It shows nothing about the attempt: the
    main window finishes the sign-in; this page only closes itself."""
    return render(request, "accounts/pin_done.html")
