"""The demo's mail sink (a real SMTP server on loopback) and the page that reads what it caught;
and the e-mail settings: Django 6.1 mailers from the environment."""

from __future__ import annotations

import smtplib
import subprocess
import sys
import time
import warnings
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core import mail
from django.utils.deprecation import RemovedInDjango2028Warning

from notify import mailbox
from tests.processes import ROOT, free_port, production_env

pytestmark = pytest.mark.django_db


@pytest.fixture
def running_sink(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    folder = tmp_path / "mailbox"
    process = subprocess.Popen(
        [sys.executable, "-m", "notify.mailbox", "--port", str(port), "--dir", str(folder)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                smtplib.SMTP("127.0.0.1", port, timeout=1).quit()
                break
            except OSError:
                time.sleep(0.1)
        yield port, folder
    finally:
        process.terminate()
        process.wait(10)


def test_the_sink_catches_mail_and_the_page_shows_it(owner, running_sink, settings) -> None:  # type: ignore[no-untyped-def]
    port, folder = running_sink
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@x.org", "alex@example.com", "Hi <b>"
    message.set_content("Your access ends soon.")
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(message)
    [caught] = mailbox.read(str(folder))
    assert (caught.to, caught.subject) == ("alex@example.com", "Hi <b>")
    assert caught.body.strip() == "Your access ends soon."
    settings.DEMO_MAILBOX_DIR = str(folder)
    html = owner.client.get("/notifications/mailbox/").content.decode()
    assert "Your access ends soon." in html
    assert "Hi &lt;b&gt;" in html
    assert "Mailbox (demo)" in owner.client.get("/notifications/").content.decode()


def test_the_mailbox_page_does_not_exist_outside_the_demo(owner, member, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MAILBOX_DIR = ""
    assert owner.client.get("/notifications/mailbox/").status_code == 404
    settings.DEMO_MAILBOX_DIR = "/tmp"  # noqa: S108 - never read: members are refused first
    assert member.client.get("/notifications/mailbox/").status_code == 403


def test_production_refuses_the_demo_mailbox(tmp_path: Path) -> None:
    env = production_env(tmp_path, DEMO_MAILBOX_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "DEMO_MAILBOX_DIR is for the demo only" in result.stderr


def test_smtp_settings_become_the_default_mailer(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; import json;"
        "print(json.dumps(s.MAILERS)); print(s.DEFAULT_FROM_EMAIL)"
    )
    env = production_env(
        tmp_path,
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="plexadmin",
        EMAIL_HOST_PASSWORD="app-password",
        EMAIL_USE_TLS="yes",
        EMAIL_FROM="Plex <plex@example.org>",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert '"host": "smtp.example.org"' in result.stdout
    assert '"port": 587' in result.stdout
    assert '"use_tls": true' in result.stdout
    assert "Plex <plex@example.org>" in result.stdout
    assert "RemovedInDjango2028Warning" not in result.stderr


def test_production_without_smtp_turns_email_off(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from notify.channels import email_available; print(email_available())",
        ],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("False")


def test_sending_raises_no_mailer_deprecation_warning(smtp_sink) -> None:  # type: ignore[no-untyped-def]
    from notify.channels import send_email

    with warnings.catch_warnings():
        warnings.simplefilter("error", RemovedInDjango2028Warning)
        send_email("a@example.com", "s", "b", "<x@plexadmin>")
        mail.mail_admins("s", "b")
    assert len(smtp_sink.messages) == 1


def test_without_smtp_in_production_sending_fails_loudly(settings) -> None:  # type: ignore[no-untyped-def]
    from notify.mail import EmailNotConfigured

    settings.MAILERS = {"default": {"BACKEND": "notify.mail.NoEmailBackend"}}
    message = mail.EmailMessage("s", "b", to=["a@example.com"])
    with pytest.raises(EmailNotConfigured, match="set EMAIL_HOST"):
        mail.mailers.default.send_messages([message])
