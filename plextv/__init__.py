"""plextv: the typed, resilient plex.tv client. The only code that speaks HTTP to plex.tv."""

from plextv import errors, models
from plextv.base import LibraryRef
from plextv.breaker import BreakerStatus, BreakerStore, CircuitBreaker, MemoryStore
from plextv.client import PlexTV
from plextv.config import ClientConfig
from plextv.errors import (
    AlreadyInHome,
    AlreadySharing,
    ApiChanged,
    BadRequest,
    CircuitOpen,
    DeadlineExceeded,
    EmptyLibrarySelection,
    Forbidden,
    HomeFull,
    InvalidPin,
    NotFound,
    OutcomeUnknown,
    PlexPassRequired,
    PlexTVError,
    RateLimited,
    TwoFactorRequired,
    Unauthorized,
    Unavailable,
    UnknownAccount,
)
from plextv.filters import Filters, ShareSettings
from plextv.masking import mask_tokens, register_token
from plextv.models import Household
from plextv.transport import Budget

__all__ = [
    "AlreadyInHome",
    "AlreadySharing",
    "ApiChanged",
    "BadRequest",
    "BreakerStatus",
    "BreakerStore",
    "Budget",
    "CircuitBreaker",
    "CircuitOpen",
    "ClientConfig",
    "DeadlineExceeded",
    "EmptyLibrarySelection",
    "Filters",
    "Forbidden",
    "HomeFull",
    "Household",
    "InvalidPin",
    "LibraryRef",
    "MemoryStore",
    "NotFound",
    "OutcomeUnknown",
    "PlexPassRequired",
    "PlexTV",
    "PlexTVError",
    "RateLimited",
    "ShareSettings",
    "TwoFactorRequired",
    "Unauthorized",
    "Unavailable",
    "UnknownAccount",
    "errors",
    "mask_tokens",
    "models",
    "register_token",
]
