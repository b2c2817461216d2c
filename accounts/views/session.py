"""Signing out."""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End this browser's session (the Plex token stays valid: see sign_out_of_plex)."""
    logout(request)
    return redirect("accounts:sign-in")
