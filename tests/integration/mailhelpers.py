"""The dev stack's servers spoken to directly, independent of the gateway, for the
integration tests: IMAP sessions and uniquely named folders, mail delivery (postfix inject
port and Dovecot LMTP), plain DAV requests, the gateway's /metrics, and a request held in a
background thread (Ping, hanging Sync). The Berlin VTIMEZONE is the dev stack seeder's.

One copy here, so a fix to how a test talks to Dovecot or Radicale reaches every test.
"""
import base64
import http.client
import imaplib
import importlib.util
import os
import re
import smtplib
import threading
import time
import urllib.request
import uuid
from email.message import EmailMessage

IMAP_ADDR = ("127.0.0.1", 10143)
INJECT_ADDR = ("127.0.0.1", 10025)  # postfix, delivers by LMTP to Dovecot like real mail
DAV_ADDR = ("127.0.0.1", 15232)


def _seed_dav():
    """deploy/dev/seed/seed_dav.py, the dev stack's DAV seeder, as a module."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "dev", "seed",
                        "seed_dav.py")
    spec = importlib.util.spec_from_file_location("seed_dav", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The Europe/Berlin VTIMEZONE (RFC 5545 3.6.5) the dev stack seeds, one copy for both.
VTZ_BERLIN = _seed_dav().kTimezones["Europe/Berlin"] + "\n"


def imap(user="alice@example.test", timeout=30):
    """A logged-in IMAP session on the dev Dovecot (password "secret")."""
    conn = imaplib.IMAP4(*IMAP_ADDR, timeout=timeout)
    conn.login(user, "secret")
    return conn


def unique_folder(prefix, user="alice@example.test", after_create=None):
    """Generator for a fixture: creates a uniquely named IMAP folder, yields its name,
    deletes it afterwards (other engineers' tests share the mailboxes)."""
    name = "%s%s" % (prefix, uuid.uuid4().hex[:8])
    m = imap(user)
    assert m.create(name)[0] == "OK"
    if after_create:
        after_create(m)
    m.logout()
    yield name
    m = imap(user)
    m.delete(name)
    m.logout()


def inject(to, subject, sender="carol@example.test"):
    """Real delivery: postfix inject port -> LMTP -> Dovecot."""
    with smtplib.SMTP(*INJECT_ADDR, timeout=10) as s:
        s.sendmail(sender, [to],
                   "From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\nbody\r\n" % (sender, to, subject))


def inject_message(sender, to, subject, content):
    """A text/plain mail (any charset) through the postfix inject port to Dovecot."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m.set_content(content)
    with smtplib.SMTP(*INJECT_ADDR, timeout=30) as s:
        s.send_message(m)


def dav_status(method, path, body=None, headers=None, user="alice"):
    """One plain request to Radicale; its HTTP status."""
    conn = http.client.HTTPConnection(*DAV_ADDR, timeout=10)
    h = {"Authorization": "Basic " + base64.b64encode(("%s:secret" % user).encode()).decode()}
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    r.read()
    conn.close()
    return r.status


def metric(admin_port, name, **labels):
    """Sum of the samples of `name` on the gateway's /metrics whose labels include `labels`."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % admin_port, timeout=10) as r:
        text = r.read().decode()
    total = 0.0
    for line in text.splitlines():
        m = re.match(r"^%s(\{[^}]*\})? ([0-9.e+-]+)$" % re.escape(name), line)
        if not m:
            continue
        if all('%s="%s"' % kv in (m.group(1) or "") for kv in labels.items()):
            total += float(m.group(2))
    return total


class Background:
    """Runs a request in a thread; .result() waits for it."""

    def __init__(self, fn):
        self.value, self.error, self.done_at = None, None, None
        self.started = time.time()
        self.t = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.t.start()

    def _run(self, fn):
        try:
            self.value = fn()
        except Exception as e:  # noqa: BLE001 - re-raised in result()
            self.error = e
        self.done_at = time.time()

    def result(self, timeout=30):
        self.t.join(timeout)
        assert not self.t.is_alive(), "request still held after %ss" % timeout
        if self.error:
            raise self.error
        return self.value

    def held(self):
        return self.t.is_alive()

