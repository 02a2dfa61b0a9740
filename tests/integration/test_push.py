"""Issue 6, Direct Push, end to end: the real gateway binary against the real dev stack.

Every Ping status (1-7), remembered parameters, a newer Ping or a Sync ending the held one,
wake-up from Dovecot's push_notification plugin (OX driver, configured in
deploy/dev/dovecot/dovecot.conf.in to post to 127.0.0.1:19464/push/dovecot), a CalDAV change
waking a Ping on the calendar folder (per-user interval check), SIGTERM answering held
Pings with Status 1, and SIGHUP keeping them.

Each test works on its own IMAP folder or DAV collection (uniquely named, removed at the
end): alice's INBOX is shared with other engineers' tests. Mail reaches the test folder by
LMTP to alice+<folder>, which Dovecot delivers into
that folder (lmtp_save_to_detail_mailbox) and reports to the push endpoint. The dev
postfix does not accept +detail addresses, so tests speak LMTP to Dovecot directly.
"""
import base64
import http.client
import imaplib
import os
import signal
import smtplib
import socket
import tempfile
import time
import urllib.request
import uuid

import pytest

from conftest import DEV_DIR, Gateway
from easclient import EasClient, folder_id, ping, ping_status as status, settle, sync_collection
from mailhelpers import Background, dav_status as dav, imap, unique_folder

FH = "FolderHierarchy"
PG = "Ping"
DOVECOT_PUSH_PORT = 19464  # where the dev Dovecot posts (dovecot.conf.in)
PUSH_SECRET = "dev-push-secret-not-a-secret"
PORT_OFFSET = 7  # beside a session gateway of the same port base

imaplib.Commands.setdefault("SETMETADATA", ("AUTH", "SELECTED"))

PUSH_YAML = """
push:
  endpoint_secret: {secret}
  poll_interval: 1s
  drain_timeout: 5s
eas:
  ping:
    min_heartbeat: 5s
    max_heartbeat: 120s
    max_folders: 5
"""


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class PushGateway(Gateway):
    """The gateway with the push endpoint; an extra admin listener on the Dovecot port."""

    stop_timeout = 15

    def __init__(self, offset, dovecot_port=True):
        self.state = tempfile.mkdtemp(prefix="easgate-push-it-")
        self.push_endpoint = dovecot_port and port_free(DOVECOT_PUSH_PORT)
        super().__init__(self.state, extra_yaml=PUSH_YAML.format(secret=PUSH_SECRET),
                         port_offset=offset, edit_config=self._edit_config)

    def _edit_config(self, config):
        if self.push_endpoint:
            config = config.replace(
                "  limits:",
                "    - {name: dovecot-push, address: 127.0.0.1, port: %d, role: admin}\n"
                "  limits:" % DOVECOT_PUSH_PORT, 1)
        return config.replace("level: info", "level: debug", 1)

    def client(self, device_id=None, **kw):
        return EasClient("127.0.0.1", self.eas_port,
                         device_id=device_id or "PUSH%s" % uuid.uuid4().hex[:10], **kw)


@pytest.fixture(scope="module")
def gw():
    g = PushGateway(PORT_OFFSET)
    yield g
    g.stop()
    assert g.proc.returncode in (0, -15)


def enable_dovecot_push(user):
    """The OX driver only reports users with this server METADATA (see dovecot.conf.in); a
    fresh dev stack has none, so every test that relies on the push endpoint sets it."""
    m = imap(user)
    m._simple_command("SETMETADATA", '""',
                      '(/private/vendor/vendor.dovecot/http-notify "user=%s")' % user)
    m.logout()


@pytest.fixture
def mail_folder():
    """A fresh IMAP folder of alice's; removed afterwards."""
    # The OX driver only reports users with this METADATA (see dovecot.conf.in).
    yield from unique_folder("PushIT", after_create=lambda m: m._simple_command(
        "SETMETADATA", '""',
        '(/private/vendor/vendor.dovecot/http-notify "user=alice@example.test")'))


def deliver(folder, subject="push it", to=None):
    # Dovecot's LMTP is the delivery path the plugin hooks; postfix's inject port does not
    # know alice+detail addresses, LMTP puts them into the folder named by the detail.
    with smtplib.LMTP(os.path.join(DEV_DIR, "dovecot", "run", "lmtp"), timeout=10) as s:
        s.sendmail("bob@example.test", [to or "alice+%s@example.test" % folder],
                   "From: bob@example.test\r\nTo: alice@example.test\r\nSubject: %s\r\n\r\n"
                   "body\r\n" % subject)


# --- immediate statuses -------------------------------------------------------------------

def test_status_3_when_nothing_was_ever_sent(gw):
    assert status(ping(gw.client(), empty=True)) == "3"
    assert status(ping(gw.client(), heartbeat=60)) == "3"  # interval but no folders


def test_status_4_for_a_malformed_ping(gw):
    c = gw.client()
    assert status(ping(c, heartbeat="abc", folders=["1"])) == "4"
    r = c.command("Ping", '<Ping xmlns="Ping:"><Folders><Folder><Class>Email</Class>'
                          '</Folder></Folders></Ping>')
    assert status(r) == "4"


def test_status_5_names_the_violated_bound(gw):
    c = gw.client()
    r = ping(c, heartbeat=1, folders=["1"])
    assert status(r) == "5"
    assert r.find("HeartbeatInterval", PG) == "5"
    r = ping(c, heartbeat=100000, folders=["1"])
    assert status(r) == "5"
    assert r.find("HeartbeatInterval", PG) == "120"


def test_status_6_names_max_folders(gw):
    r = ping(gw.client(), heartbeat=60, folders=[str(i) for i in range(1, 7)])
    assert status(r) == "6"
    assert r.find("MaxFolders", PG) == "5"


def test_status_7_without_folder_sync_or_for_unknown_folders(gw):
    c = gw.client()
    assert status(ping(c, heartbeat=60, folders=["1"])) == "7"
    folder_id(c, "Inbox")
    assert status(ping(c, heartbeat=60, folders=["no-such-folder"])) == "7"


# --- held Pings ---------------------------------------------------------------------------

def test_status_1_after_the_heartbeat_and_remembered_parameters(gw, mail_folder):
    c = gw.client()
    fid = folder_id(c, mail_folder)
    t0 = time.time()
    assert status(ping(c, heartbeat=5, folders=[fid])) == "1"
    assert 4.5 <= time.time() - t0 < 9
    # MS-ASCMD 2.2.3.88.1: the interval and the folders are cached for the next Pings.
    t0 = time.time()
    assert status(ping(c, empty=True)) == "1"
    assert 4.5 <= time.time() - t0 < 9


def test_new_mail_wakes_the_ping_through_the_push_endpoint(gw):
    # Dovecot 2.3's OX driver reports INBOX deliveries only, so this watches bob's INBOX
    # (other tests may deliver there too; the log line below proves the push path).
    if not gw.push_endpoint:
        pytest.skip("port %d is taken: Dovecot cannot reach this gateway" % DOVECOT_PUSH_PORT)
    enable_dovecot_push("bob@example.test")
    c = gw.client(user="bob@example.test")
    inbox = folder_id(c, "Inbox")
    held = Background(lambda: ping(c, heartbeat=60, folders=[inbox]))
    time.sleep(1.0)  # the Ping's baseline is read
    assert held.held()
    sent = time.time()
    deliver("", to="bob@example.test")
    r = held.result(timeout=10)
    assert status(r) == "2"
    assert [f.text for f in r.findall("Folders/Folder", PG)] == [inbox]
    assert held.done_at - sent < 1.0
    assert "user=bob@example.test source=push_endpoint" in gw.log()


def test_mail_filed_outside_inbox_wakes_through_the_interval_check(gw, mail_folder):
    c = gw.client()
    fid = folder_id(c, mail_folder)
    held = Background(lambda: ping(c, heartbeat=60, folders=[fid]))
    time.sleep(1.0)
    assert held.held()
    deliver(mail_folder)
    r = held.result(timeout=5)  # poll_interval is 1s in this config
    assert status(r) == "2"
    assert [f.text for f in r.findall("Folders/Folder", PG)] == [fid]


def test_push_endpoint_refuses_a_wrong_secret(gw):
    conn = http.client.HTTPConnection("127.0.0.1", gw.admin_port, timeout=5)
    bad = "Basic " + base64.b64encode(b"easgate:wrong").decode()
    conn.request("PUT", "/push/dovecot", body=b'{"user":"alice"}',
                 headers={"Authorization": bad, "Content-Type": "application/json"})
    assert conn.getresponse().status == 401
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", gw.admin_port, timeout=5)
    good = "Basic " + base64.b64encode(("easgate:" + PUSH_SECRET).encode()).decode()
    conn.request("PUT", "/push/dovecot", body=b'{"folder":"INBOX"}',
                 headers={"Authorization": good, "Content-Type": "application/json"})
    assert conn.getresponse().status == 400
    conn.close()


def test_a_newer_ping_of_the_device_ends_the_held_one(gw, mail_folder):
    device = "PUSHSUP%s" % uuid.uuid4().hex[:8]
    c = gw.client(device_id=device)
    fid = folder_id(c, mail_folder)
    first = Background(lambda: ping(c, heartbeat=60, folders=[fid]))
    time.sleep(0.5)
    assert first.held()
    second = Background(lambda: ping(gw.client(device_id=device), heartbeat=5, folders=[fid]))
    r = first.result(timeout=3)
    assert status(r) == "1"
    assert second.held()
    assert status(second.result(timeout=10)) == "1"


def test_a_sync_of_the_device_ends_the_held_ping(gw, mail_folder):
    device = "PUSHSYN%s" % uuid.uuid4().hex[:8]
    c = gw.client(device_id=device)
    fid = folder_id(c, mail_folder)
    held = Background(lambda: ping(c, heartbeat=60, folders=[fid]))
    time.sleep(0.5)
    assert held.held()
    c.command("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey>'
                      '<CollectionId>%s</CollectionId></Collection></Collections></Sync>' % fid)
    assert status(held.result(timeout=3)) == "1"


def test_a_caldav_change_wakes_a_ping_on_the_calendar_folder(gw):
    name = "PushCal%s" % uuid.uuid4().hex[:8]
    path = "/alice/%s/" % name.lower()
    mkcal = ('<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" '
             'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
             '<D:displayname>%s</D:displayname><C:supported-calendar-component-set>'
             '<C:comp name="VEVENT"/></C:supported-calendar-component-set></D:prop></D:set>'
             '</C:mkcalendar>' % name)
    assert dav("MKCALENDAR", path, mkcal, {"Content-Type": "application/xml"}) in (200, 201)
    try:
        c = gw.client()
        fid = folder_id(c, name)
        held = Background(lambda: ping(c, heartbeat=60, folders=[fid], cls="Calendar"))
        time.sleep(1.5)
        assert held.held()
        event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easgate-it//EN\r\n"
                 "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20260101T000000Z\r\n"
                 "DTSTART:20260301T100000Z\r\nDTEND:20260301T110000Z\r\nSUMMARY:push\r\n"
                 "END:VEVENT\r\nEND:VCALENDAR\r\n" % uuid.uuid4())
        assert dav("PUT", path + "e1.ics", event, {"Content-Type": "text/calendar"}) in (200, 201)
        r = held.result(timeout=10)
        assert status(r) == "2"
        assert [f.text for f in r.findall("Folders/Folder", PG)] == [fid]
    finally:
        dav("DELETE", path)


# --- restart behaviour --------------------------------------------------------------------

def test_sighup_keeps_held_pings_and_sigterm_answers_them_with_status_1(mail_folder):
    g = PushGateway(PORT_OFFSET + 1, dovecot_port=False)
    try:
        c = g.client()
        fid = folder_id(c, mail_folder)
        held = Background(lambda: ping(c, heartbeat=60, folders=[fid]))
        time.sleep(0.8)
        g.proc.send_signal(signal.SIGHUP)
        time.sleep(0.8)
        assert held.held(), "SIGHUP must not end held Pings"
        assert g.proc.poll() is None
        t0 = time.time()
        g.proc.send_signal(signal.SIGTERM)
        assert status(held.result(timeout=5)) == "1"
        g.proc.wait(timeout=10)
        assert time.time() - t0 < 6
        assert g.proc.returncode == 0
        assert "config reloaded" in g.log()
    finally:
        g.stop()


# --- Ping baselines from the Sync cursor, hanging Sync (issue 6 item 2) ---------------------

AS = "AirSync"


def sync_xml(fid, key, top="", collection_extra=""):
    return ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey>'
            '<CollectionId>%s</CollectionId>%s</Collection></Collections>%s</Sync>'
            % (key, fid, collection_extra, top))


def synced_key(c, fid):
    """Syncs `fid` until nothing is left; returns the SyncKey the device then holds."""
    return settle(c, fid, sync_xml, rounds=20)


def added_subjects(col):
    return [a.find("{AirSync:}ApplicationData/{Email:}Subject").text
            for a in col.findall("{AirSync:}Commands/{AirSync:}Add")]


def wait_for_message(folder, count=1):
    for _ in range(50):
        m = imap()
        n = int(m.status(folder, "(MESSAGES)")[1][0].split()[-1].rstrip(b")"))
        m.logout()
        if n >= count:
            return
        time.sleep(0.1)
    raise AssertionError("the mail did not reach %s" % folder)


def test_a_ping_reports_mail_that_arrived_after_the_last_sync_at_once(gw, mail_folder):
    # The baseline is the cursor the device's last Sync stored, not the folder when the
    # Ping starts: a mail between Sync and Ping is Status 2 at once (no heartbeat wait).
    c = gw.client()
    fid = folder_id(c, mail_folder)
    synced_key(c, fid)
    deliver(mail_folder, subject="between sync and ping")
    wait_for_message(mail_folder)
    t0 = time.time()
    r = ping(c, heartbeat=60, folders=[fid])
    assert status(r) == "2"
    assert [f.text for f in r.findall("Folders/Folder", PG)] == [fid]
    assert time.time() - t0 < 1.0
    # Once the device synced it, the same Ping waits again (Status 1 at the heartbeat).
    synced_key(c, fid)
    t0 = time.time()
    assert status(ping(c, heartbeat=5, folders=[fid])) == "1"
    assert time.time() - t0 >= 4.5


def test_a_hanging_sync_is_answered_with_the_new_mail(gw, mail_folder):
    c = gw.client()
    fid = folder_id(c, mail_folder)
    key = synced_key(c, fid)
    held = Background(lambda: c.command(
        "Sync", sync_xml(fid, key, top="<HeartbeatInterval>60</HeartbeatInterval>")))
    time.sleep(1.0)
    assert held.held()
    deliver(mail_folder, subject="woke the sync")
    col = sync_collection(held.result(timeout=10))
    assert col.find("{AirSync:}Status").text == "1"
    assert col.find("{AirSync:}SyncKey").text != key
    assert added_subjects(col) == ["woke the sync"]


def test_a_hanging_sync_without_changes_ends_with_an_empty_response(gw, mail_folder):
    c = gw.client()
    fid = folder_id(c, mail_folder)
    key = synced_key(c, fid)
    t0 = time.time()
    r = c.command("Sync", sync_xml(fid, key, top="<HeartbeatInterval>5</HeartbeatInterval>"))
    # MS-ASCMD 2.2.1.21.2: no changes in the interval -> HTTP 200 without a body.
    assert r.status == 200 and r.body == b""
    assert 4.5 <= time.time() - t0 < 9


def test_sync_wait_bounds_answer_status_14_with_the_limit(gw, mail_folder):
    c = gw.client()
    fid = folder_id(c, mail_folder)
    key = synced_key(c, fid)
    r = c.command("Sync", sync_xml(fid, key, top="<HeartbeatInterval>1</HeartbeatInterval>"))
    assert r.find("Status", AS) == "14" and r.find("Limit", AS) == "5"
    r = c.command("Sync", sync_xml(fid, key, top="<Wait>30</Wait>"))  # max_heartbeat 120s
    assert r.find("Status", AS) == "14" and r.find("Limit", AS) == "2"
    r = c.command("Sync", sync_xml(
        fid, key, top="<Wait>1</Wait><HeartbeatInterval>60</HeartbeatInterval>"))
    assert r.find("Status", AS) == "4"


def test_empty_sync_request_repeats_the_cached_request(gw, mail_folder):
    c = gw.client()
    # Nothing cached for a new device: Status 13 (MS-ASCMD 2.2.3.177.17).
    r = c.command("Sync", body=b"")
    assert r.find("Status", AS) == "13"
    fid = folder_id(c, mail_folder)
    key = synced_key(c, fid)
    deliver(mail_folder, subject="for the empty sync")
    wait_for_message(mail_folder)
    col = sync_collection(c.command("Sync", body=b""))  # the cached request, SyncKey `key`
    assert added_subjects(col) == ["for the empty sync"]
    new_key = col.find("{AirSync:}SyncKey").text
    assert new_key != key
    # The cache took the new SyncKey: the next empty request continues from it.
    r = c.command("Sync", body=b"")
    col = sync_collection(r)
    assert col is not None, r.xml
    assert col.find("{AirSync:}SyncKey").text == new_key
    assert col.find("{AirSync:}Commands") is None


def test_partial_sync_completes_the_cached_request(gw, mail_folder):
    c = gw.client()
    # Partial without a cached request: Status 13.
    r = c.command("Sync", '<Sync xmlns="AirSync:"><Partial/></Sync>')
    assert r.find("Status", AS) == "13"
    fid = folder_id(c, mail_folder)
    synced_key(c, fid)  # caches the request for the collection
    # Only the interval is sent; the collection comes from the cached request.
    held = Background(lambda: c.command(
        "Sync", '<Sync xmlns="AirSync:"><HeartbeatInterval>60</HeartbeatInterval>'
                '<Partial/></Sync>'))
    time.sleep(1.0)
    assert held.held()
    deliver(mail_folder, subject="partial woke")
    col = sync_collection(held.result(timeout=10))
    assert col.find("{AirSync:}CollectionId").text == fid
    assert added_subjects(col) == ["partial woke"]


def test_a_newer_request_of_the_device_ends_the_held_sync(gw, mail_folder):
    device = "PUSHHS%s" % uuid.uuid4().hex[:8]
    c = gw.client(device_id=device)
    fid = folder_id(c, mail_folder)
    key = synced_key(c, fid)
    held = Background(lambda: c.command(
        "Sync", sync_xml(fid, key, top="<HeartbeatInterval>60</HeartbeatInterval>")))
    time.sleep(1.0)
    assert held.held()
    second = Background(lambda: ping(gw.client(device_id=device), heartbeat=5, folders=[fid]))
    r = held.result(timeout=3)
    assert r.status == 200 and r.body == b""  # ended as "no changes"
    assert status(second.result(timeout=10)) == "1"
    # A newer Sync ends a held Sync too.
    held = Background(lambda: c.command(
        "Sync", sync_xml(fid, key, top="<HeartbeatInterval>60</HeartbeatInterval>")))
    time.sleep(1.0)
    assert held.held()
    sync_collection(gw.client(device_id=device).command("Sync", sync_xml(fid, key)))
    r = held.result(timeout=3)
    assert r.status == 200 and r.body == b""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % gw.admin_port,
                                timeout=10) as m:
        metrics = m.read().decode()
    superseded = [line for line in metrics.splitlines()
                  if line.startswith("easgate_push_superseded_total")]
    assert superseded and float(superseded[0].split()[-1]) >= 2
    assert 'easgate_held_requests{command="Sync"}' in metrics
    assert "easgate_push_wakeups_total" in metrics
