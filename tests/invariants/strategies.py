"""What the property tests generate: starting shares, form requests, and what a request asks.

`asked_by_form` and `asked_new` say, in plexsim's terms, what granting exactly the request
means; they are written from the forms' contract, not from the product's code.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from sharing.forms import MOVIE_RATINGS, TV_RATINGS
from tests.invariants.access import LABELS, Access, filter_text, form_filter
from tests.invariants.world import DEN_LIBRARIES, MOVIES, TV, Request, Start

RATINGS_OF = {
    "filterMovies": MOVIE_RATINGS,
    "filterTelevision": TV_RATINGS,
    "filterMusic": MOVIE_RATINGS,
}


def held_filter(ratings: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(""),
        st.builds(
            filter_text,
            allow=st.sets(st.sampled_from(ratings), max_size=3),
            deny=st.sets(st.sampled_from(ratings), max_size=2),
            need=st.sets(st.sampled_from(LABELS), max_size=1),
            hide=st.sets(st.sampled_from(LABELS), max_size=2),
            opaque=st.booleans(),
        ),
    )


def start_settings(filters: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    values: dict[str, st.SearchStrategy[Any]] = {
        "allowSync": st.booleans(),
        "allowCameraUpload": st.booleans(),
        "allowChannels": st.booleans(),
        "allowSubtitleAdmin": st.booleans(),
        "allowTuners": st.integers(0, 2),
    }
    if filters:
        values |= {name: held_filter(ratings) for name, ratings in RATINGS_OF.items()}
        values |= {
            "filterPhotos": st.sampled_from([None, "", "label!=Horror"]),
            "filterAll": st.sampled_from([None, "", "label!=Horror"]),
        }
    return st.fixed_dictionaries(values)


libraries = st.frozensets(st.sampled_from(DEN_LIBRARIES))
starts = st.builds(
    Start,
    libraries=st.one_of(st.none(), st.frozensets(st.sampled_from(DEN_LIBRARIES), min_size=1)),
    settings=start_settings(),
)


def requests_for(library_sets: st.SearchStrategy[frozenset[int]]) -> st.SearchStrategy[Request]:
    flags = st.fixed_dictionaries(
        {
            "allowSync": st.integers(0, 1),
            "allowCameraUpload": st.integers(0, 1),
            "allowChannels": st.integers(0, 1),
            "allowTuners": st.integers(0, 2),
        }
    )
    parts = st.fixed_dictionaries(
        {
            name: st.tuples(
                st.frozensets(st.sampled_from(ratings), max_size=3),
                st.frozensets(st.sampled_from(LABELS), max_size=1),
                st.frozensets(st.sampled_from(LABELS), max_size=2),
            )
            for name, ratings in RATINGS_OF.items()
        }
    )
    return st.builds(Request, libraries=library_sets, flags=flags, parts=parts)


requests = requests_for(libraries)
NO_PARTS = {name: (frozenset(), frozenset(), frozenset()) for name in RATINGS_OF}
HORROR = Start(frozenset({MOVIES, TV}), {"allowSync": True, "filterMovies": "label!=Horror"})
EVERYTHING = Start(None, {"allowSync": True, "allowTuners": 2, "filterMovies": "label!=Horror"})
ONLY_MOVIES = Start(frozenset({MOVIES}), {"filterMovies": "contentRating!=R|year>=1990"})
ASK_NOTHING = Request(frozenset(), {"allowSync": 1}, NO_PARTS)
ASK_MOVIES = Request(frozenset({MOVIES}), {}, NO_PARTS)


def asked_by_form(held: Access, request: Request) -> Access:
    """What an edit of the person form asks for: its fields, with what it does not show kept."""
    values: dict[str, Any] = dict(request.flags)
    for name, (allow, need, hide) in request.parts.items():
        values[name] = form_filter(held.filters.get(name), allow, need, hide)
    return held.with_libraries(request.libraries).with_settings(**values)


def asked_new(request: Request) -> Access:
    """What a form that creates a share asks for (nothing held before)."""
    values: dict[str, Any] = dict(request.flags)
    for name, (allow, need, hide) in request.parts.items():
        values[name] = filter_text(allow=allow, need=need, hide=hide)
    return Access(request.libraries).with_settings(**values)
