"""The notifications page: each admin's channels, what they want to hear, and what was sent.

Every admin manages their own channels (others' are 404 to them). Adding or removing a
channel is a plain POST view, so a fresh-sign-in decorator can be stacked on it later.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import admin_required
from accounts.models import User
from accounts.reauth import recent_sign_in_required
from notify import catalogue, channels, delivery, mailbox, tasks
from notify.forms import ChannelForm, MemberNoticesForm, SubscriptionForm
from notify.models import Channel, Delivery, Event, MemberNotices, Notification

# A card keeps polling while its channel has a message being sent or about to be.
POLL_AHEAD = timedelta(seconds=20)


def _user(request: HttpRequest) -> User:
    # admin_required has let only a signed-in member through.
    return request.user  # type: ignore[return-value]


def _own_channel(request: HttpRequest, pk: int) -> Channel:
    return get_object_or_404(Channel, pk=pk, owner=_user(request))


def _wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def _card(channel: Channel) -> dict[str, object]:
    latest = channel.deliveries.order_by("-created_at", "-pk").first()
    now = timezone.now()
    busy = latest is not None and (
        latest.state == Delivery.SENDING
        or (latest.state == Delivery.QUEUED and latest.next_attempt_at <= now + POLL_AHEAD)
    )
    return {
        "channel": channel,
        "latest": latest,
        "busy": busy,
        "form": SubscriptionForm(
            initial={"events": channel.events}, auto_id=f"id_channel{channel.pk}_%s"
        ),
    }


def _page(
    request: HttpRequest, add_form: ChannelForm | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    own = list(Channel.objects.filter(owner=user))
    recent = (
        Delivery.objects.filter(Q(channel__owner=user) | Q(channel__isnull=True))
        .select_related("channel")
        .order_by("-created_at", "-pk")[:20]
    )
    context = {
        "cards": [_card(channel) for channel in own],
        "add_form": add_form
        or ChannelForm(
            initial={
                "kind": Channel.EMAIL if channels.email_available() else Channel.APPRISE,
                "address": user.plex_account.email if user.plex_account else "",
                "events": [k.code for k in catalogue.EVENT_TYPES.values() if k.default],
            }
        ),
        "member_form": MemberNoticesForm(initial={"events": MemberNotices.current().events}),
        "event_types": catalogue.EVENT_TYPES.values(),
        "recent": recent,
        "email_available": channels.email_available(),
        "mailbox": mailbox.enabled(),
    }
    return render(request, "notify/notifications.html", context, status=status)


@never_cache
@admin_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    return _page(request)


@admin_required
@require_POST
@recent_sign_in_required
def channel_add(request: HttpRequest) -> HttpResponse:
    form = ChannelForm(request.POST)
    if not form.is_valid():
        return _page(request, add_form=form, status=400)
    data = form.cleaned_data
    channel = Channel(
        owner=_user(request), kind=data["kind"], name=data["name"], events=list(data["events"])
    )
    if channel.kind == Channel.EMAIL:
        channel.address = data["address"]
    elif form.checked is not None:
        channel.set_url(form.checked.url, form.checked.masked, form.checked.service)
    channel.save()
    messages.success(request, f"Channel “{channel.name}” added. Send a test to check it.")
    return redirect("notify:page")


@admin_required
@require_POST
@recent_sign_in_required
def channel_events(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _own_channel(request, pk)
    form = SubscriptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That choice of events is not one this page offers.")
        return redirect("notify:page")
    channel.events = list(form.cleaned_data["events"])
    channel.save(update_fields=["events"])
    if _wants_partial(request):
        return render(request, "notify/notifications.html#channel-card", _card(channel))
    messages.success(request, f"Saved what “{channel.name}” tells you.")
    return redirect("notify:page")


@never_cache
@admin_required
@require_GET
def channel_card(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _own_channel(request, pk)
    return render(request, "notify/notifications.html#channel-card", _card(channel))


@never_cache
@admin_required
@require_GET
def channel_remove_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _own_channel(request, pk)
    return render(request, "notify/remove_channel.html", {"channel": channel})


@admin_required
@require_POST
@recent_sign_in_required
def channel_remove(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _own_channel(request, pk)
    name = channel.name
    channel.delete()
    messages.success(request, f"Channel “{name}” removed; nothing more is sent to it.")
    return redirect("notify:page")


@admin_required
@require_POST
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    """A test message through the worker (never sent from the request: SMTP may be slow)."""
    channel = _own_channel(request, pk)
    user = _user(request)
    actor = user.plex_account.display_name if user.plex_account else user.get_username()
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.create(
            type=catalogue.TEST,
            key=f"{catalogue.TEST}:{channel.pk}:{uuid.uuid4().hex}",
            context={"actor": actor, "channel": channel.name},
            fanned_out_at=now,
        )
        Notification.objects.create(event=event, channel=channel, recipient=channel.recipient)
        found = delivery.gather(channel.recipient, now)
        if found is not None:
            # A channel in backoff is tried now: the test is also "retry this channel now".
            Delivery.objects.filter(pk=found.pk, state=Delivery.QUEUED).update(next_attempt_at=now)
            transaction.on_commit(lambda: tasks.send.delay(found.pk))
    if _wants_partial(request):
        return render(request, "notify/notifications.html#channel-card", _card(channel))
    messages.info(request, f"Test queued for “{channel.name}”; its result shows on the card.")
    return redirect(reverse("notify:page") + f"#channel-{channel.pk}")


@admin_required
@require_POST
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        Delivery, Q(channel__owner=_user(request)) | Q(channel__isnull=True), pk=pk
    )
    if delivery.send_again(found):
        transaction.on_commit(lambda: tasks.send.delay(found.pk))
        messages.info(request, "Sending it again.")
    else:
        messages.warning(
            request, "Only a failed message, or one that may not have arrived, can be sent again."
        )
    return redirect("notify:page")


@admin_required
@require_POST
def member_notices(request: HttpRequest) -> HttpResponse:
    form = MemberNoticesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That choice of events is not one this page offers.")
        return redirect("notify:page")
    notices = MemberNotices.current()
    notices.events = list(form.cleaned_data["events"])
    notices.save(update_fields=["events", "updated_at"])
    messages.success(request, "Saved what people are told about their own access.")
    return redirect("notify:page")


@never_cache
@admin_required
@require_GET
def mailbox_page(request: HttpRequest) -> HttpResponse:
    """The demo's mail sink: what plexadmin sent by e-mail (the demo sends nothing out)."""
    if not mailbox.enabled():
        raise Http404("The mailbox exists only in the demo.")
    caught = mailbox.read(settings.DEMO_MAILBOX_DIR)
    return render(request, "notify/mailbox.html", {"messages_caught": caught})
