"""State that must survive a gateway restart (issues 4/6), against the real binary and the
real dev stack: the remembered Ping parameters (MS-ASCMD 2.2.3.88.1), the cached Sync
request behind an empty Sync (2.2.1.21.1) and the Sync ClientId record (2.2.3.28.2: a
client Add retried after a lost response gets the same ServerId and is not stored twice).

Each test stops the gateway and starts a new process on the same state database (on
other ports: a stopped gateway's ports can linger in TIME_WAIT). Memory-only state fails
these tests: the empty Ping answers Status 3, the empty Sync Status 13, the retried Add
a second draft.

Every test works in its own uniquely named IMAP folder (removed at the end) or on drafts
with a unique subject (deleted at the end).
"""
import tempfile
import time
import uuid

import pytest

from conftest import Gateway
from easclient import EasClient, ping_status, settle as settle_with, sync_collection as collection
from mailhelpers import imap, unique_folder

AS = "AirSync"
FH = "FolderHierarchy"
PG = "Ping"
PORT_OFFSET = 27  # 27 and 28: beside the session gateway and the other test gateways

RESTART_YAML = """
eas:
  ping:
    min_heartbeat: 5s
    max_heartbeat: 120s
"""


class RestartableGateway:
    """One state database, one gateway process at a time."""

    def __init__(self):
        self.state = tempfile.mkdtemp(prefix="easgate-restart-it-")
        self.starts = 0
        self.gw = None
        self.start()

    def start(self):
        self.gw = Gateway(self.state, extra_yaml=RESTART_YAML,
                          port_offset=PORT_OFFSET + self.starts % 2)
        self.starts += 1

    def restart(self):
        self.gw.stop()
        assert self.gw.proc.returncode in (0, -15)
        self.start()

    def client(self, device_id, **kw):
        return Restarting(self, device_id, **kw)

    def stop(self):
        self.gw.stop()


class Restarting:
    """An EasClient that follows the gateway to its current port."""

    def __init__(self, owner, device_id, **kw):
        self.owner, self.device_id, self.kw = owner, device_id, kw

    def __getattr__(self, name):
        c = EasClient("127.0.0.1", self.owner.gw.eas_port, device_id=self.device_id, **self.kw)
        return getattr(c, name)


@pytest.fixture(scope="module")
def gw():
    g = RestartableGateway()
    yield g
    g.stop()


@pytest.fixture
def mail_folder():
    yield from unique_folder("RestartIT")


def append(folder, subject, user="alice@example.test"):
    m = imap(user)
    msg = ("From: bob@example.test\r\nTo: alice@example.test\r\nSubject: %s\r\n\r\nbody\r\n"
           % subject).encode()
    assert m.append(folder, None, None, msg)[0] == "OK"
    m.logout()


def folder_id(client, display_name=None, folder_type=None):
    r = client.folder_sync(0)
    assert r.status == 200, r.body
    for add in r.findall("Changes/Add", FH):
        if folder_type and add.find("{FolderHierarchy:}Type").text == folder_type:
            return (add.find("{FolderHierarchy:}ServerId").text,
                    add.find("{FolderHierarchy:}DisplayName").text)
        if display_name and add.find("{FolderHierarchy:}DisplayName").text == display_name:
            return add.find("{FolderHierarchy:}ServerId").text
    raise AssertionError("folder %s not in FolderSync" % (display_name or folder_type))


def sync_xml(fid, key, commands=""):
    return ('<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:" xmlns:email="Email:">'
            '<Collections><Collection><SyncKey>%s</SyncKey><CollectionId>%s</CollectionId>'
            '%s<WindowSize>512</WindowSize>%s</Collection></Collections></Sync>'
            % (key, fid, "" if str(key) == "0" else "<GetChanges>1</GetChanges>",
               ("<Commands>%s</Commands>" % commands) if commands else ""))


def settle(c, fid):
    """Syncs until nothing is left; returns the SyncKey the device holds."""
    return settle_with(c, fid, sync_xml)


def test_empty_ping_after_a_restart_uses_the_stored_parameters(gw, mail_folder):
    c = gw.client("RSTPING%s" % uuid.uuid4().hex[:8])
    fid = folder_id(c, mail_folder)
    t0 = time.time()
    r = c.command("Ping", '<Ping xmlns="Ping:"><HeartbeatInterval>5</HeartbeatInterval>'
                          '<Folders><Folder><Id>%s</Id><Class>Email</Class></Folder></Folders>'
                          '</Ping>' % fid)
    assert ping_status(r) == "1"
    assert time.time() - t0 >= 4.5
    gw.restart()
    # MS-ASCMD 2.2.3.88.1: the interval and folders still apply; memory alone answered 3.
    t0 = time.time()
    assert ping_status(c.command("Ping", body=b"")) == "1"
    assert 4.5 <= time.time() - t0 < 9
    # A change in the remembered folder since the device's last Sync (the Ping's baseline)
    # is reported at once, for the remembered folder.
    settle(c, fid)
    gw.restart()
    append(mail_folder, "after restart")
    t0 = time.time()
    r = c.command("Ping", body=b"")
    assert ping_status(r) == "2"
    assert [f.text for f in r.findall("Folders/Folder", PG)] == [fid]
    assert time.time() - t0 < 3


def test_empty_sync_after_a_restart_repeats_the_stored_request(gw, mail_folder):
    c = gw.client("RSTSYNC%s" % uuid.uuid4().hex[:8])
    fid = folder_id(c, mail_folder)
    key = settle(c, fid)
    gw.restart()
    subject = "empty sync %s" % uuid.uuid4().hex[:8]
    append(mail_folder, subject)
    col = collection(c.command("Sync", body=b""))  # MS-ASCMD 2.2.1.21.1; memory alone: 13
    assert col.find("{AirSync:}Status").text == "1"
    assert col.find("{AirSync:}CollectionId").text == fid
    got = [a.find("{AirSync:}ApplicationData/{Email:}Subject").text
           for a in col.findall("{AirSync:}Commands/{AirSync:}Add")]
    assert got == [subject]
    new_key = col.find("{AirSync:}SyncKey").text
    assert new_key != key
    # The stored request took the new key too: after another restart nothing is repeated.
    gw.restart()
    col = collection(c.command("Sync", body=b""))
    assert col.find("{AirSync:}SyncKey").text == new_key
    assert col.find("{AirSync:}Commands") is None


def drafts_with(subject, user="bob@example.test"):
    m = imap(user)
    try:
        for flags, delim, name in (x.decode().rsplit(" ", 2) for x in m.list()[1]):
            if "\\Drafts" in flags:
                m.select(name)
                return [u for u in m.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)[1][0].split()]
    finally:
        m.logout()
    raise AssertionError("no \\Drafts folder")


def delete_drafts(subject, user="bob@example.test"):
    m = imap(user)
    try:
        for flags, delim, name in (x.decode().rsplit(" ", 2) for x in m.list()[1]):
            if "\\Drafts" in flags:
                m.select(name)
                for u in m.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)[1][0].split():
                    m.uid("STORE", u, "+FLAGS", "(\\Deleted)")
                m.expunge()
    finally:
        m.logout()


def test_retried_draft_add_after_a_restart_gets_the_same_server_id(gw):
    c = gw.client("RSTADD%s" % uuid.uuid4().hex[:8], user="bob@example.test", version="16.1")
    fid, _ = folder_id(c, folder_type="3")
    key = settle(c, fid)
    subject = "retried draft %s" % uuid.uuid4().hex[:8]
    add = ('<Add><ClientId>rst-1</ClientId><ApplicationData>'
           '<email:To>carol@example.test</email:To><email:Subject>%s</email:Subject>'
           '<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>'
           '<airsyncbase:Data>Draft words.</airsyncbase:Data></airsyncbase:Body>'
           '</ApplicationData></Add>' % subject)
    try:
        first = collection(c.command("Sync", sync_xml(fid, key, add)))
        resp = first.find("{AirSync:}Responses/{AirSync:}Add")
        assert resp.find("{AirSync:}Status").text == "1", first
        sid = resp.find("{AirSync:}ServerId").text
        assert len(drafts_with(subject)) == 1
        # The response is "lost": the device retries the same request with the same key.
        gw.restart()
        again = collection(c.command("Sync", sync_xml(fid, key, add)))
        resp = again.find("{AirSync:}Responses/{AirSync:}Add")
        assert resp.find("{AirSync:}Status").text == "1"
        assert resp.find("{AirSync:}ClientId").text == "rst-1"
        assert resp.find("{AirSync:}ServerId").text == sid
        assert len(drafts_with(subject)) == 1, "the retried Add stored a second draft"
        # The device moves on: its draft is not echoed back as a server Add.
        col = collection(c.command("Sync", sync_xml(fid, again.find("{AirSync:}SyncKey").text)))
        assert sid not in [a.find("{AirSync:}ServerId").text
                           for a in col.findall("{AirSync:}Commands/{AirSync:}Add")]
        # MS-ASCMD 2.2.3.28.2: a ClientId is unique only while its request runs; the same
        # ClientId under a later key is a new draft.
        later = add.replace(subject, subject + " second")
        col = collection(c.command("Sync", sync_xml(fid, col.find("{AirSync:}SyncKey").text,
                                                    later)))
        resp = col.find("{AirSync:}Responses/{AirSync:}Add")
        assert resp.find("{AirSync:}Status").text == "1"
        assert resp.find("{AirSync:}ServerId").text != sid
        assert len(drafts_with(subject + " second")) == 1
    finally:
        delete_drafts(subject)


def test_retried_dav_add_after_a_restart_gets_the_same_server_id(gw):
    # The DAV engine names a client Add's resource after device + collection + ClientId, so
    # the retried PUT meets If-None-Match: * (412); the record keeps its ServerId.
    from test_dav_sync import Dav
    dav = Dav()
    name = "it-rst-task-%s" % uuid.uuid4().hex[:6]
    path = dav.make("tasks", name)
    try:
        c = gw.client("RSTDAV%s" % uuid.uuid4().hex[:8])
        r = c.folder_sync(0)
        cid = [a.find("{FolderHierarchy:}ServerId").text for a in r.findall("Changes/Add", FH)
               if a.find("{FolderHierarchy:}DisplayName").text == name][0]
        key = settle(c, cid)
        add = ('<Add><ClientId>rst-t1</ClientId><ApplicationData xmlns:task="Tasks:">'
               '<task:Subject>Retried task</task:Subject><task:Complete>0</task:Complete>'
               '</ApplicationData></Add>')
        first = collection(c.command("Sync", sync_xml(cid, key, add)))
        resp = first.find("{AirSync:}Responses/{AirSync:}Add")
        assert resp.find("{AirSync:}Status").text == "1"
        sid = resp.find("{AirSync:}ServerId").text
        gw.restart()
        again = collection(c.command("Sync", sync_xml(cid, key, add)))
        resp = again.find("{AirSync:}Responses/{AirSync:}Add")
        assert resp.find("{AirSync:}Status").text == "1"
        assert resp.find("{AirSync:}ServerId").text == sid
        assert len([h for h in dav.members(path) if h.endswith(".ics")]) == 1
        col = collection(c.command("Sync", sync_xml(cid, again.find("{AirSync:}SyncKey").text)))
        # Never a second item; at most one Change of the same one (its ETag was unknown).
        assert col.findall("{AirSync:}Commands/{AirSync:}Add") == []
        assert [e.find("{AirSync:}ServerId").text
                for e in col.findall("{AirSync:}Commands/{AirSync:}Change")] in ([], [sid])
        # The same ClientId under a later key is a new task (MS-ASCMD 2.2.3.28.2).
        later = add.replace("Retried task", "Second task")
        col = collection(c.command("Sync", sync_xml(cid, col.find("{AirSync:}SyncKey").text,
                                                    later)))
        resp = col.find("{AirSync:}Responses/{AirSync:}Add")
        assert resp.find("{AirSync:}Status").text == "1"
        assert resp.find("{AirSync:}ServerId").text != sid
        assert len([h for h in dav.members(path) if h.endswith(".ics")]) == 2
    finally:
        dav.delete(path)
