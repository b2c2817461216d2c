from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from plexadmin.env import env_bool, env_int, env_list, env_str


@pytest.mark.parametrize("word", ["1", "true", "yes", "on", "TRUE", " On "])
def test_it_reads_documented_true_spellings(monkeypatch: pytest.MonkeyPatch, word: str) -> None:
    monkeypatch.setenv("FLAG", word)
    assert env_bool("FLAG", default=False) is True


@pytest.mark.parametrize("word", ["0", "false", "no", "off", "False"])
def test_it_reads_documented_false_spellings(monkeypatch: pytest.MonkeyPatch, word: str) -> None:
    monkeypatch.setenv("FLAG", word)
    assert env_bool("FLAG", default=True) is False


@pytest.mark.parametrize("word", ["y", "2", "enabled", "truthy"])
def test_it_rejects_other_spellings(monkeypatch: pytest.MonkeyPatch, word: str) -> None:
    monkeypatch.setenv("FLAG", word)
    with pytest.raises(ImproperlyConfigured, match="FLAG="):
        env_bool("FLAG", default=False)


def test_it_uses_the_default_when_unset_or_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", default=True) is True
    monkeypatch.setenv("FLAG", "")
    assert env_bool("FLAG", default=False) is False
    assert env_str("FLAG", "fallback") == "fallback"


def test_it_reads_values_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.delenv("API_SECRET", raising=False)
    monkeypatch.setenv("API_SECRET_FILE", str(secret))
    assert env_str("API_SECRET") == "from-a-file"


def test_it_refuses_both_a_value_and_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / "s").write_text("a")
    monkeypatch.setenv("API_SECRET", "b")
    monkeypatch.setenv("API_SECRET_FILE", str(tmp_path / "s"))
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_str("API_SECRET")


def test_it_names_an_unreadable_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("API_SECRET", raising=False)
    monkeypatch.setenv("API_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="API_SECRET_FILE"):
        env_str("API_SECRET")


def test_it_parses_integers_with_a_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNT", "42")
    assert env_int("COUNT", 1) == 42
    monkeypatch.setenv("COUNT", "forty")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("COUNT", 1)
    monkeypatch.setenv("COUNT", "-3")
    with pytest.raises(ImproperlyConfigured, match="minimum"):
        env_int("COUNT", 1, minimum=0)


def test_it_splits_lists_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", " a.example , ,b.example,")
    assert env_list("HOSTS") == ["a.example", "b.example"]
    monkeypatch.delenv("HOSTS")
    assert env_list("HOSTS", ["x"]) == ["x"]
