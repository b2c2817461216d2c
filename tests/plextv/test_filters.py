from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plextv import Filters
from tests.plextv.conftest import SAMPLES


def sample_filter_strings() -> list[str]:
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key.startswith("filter") and isinstance(item, str):
                    found.append(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in SAMPLES.glob("*.json"):
        walk(json.loads(path.read_text()))
    return found


def test_it_round_trips_every_filter_string_in_the_samples_exactly() -> None:
    strings = sample_filter_strings()
    assert len(strings) > 20
    for text in [*strings, "contentRating=G%2CPG", "label!=Shortlist_mike", ""]:
        assert Filters.parse(text).to_plex() == text


def test_it_types_the_allow_list_and_labels() -> None:
    parsed = Filters.parse(
        "contentRating=12|label=BAFTA%2C1001%20Movies%20You%20Must%20See%20Before%20You%20Die"
        "&contentRating!=Approved"
    )
    assert parsed.content_ratings == ("12",)
    assert parsed.labels == ("BAFTA", "1001 Movies You Must See Before You Die")
    assert parsed.excluded_content_ratings == ("Approved",)
    assert parsed.excluded_labels == ()


def test_it_decodes_plus_as_space_and_keeps_encoded_plus() -> None:
    parsed = Filters.parse("contentRating=UK%3A+Uc%2C13%2B")
    assert parsed.content_ratings == ("UK: Uc", "13+")


def test_it_writes_a_changed_filter_canonically() -> None:
    parsed = Filters.parse("contentRating=UK%3A+Uc")
    changed = dataclasses.replace(parsed, excluded_labels=("Horror night",))
    assert changed.to_plex() == "contentRating=UK%3A%20Uc|label!=Horror%20night"
    assert Filters(content_ratings=("G", "PG")).to_plex() == "contentRating=G%2CPG"


def test_it_keeps_clauses_it_does_not_understand() -> None:
    parsed = Filters.parse("year>=2000|label=kids")
    assert parsed.other == ("year>=2000",)
    assert dataclasses.replace(parsed, labels=("teens",)).to_plex() == "label=teens|year>=2000"


def test_it_refuses_values_plex_cannot_represent() -> None:
    with pytest.raises(ValueError, match="comma"):
        Filters(labels=("a,b",))
    with pytest.raises(ValueError, match="empty"):
        Filters(content_ratings=("",))


def test_an_empty_filter_is_empty() -> None:
    assert Filters.parse("").is_empty
    assert Filters().to_plex() == ""
    assert not Filters(labels=("x",)).is_empty


values = st.lists(st.text(min_size=1, max_size=12).filter(lambda s: "," not in s), max_size=4).map(
    tuple
)


@given(values, values, values, values)
def test_it_round_trips_any_typed_filter(
    ratings: tuple[str, ...],
    excluded: tuple[str, ...],
    labels: tuple[str, ...],
    excluded_labels: tuple[str, ...],
) -> None:
    filters = Filters(ratings, excluded, labels, excluded_labels)
    text = filters.to_plex()
    assert Filters.parse(text) == filters
    assert Filters.parse(text).to_plex() == text
