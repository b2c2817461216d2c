"""One person: per server, what they can see and do, and the form that changes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import admin_required
from accounts.http import AuthenticatedHttpRequest, is_partial
from sharing import operations
from sharing.forms import (
    PROFILE_CHOICES,
    PinForm,
    ProfileForm,
    ShareEditForm,
    new_key,
    shown_state,
)
from sharing.models import HomeInvite, Library, Operation, PlexUser, Share
from sharing.operations.expiry import ExpiryNote, describe
from sharing.operations.invites import STOP_SHARING
from sharing.operations.shares import EDIT_SHARE
from sharing.views.access import (
    INVALID_PAGE,
    INVALID_PARTIAL,
    get_person,
    get_share,
    key_conflict,
    resubmitted,
    shown_operations,
)
from sharing.views.drift import drifted_shares
from sharing.views.invitees import invitees_of


@dataclass
class ShareCard:
    share: Share
    form: ShareEditForm
    operation: Operation | None
    conflict: bool = False
    stop_key: str = field(default_factory=new_key)

    @property
    def expiry(self) -> ExpiryNote | None:
        note = describe(self.share.expires_at)
        op = self.operation
        if note and note.expired and op and op.kind == STOP_SHARING and op.state == op.FAILED:
            return ExpiryNote(text="expired, removal failed", expired=True)
        return note


def _libraries(share: Share) -> list[Library]:
    return list(share.server.libraries.filter(missing_since__isnull=True))


def _library_ids(share: Share) -> list[int]:
    return sorted(share.libraries.values_list("global_id", flat=True))


def _latest_operation(share: Share) -> Operation | None:
    return (
        Operation.objects.filter(target_type=Operation.TARGET_SHARE, target_id=str(share.pk))
        .order_by("-created_at", "-pk")
        .first()
    )


def share_card(share: Share, form: ShareEditForm | None = None, **extra: Any) -> ShareCard:
    if form is None:
        form = ShareEditForm(
            initial=ShareEditForm.initial_for(share, _library_ids(share)),
            share=share,
            libraries=_libraries(share),
        )
    return ShareCard(share=share, form=form, operation=_latest_operation(share), **extra)


def person_context(
    person: PlexUser,
    cards: dict[int, ShareCard] | None = None,
    home_forms: dict[str, ProfileForm | PinForm] | None = None,
    shown: list[Operation] | None = None,
) -> dict[str, Any]:
    """The person page; `home_forms` are refused forms to show with their errors in place,
    `shown` the changes just submitted from this page."""
    shares = (
        Share.objects.filter(user=person, server__owned=True, shared_server_id__isnull=False)
        .select_related("server", "user")
        .order_by("server__name")
    )
    cards = cards or {}
    forms = home_forms or {}
    shown = shown or []
    return {
        "person": person,
        "drifted": drifted_shares(list(shares.prefetch_related("libraries"))),
        "cards": [cards.get(share.pk) or share_card(share) for share in shares],
        "dialog_keys": {"remove": new_key(), "home_remove": new_key()},
        # Removing someone asks what happens to the people they brought in.
        "invitees": invitees_of(person.plex_id, person.display_name)
        if person.kind != PlexUser.MANAGED
        else None,
        "profile_form": forms.get("profile")
        or ProfileForm(initial={"key": new_key(), "profile": person.restriction_profile}),
        "pin_form": forms.get("pin") or PinForm(initial={"key": new_key()}),
        "profile_choices": PROFILE_CHOICES,
        "activity": shown,
        "home_operations": list(
            Operation.objects.filter(
                target_type=Operation.TARGET_USER,
                target_id=str(person.pk),
                state__in=Operation.PENDING_STATES,
            )
            .exclude(pk__in=[op.pk for op in shown])
            .order_by("created_at")
        ),
        "home_invite": HomeInvite.objects.filter(plex_id=person.plex_id).first(),
    }


@never_cache
@admin_required
@require_GET
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_person(request, person_id)
    context = person_context(person, shown=shown_operations(request))
    return render(request, "sharing/person.html", context)


@admin_required
@require_GET
def share_detail(request: HttpRequest, share_id: int) -> HttpResponse:
    if is_partial(request) and not Share.objects.filter(pk=share_id).exists():
        # A card reloading after its share was removed (stop sharing, remove the friend):
        # it goes from the page instead of answering an error the page cannot show.
        return HttpResponse("")
    share = get_share(request, share_id)
    if is_partial(request):
        return render(request, "sharing/person.html#share-card", {"card": share_card(share)})
    return redirect("sharing:person", person_id=share.user_id)


def _card_response(request: HttpRequest, card: ShareCard, status: int) -> HttpResponse:
    share = card.share
    if is_partial(request):
        # The card with its errors or the conflict in place, as a 200 (access.INVALID_PARTIAL);
        # without htmx the status says what happened.
        return render(
            request, "sharing/person.html#share-card", {"card": card}, status=INVALID_PARTIAL
        )
    context = person_context(share.user, {share.pk: card})
    return render(request, "sharing/person.html", context, status=status)


@admin_required
@require_POST
def edit_share(request: AuthenticatedHttpRequest, share_id: int) -> HttpResponse:
    share = get_share(request, share_id)
    form = ShareEditForm(request.POST, share=share, libraries=_libraries(share))
    if not form.is_valid():
        return _card_response(request, share_card(share, form), INVALID_PAGE)
    data = form.cleaned_data
    existing = Operation.objects.filter(idempotency_key=data["key"]).first()
    if existing is not None:
        # A resent form queues nothing: say so and show what it made, or refuse (409) when
        # the key comes back with other values.
        back = reverse("sharing:person", args=[share.user_id])
        if existing.kind != EDIT_SHARE or existing.target_id != str(share.pk):
            return key_conflict(request, existing, back)
        return resubmitted(
            request,
            existing,
            back,
            EDIT_SHARE,
            Operation.TARGET_SHARE,
            share.pk,
            {},
            content=form.submitted_state(),
        )
    before = shown_state(share, _library_ids(share))
    submitted = form.submitted_state()
    changes = {name: value for name, value in submitted.items() if before[name] != value}
    if not changes:
        if not is_partial(request):
            messages.info(request, "Nothing changed.")
            return redirect("sharing:person", person_id=share.user_id)
        return _card_response(request, share_card(share), 200)
    with transaction.atomic():
        # The version the form was built from must still be the row's: otherwise someone
        # (another admin, or a sync) changed this share since, and saving would overwrite
        # what they did without anyone having seen it.
        claimed = Share.objects.filter(pk=share.pk, version=data["version"]).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        if not claimed:
            share.refresh_from_db()
            card = share_card(share, conflict=True)
            return _card_response(request, card, 409)
        label = f"{share.user.display_name} on {share.server.name}"
        operations.submit(
            EDIT_SHARE,
            Operation.TARGET_SHARE,
            share.pk,
            {"label": label, "changes": changes, "before": {k: before[k] for k in changes}},
            request.user,
            data["key"],
            content=submitted,
        )
    share.refresh_from_db()
    if is_partial(request):
        return render(request, "sharing/person.html#share-card", {"card": share_card(share)})
    messages.success(request, "Change queued: it is being sent to plex.tv.")
    return redirect("sharing:person", person_id=share.user_id)
