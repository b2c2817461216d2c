from __future__ import annotations

import pytest
from django.test import Client

from plexadmin import health

pytestmark = pytest.mark.django_db


def test_it_reports_ok_when_database_and_broker_answer(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_it_names_an_unreachable_broker_with_503(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_connection(*args: object, **kwargs: object) -> object:
        raise ConnectionRefusedError("refused")

    monkeypatch.setattr(health.celery_app, "connection_for_write", broken_connection)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert "ConnectionRefusedError" in response.json()["checks"]["broker"]["detail"]


def test_it_names_an_unreachable_database_with_503(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    class BrokenConnection:
        vendor = "sqlite"

        def cursor(self) -> object:
            raise OSError("disk gone")

    monkeypatch.setattr(health, "connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]


def test_it_rejects_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
