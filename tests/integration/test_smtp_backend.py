"""The SMTP submission backend against the real dev stack (Postfix submission on 10587).

Drives backends/smtp through its probe CLI (easgate_smtp_probe, built with the gateway) and
checks delivery over IMAP with the stdlib. Nothing is mocked. Each test uses a unique
Subject and deletes what it delivered, so the shared mailboxes stay as they were.
"""
import imaplib
import os
import subprocess
import time
import uuid

import pytest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("EASGATE_BUILD_DIR", os.path.join(TOP, "build"))
PROBE = os.path.join(BUILD, "backends", "smtp", "easgate_smtp_probe")
HOST, SMTP_PORT, IMAP_PORT = "127.0.0.1", 10587, 10143
ALICE, BOB, PASSWORD = "alice@example.test", "bob@example.test", "secret"

pytestmark = pytest.mark.skipif(not os.path.exists(PROBE), reason="easgate_smtp_probe not built")


def probe(*args, password=PASSWORD, user=ALICE):
    env = dict(os.environ, EASGATE_SMTP_PASSWORD=password)
    return subprocess.run([PROBE, "--host", HOST, "--port", str(SMTP_PORT), *args, user],
                          env=env, capture_output=True, text=True, timeout=60)


def find_and_delete(user, subject, timeout=10.0):
    """Waits for a message with `subject` in user's INBOX; returns its raw text, deleted."""
    deadline = time.time() + timeout
    conn = imaplib.IMAP4(HOST, IMAP_PORT, timeout=10)
    try:
        conn.login(user, PASSWORD)
        while True:
            conn.select("INBOX")
            typ, data = conn.uid("SEARCH", None, "HEADER", "Subject", f"\"{subject}\"")
            uids = data[0].split() if typ == "OK" and data and data[0] else []
            if uids:
                raw = b""
                for uid in uids:
                    typ, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
                    raw += parts[0][1]
                    conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
                conn.expunge()
                return raw.decode("utf-8", "replace")
            if time.time() > deadline:
                return None
            time.sleep(0.3)
    finally:
        try:
            conn.logout()
        except Exception:
            pass


def unique_subject(tag):
    return f"easgate-smtp-it-{tag}-{uuid.uuid4().hex}"


def test_send_as_alice_arrives_in_bobs_inbox_unstuffed():
    subject = unique_subject("plain")
    r = probe("--from", ALICE, "--to", BOB, "--subject", subject)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "sent"
    raw = find_and_delete(BOB, subject)
    assert raw is not None, "message did not reach bob's INBOX"
    # The probe's body has a line starting with '.': stuffed on the wire, single again here.
    assert "\r\n.A line starting with a dot.\r\n" in raw
    assert "..A line" not in raw


def test_starttls_upgrade_then_send():
    subject = unique_subject("starttls")
    r = probe("--tls", "starttls", "--insecure", "--from", ALICE, "--to", BOB,
              "--subject", subject)
    assert r.returncode == 0, r.stderr
    assert find_and_delete(BOB, subject) is not None


def test_wrong_password_is_auth_failed_and_not_printed():
    r = probe("--to", BOB, "--subject", unique_subject("badpw"), password="wrong-pw-xyzzy")
    assert r.returncode == 1
    assert r.stderr.startswith("error: auth_failed:"), r.stderr
    assert "wrong-pw-xyzzy" not in r.stdout + r.stderr


def test_refused_recipient_is_named_and_nothing_is_delivered():
    subject = unique_subject("rcpt")
    r = probe("--to", BOB, "--to", "nobody@example.test", "--subject", subject)
    assert r.returncode == 1
    assert "invalid_argument" in r.stderr and "nobody@example.test" in r.stderr, r.stderr
    # One recipient refused means the message was not sent to the others either.
    assert find_and_delete(BOB, subject, timeout=2.0) is None


def test_debug_log_never_shows_the_auth_line():
    subject = unique_subject("debuglog")
    r = probe("--debug", "--to", BOB, "--subject", subject)
    assert r.returncode == 0, r.stderr
    assert "AUTH PLAIN <redacted>" in r.stderr
    assert "AGFsaWNl" not in r.stderr and PASSWORD not in r.stderr  # base64("\0alice...")
    assert find_and_delete(BOB, subject) is not None
