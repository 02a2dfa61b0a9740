"""Checks that the real dev stack (deploy/dev/backends up) offers what easgate relies on.

The stack must already be running; these tests never start it. Run:
    deploy/dev/backends up && /usr/bin/python3 -m pytest -q tests/integration/test_devstack.py
Stdlib only (imaplib, smtplib, http.client, socket) besides pytest.
"""

import base64
import http.client
import imaplib
import os
import pathlib
import smtplib
import socket
import time
import uuid
from email.message import EmailMessage

import pytest

kHost = "127.0.0.1"
kImapPort = 10143
kSievePort = 14190
kSubmissionPort = 10587
kInjectPort = 10025
kDavPort = 15232
kPassword = "secret"
kRepo = pathlib.Path(__file__).resolve().parents[2]
kDevDir = pathlib.Path(os.environ.get("EASGATE_DEV_DIR", kRepo / ".dev"))

# What the IMAP adapter depends on (DESIGN.md "Backend adapters").
kRequiredCapabilities = ["IMAP4REV1", "CONDSTORE", "QRESYNC", "NOTIFY", "IDLE",
                         "SPECIAL-USE", "MOVE", "LITERAL+", "UIDPLUS", "ESEARCH",
                         "ENABLE", "LIST-EXTENDED", "LIST-STATUS"]


def port_open(port):
    try:
        with socket.create_connection((kHost, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session", autouse=True)
def stack_is_up():
    down = [p for p in (kImapPort, kSievePort, kSubmissionPort, kInjectPort, kDavPort)
            if not port_open(p)]
    if down:
        pytest.fail("dev stack is not up (ports %s closed); run deploy/dev/backends up "
                    "(dev folder %s)" % (down, kDevDir))


def imap_login(user, password=kPassword):
    conn = imaplib.IMAP4(kHost, kImapPort, timeout=10)
    conn.login(user, password)
    return conn


def capabilities(conn):
    typ, data = conn.capability()
    assert typ == "OK"
    return set(data[0].decode().upper().split())


def test_imap_capabilities_after_login():
    conn = imap_login("alice")
    try:
        caps = capabilities(conn)
        missing = [c for c in kRequiredCapabilities if c not in caps]
        assert not missing, "missing IMAP capabilities %s in %s" % (missing, sorted(caps))
    finally:
        conn.logout()


def test_imap_greeting_offers_starttls_and_plain_auth():
    conn = imaplib.IMAP4(kHost, kImapPort, timeout=10)
    try:
        caps = capabilities(conn)
        assert "STARTTLS" in caps
        assert "AUTH=PLAIN" in caps
        assert "LOGINDISABLED" not in caps
    finally:
        conn.shutdown()


def test_imap_special_use_folders_exist():
    conn = imap_login("alice")
    try:
        typ, data = conn.list()
        assert typ == "OK"
        listing = b"\n".join(data).decode()
        for flag, name in [("\\Drafts", "Drafts"), ("\\Sent", "Sent"), ("\\Trash", "Trash"),
                           ("\\Junk", "Junk"), ("\\Archive", "Archive")]:
            assert any(flag in line and line.endswith(name) for line in listing.splitlines()), \
                "no %s folder %s in %s" % (flag, name, listing)
    finally:
        conn.logout()


def test_imap_condstore_reports_highestmodseq():
    conn = imap_login("alice")
    try:
        typ, data = conn._simple_command("ENABLE", "QRESYNC")
        assert typ == "OK"
        typ, data = conn.status("INBOX", "(MESSAGES UIDVALIDITY HIGHESTMODSEQ)")
        assert typ == "OK"
        assert b"HIGHESTMODSEQ" in data[0]
    finally:
        conn.logout()


@pytest.mark.parametrize("user", ["alice", "alice@example.test", "ALICE@example.test"])
def test_imap_login_local_part_and_address_are_one_user(user):
    conn = imap_login(user)
    try:
        # The same mailbox: the INBOX's UIDVALIDITY is identical for every login form.
        typ, data = conn.status("INBOX", "(UIDVALIDITY)")
        assert typ == "OK"
        reference = imap_login("alice")
        try:
            typ2, data2 = reference.status("INBOX", "(UIDVALIDITY)")
            assert data == data2
        finally:
            reference.logout()
    finally:
        conn.logout()


def test_imap_wrong_password_is_rejected():
    conn = imaplib.IMAP4(kHost, kImapPort, timeout=10)
    try:
        with pytest.raises(imaplib.IMAP4.error):
            conn.login("alice", "not-the-password")
    finally:
        conn.shutdown()


def test_imap_unknown_user_is_rejected():
    conn = imaplib.IMAP4(kHost, kImapPort, timeout=10)
    try:
        with pytest.raises(imaplib.IMAP4.error):
            conn.login("mallory", kPassword)
    finally:
        conn.shutdown()


def wait_for_subject(user, subject, timeout=10.0):
    """Poll bob's INBOX until a message with this subject shows up."""
    deadline = time.monotonic() + timeout
    conn = imap_login(user)
    try:
        while True:
            conn.select("INBOX", readonly=True)
            typ, data = conn.uid("SEARCH", "HEADER", "Subject", '"%s"' % subject)
            assert typ == "OK"
            if data[0].split():
                return data[0].split()
            if time.monotonic() > deadline:
                return []
            time.sleep(0.2)
    finally:
        conn.logout()


def test_smtp_submission_auth_plain_delivers_to_bob():
    subject = "devstack test " + uuid.uuid4().hex
    msg = EmailMessage()
    msg["From"] = "Alice Example <alice@example.test>"
    msg["To"] = "Bob Example <bob@example.test>"
    msg["Subject"] = subject
    msg.set_content("Hello Bob, this went through submission.\n")
    with smtplib.SMTP(kHost, kSubmissionPort, timeout=10) as smtp:
        smtp.ehlo("easgate-test")
        assert "PLAIN" in smtp.esmtp_features.get("auth", "").upper()
        # Login by the address works like IMAP: %Ln in Dovecot's auth.
        code, _ = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(
            b"\0alice@example.test\0" + kPassword.encode()).decode())
        assert code == 235
        smtp.send_message(msg)
    assert wait_for_subject("bob", subject), "submitted mail did not reach bob's INBOX"


def test_smtp_submission_requires_auth():
    with smtplib.SMTP(kHost, kSubmissionPort, timeout=10) as smtp:
        smtp.ehlo("easgate-test")
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("alice@example.test", ["bob@example.test"],
                          "Subject: unauthenticated\r\n\r\nshould be refused\r\n")


def test_smtp_submission_rejects_wrong_password():
    with smtplib.SMTP(kHost, kSubmissionPort, timeout=10) as smtp:
        smtp.ehlo("easgate-test")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login("alice", "not-the-password")


def test_smtp_inject_port_delivers_without_auth():
    subject = "inject test " + uuid.uuid4().hex
    with smtplib.SMTP(kHost, kInjectPort, timeout=10) as smtp:
        smtp.sendmail("carol@partner.example", ["alice@example.test"],
                      "From: carol@partner.example\r\nTo: alice@example.test\r\n"
                      "Subject: %s\r\n\r\ninjected\r\n" % subject)
    assert wait_for_subject("alice", subject), "injected mail did not reach alice's INBOX"


def test_smtp_unknown_local_user_is_rejected():
    with smtplib.SMTP(kHost, kInjectPort, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("carol@partner.example", ["nobody@example.test"],
                          "Subject: x\r\n\r\nx\r\n")


def dav_request(method, path, user="alice", password=kPassword, body=None, depth="1"):
    conn = http.client.HTTPConnection(kHost, kDavPort, timeout=10)
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    headers = {"Authorization": "Basic " + token, "Depth": depth}
    if body is not None:
        headers["Content-Type"] = "application/xml; charset=utf-8"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, data


def test_radicale_propfind_lists_alice_collections():
    status, body = dav_request("PROPFIND", "/alice/", body=(
        '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" '
        'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:resourcetype/><D:displayname/>'
        '<C:supported-calendar-component-set/></D:prop></D:propfind>'))
    assert status == 207, body
    for href in ("/alice/calendar/", "/alice/work/", "/alice/tasks/", "/alice/contacts/"):
        assert "<href>%s</href>" % href in body, "%s missing from PROPFIND /alice/" % href
    assert "<displayname>Work</displayname>" in body
    assert 'comp name="VTODO"' in body


def test_radicale_requires_password_and_owner():
    status, _ = dav_request("PROPFIND", "/alice/", password="wrong")
    assert status == 401
    # Other users may read (free/busy for ResolveRecipients Availability, as Exchange shows
    # it: deploy/dev/radicale/rights.in) but never write.
    status, _ = dav_request("PROPFIND", "/alice/", user="bob")
    assert status == 207
    status, _ = dav_request("PUT", "/alice/calendar/devstack-%s.ics" % os.getpid(), user="bob",
                            body="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert status == 403


def test_managesieve_greets():
    with socket.create_connection((kHost, kSievePort), timeout=10) as sock:
        greeting = b""
        while b"\r\nOK" not in greeting and not greeting.startswith(b"OK"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            greeting += chunk
        text = greeting.decode("utf-8", "replace")
        assert '"IMPLEMENTATION"' in text
        assert '"SIEVE"' in text and "vacation" in text
        assert "\r\nOK" in text


def test_tls_certificate_exists():
    assert (kDevDir / "tls" / "easgate.crt").is_file()
    assert (kDevDir / "tls" / "easgate.key").is_file()
