"""Issue 4 Email Sync end to end: the real gateway against real Dovecot.

Each test works in a uniquely named folder of alice's mailbox (created over IMAP, filled by
IMAP APPEND, deleted afterwards) so alice's seeded folders are never touched; the SMTP test
uses bob's INBOX with a unique subject.
"""
import imaplib
import re
import time
import uuid
from email.message import EmailMessage

import pytest

from mailhelpers import inject_message
from test_dav_sync import coll, key_of, status_of  # also used by other tests from here

AS = "AirSync"
EM = "Email"
FH = "FolderHierarchy"
VERSIONS = ["12.1", "14.1", "16.1"]


def imap(user="alice"):
    conn = imaplib.IMAP4("127.0.0.1", 10143, timeout=30)
    conn.login(user, "secret")
    return conn


def make_message(subject, body="hello", date=None):
    m = EmailMessage()
    m["From"] = "Carol <carol@example.test>"
    m["To"] = "Alice <alice@example.test>"
    m["Subject"] = subject
    m["Message-ID"] = "<%s@example.test>" % uuid.uuid4().hex
    m.set_content(body)
    m.add_alternative("<html><body><p>%s</p></body></html>" % body, subtype="html")
    return m.as_bytes().replace(b"\n", b"\r\n")


class Folder:
    """A uniquely named IMAP folder of alice's, with n messages."""

    def __init__(self, n, prefix="it-sync"):
        self.name = "%s-%s" % (prefix, uuid.uuid4().hex[:8])
        self.subjects = ["%s msg %03d" % (self.name, i) for i in range(n)]
        c = imap()
        c.create(self.name)
        for s in self.subjects:
            c.append(self.name, None, None, make_message(s))
        c.logout()

    def append(self, subject):
        c = imap()
        c.append(self.name, None, None, make_message(subject))
        c.logout()

    def flags_of(self, subject):
        c = imap()
        c.select(self.name)
        typ, data = c.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
        uid = data[0].split()[0]
        typ, data = c.uid("FETCH", uid, "(FLAGS)")
        c.logout()
        return data[0].decode()

    def imap_store(self, subject, op, flags):
        c = imap()
        c.select(self.name)
        typ, data = c.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
        c.uid("STORE", data[0].split()[0], op, flags)
        c.logout()

    def imap_expunge(self, subject):
        c = imap()
        c.select(self.name)
        typ, data = c.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
        c.uid("STORE", data[0].split()[0], "+FLAGS", "(\\Deleted)")
        c.expunge()
        c.logout()

    def delete(self):
        c = imap()
        c.delete(self.name)
        c.logout()


@pytest.fixture
def folder_factory():
    made = []

    def make(n, **kw):
        f = Folder(n, **kw)
        made.append(f)
        return f
    yield make
    for f in made:
        try:
            f.delete()
        except Exception:
            pass


def collection_id(client, name):
    r = client.folder_sync(0)
    assert r.status == 200
    for add in r.findall("Changes/Add", FH):
        if (add.find("{FolderHierarchy:}DisplayName").text == name or
                (name == "Inbox" and add.find("{FolderHierarchy:}Type").text == "2")):
            return add.find("{FolderHierarchy:}ServerId").text
    raise AssertionError("folder %s not in FolderSync" % name)


def sync(client, cid, key, window=100, commands="", body_type=2, extra=""):
    xml = ('<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:" xmlns:email="Email:" '
           'xmlns:tasks="Tasks:">'
           '<Collections><Collection><SyncKey>%s</SyncKey><CollectionId>%s</CollectionId>'
           '%s<WindowSize>%d</WindowSize>'
           '<Options><airsyncbase:BodyPreference><airsyncbase:Type>%d</airsyncbase:Type>'
           '<airsyncbase:TruncationSize>5120</airsyncbase:TruncationSize>'
           '</airsyncbase:BodyPreference>%s</Options>%s</Collection></Collections></Sync>'
           % (key, cid, "" if str(key) == "0" else "<GetChanges>1</GetChanges>", window,
              body_type, extra, ("<Commands>%s</Commands>" % commands) if commands else ""))
    if str(key) == "0":
        xml = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey>'
               '<CollectionId>%s</CollectionId></Collection></Collections></Sync>' % cid)
    r = client.command("Sync", xml)
    assert r.status == 200, r.body
    return r


def adds(r):
    """ServerId -> subject of the Adds in a response."""
    out = {}
    for a in coll(r).findall("{AirSync:}Commands/{AirSync:}Add"):
        sid = a.find("{AirSync:}ServerId").text
        out[sid] = a.find("{AirSync:}ApplicationData/{Email:}Subject").text
    return out


def changes(r):
    return {c.find("{AirSync:}ServerId").text: c
            for c in coll(r).findall("{AirSync:}Commands/{AirSync:}Change")}


def deletes(r):
    return [d.find("{AirSync:}ServerId").text
            for d in coll(r).findall("{AirSync:}Commands/{AirSync:}Delete")]


def more(r):
    return coll(r).find("{AirSync:}MoreAvailable") is not None


def full_sync(client, cid, window=100):
    r = sync(client, cid, 0)
    assert status_of(r) == "1" and key_of(r) == "1"
    assert coll(r).find("{AirSync:}Commands") is None
    key, seen, rounds = key_of(r), {}, 0
    while True:
        r = sync(client, cid, key, window=window)
        assert status_of(r) == "1", r.xml
        got = adds(r)
        assert not (set(got.values()) & set(seen.values())), "message sent twice"
        seen.update(got)
        key = key_of(r)
        rounds += 1
        if not more(r):
            return key, seen, rounds


def imap_calls(gateway):
    total = 0
    for line in gateway.metrics().splitlines():
        if line.startswith("easgate_backend_calls_total{") and 'backend="imap"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.mark.parametrize("version", VERSIONS)
def test_initial_sync_in_windows_every_message_once(client_factory, folder_factory, version):
    f = folder_factory(7)
    c = client_factory(version=version)
    cid = collection_id(c, f.name)
    key, seen, rounds = full_sync(c, cid, window=3)
    assert sorted(seen.values()) == sorted(f.subjects)
    assert rounds == 3
    assert all(sid.startswith(cid + ":") for sid in seen)
    # Nothing new: same key back, no commands.
    r = sync(c, cid, key)
    assert key_of(r) == key and coll(r).find("{AirSync:}Commands") is None


def test_body_and_fields_per_version(client_factory, folder_factory):
    f = folder_factory(1)
    for version in VERSIONS:
        c = client_factory(version=version)
        cid = collection_id(c, f.name)
        sync(c, cid, 0)
        r = sync(c, cid, 1)
        a = coll(r).find("{AirSync:}Commands/{AirSync:}Add/{AirSync:}ApplicationData")
        body = a.find("{AirSyncBase:}Body")
        assert body.find("{AirSyncBase:}Type").text == "2"
        assert "<p>hello</p>" in body.find("{AirSyncBase:}Data").text
        assert a.find("{Email:}Read").text == "0"
        assert a.find("{Email:}From").text.startswith('"Carol"')
        has_conv = a.find("{Email2:}ConversationId") is not None
        assert has_conv == (version != "12.1")


def test_mail_delivered_over_smtp_appears_in_next_sync(client_factory):
    c = client_factory(user="bob@example.test", version="14.1")
    cid = collection_id(c, "Inbox")
    r = sync(c, cid, 0)
    key = key_of(r)
    while True:
        r = sync(c, cid, key, window=512)
        key = key_of(r)
        if not more(r):
            break
    subject = "it-smtp-%s" % uuid.uuid4().hex[:8]
    inject_message("alice@example.test", "bob@example.test", subject, "over smtp")
    found = None
    for _ in range(50):
        r = sync(c, cid, key)
        key = key_of(r)
        found = [sid for sid, s in adds(r).items() if s == subject]
        if found:
            break
        time.sleep(0.2)
    assert found
    # Clean up: delete it from the device (moves it to Trash), then expunge Trash copy.
    r = sync(c, cid, key, commands="<Delete><ServerId>%s</ServerId></Delete>" % found[0])
    assert status_of(r) == "1"
    conn = imap("bob")
    conn.select("Trash")
    typ, data = conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
    for uid in data[0].split():
        conn.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
    conn.expunge()
    conn.logout()


@pytest.mark.parametrize("version", VERSIONS)
def test_flags_both_ways_without_echo(client_factory, folder_factory, version):
    f = folder_factory(3)
    c = client_factory(version=version)
    cid = collection_id(c, f.name)
    key, seen, _ = full_sync(c, cid)
    by_subject = {s: sid for sid, s in seen.items()}
    sid0 = by_subject[f.subjects[0]]
    cmd = ('<Change><ServerId>%s</ServerId><ApplicationData><email:Read>1</email:Read>'
           '<email:Flag><email:Status>2</email:Status><email:FlagType>Flag for follow up'
           '</email:FlagType></email:Flag><email:Categories><email:Category>Red team'
           '</email:Category></email:Categories></ApplicationData></Change>' % sid0)
    r = sync(c, cid, key, commands=cmd)
    assert status_of(r) == "1"
    assert sid0 not in changes(r), "the device's own change echoed back"
    key = key_of(r)
    flags = f.flags_of(f.subjects[0])
    assert "\\Seen" in flags and "\\Flagged" in flags and "$Category_" in flags
    r = sync(c, cid, key)
    assert sid0 not in changes(r)
    key = key_of(r)
    # IMAP -> device.
    f.imap_store(f.subjects[1], "+FLAGS", "(\\Flagged \\Seen)")
    r = sync(c, cid, key)
    ch = changes(r)
    sid1 = by_subject[f.subjects[1]]
    assert sid1 in ch
    data = ch[sid1].find("{AirSync:}ApplicationData")
    assert data.find("{Email:}Read").text == "1"
    # libwbxml names email:Status (page 2, 0x3B) after its AirSync twin; match by local name.
    flag = data.find("{Email:}Flag")
    assert [e.text for e in flag if e.tag.endswith("Status")] == ["2"]


def test_delete_on_device_moves_to_trash_and_imap_expunge_reaches_device(
        client_factory, folder_factory):
    f = folder_factory(3)
    c = client_factory()
    cid = collection_id(c, f.name)
    key, seen, _ = full_sync(c, cid)
    by_subject = {s: sid for sid, s in seen.items()}
    r = sync(c, cid, key, commands="<Delete><ServerId>%s</ServerId></Delete>"
             % by_subject[f.subjects[0]])
    assert status_of(r) == "1"
    assert not deletes(r), "the device's own delete echoed back"
    key = key_of(r)
    conn = imap()
    conn.select("Trash")
    typ, data = conn.uid("SEARCH", None, "SUBJECT", '"%s"' % f.subjects[0])
    uids = data[0].split()
    assert uids, "deleted message not in Trash"
    for uid in uids:
        conn.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
    conn.expunge()
    conn.logout()
    f.imap_expunge(f.subjects[1])
    r = sync(c, cid, key)
    assert deletes(r) == [by_subject[f.subjects[1]]]


def test_retry_with_previous_key_gets_the_same_changes(client_factory, folder_factory):
    f = folder_factory(4)
    c = client_factory()
    cid = collection_id(c, f.name)
    sync(c, cid, 0)
    first = sync(c, cid, 1, window=2)
    again = sync(c, cid, 1, window=2)  # the first response was "lost"
    assert sorted(adds(first).values()) == sorted(adds(again).values())
    assert key_of(first) == key_of(again) == "2"
    # The walk continues from the retried generation: every message exactly once.
    r = sync(c, cid, 2, window=10)
    assert sorted(list(adds(again).values()) + list(adds(r).values())) == sorted(f.subjects)
    # A key that was never issued (or is too old) forces a resync: Status 3.
    r = sync(c, cid, 99)
    assert status_of(r) == "3"


def test_no_change_sync_costs_constant_backend_calls(gateway, client_factory, folder_factory):
    costs = []
    for n in (10, 200):
        f = folder_factory(n)
        c = client_factory()
        cid = collection_id(c, f.name)
        key, seen, _ = full_sync(c, cid, window=512)
        assert len(seen) == n
        before = imap_calls(gateway)
        for _ in range(5):
            r = sync(c, cid, key)
            assert key_of(r) == key
        costs.append(imap_calls(gateway) - before)
    # One folder_state (one IMAP STATUS) per no-change Sync, whatever the folder size.
    assert costs == [5, 5]


def test_uidvalidity_change_gives_status_3(client_factory, folder_factory):
    f = folder_factory(2)
    c = client_factory()
    cid = collection_id(c, f.name)
    key, _, _ = full_sync(c, cid)
    conn = imap()
    conn.delete(f.name)
    conn.create(f.name)
    conn.append(f.name, None, None, make_message("after recreate"))
    conn.logout()
    r = sync(c, cid, key)
    assert status_of(r) == "3", r.xml
    # The client starts over with SyncKey 0 and gets the new content.
    r = sync(c, cid, 0)
    assert key_of(r) == "1"
    r = sync(c, cid, 1)
    assert list(adds(r).values()) == ["after recreate"]


def test_get_item_estimate(client_factory, folder_factory):
    f = folder_factory(5)
    c = client_factory()
    cid = collection_id(c, f.name)
    sync(c, cid, 0)
    xml = ('<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:"><Collections>'
           '<Collection><airsync:SyncKey>1</airsync:SyncKey><CollectionId>%s</CollectionId>'
           '</Collection></Collections></GetItemEstimate>' % cid)
    r = c.command("GetItemEstimate", xml)
    assert r.status == 200, r.body
    assert r.find("Response/Status", "GetItemEstimate") == "1"
    assert r.find("Response/Collection/Estimate", "GetItemEstimate") == "5"


def responses(r):
    """ServerId -> Status of the Responses/Change entries."""
    return {e.find("{AirSync:}ServerId").text: e.find("{AirSync:}Status").text
            for e in coll(r).findall("{AirSync:}Responses/{AirSync:}Change")}


@pytest.mark.parametrize("version", VERSIONS)
def test_conflict_server_wins_and_client_wins(client_factory, folder_factory, version):
    """MS-ASCMD 2.2.3.34: a Change of a message another client changed after the device's
    last Sync is dropped with Status 7 and the server state sent (Conflict 1, the default),
    or applied anyway (Conflict 0)."""
    f = folder_factory(2)
    c = client_factory(version=version)
    cid = collection_id(c, f.name)
    key, seen, _ = full_sync(c, cid)
    by_subject = {s: sid for sid, s in seen.items()}
    sid0, sid1 = by_subject[f.subjects[0]], by_subject[f.subjects[1]]
    read = ('<Change><ServerId>%s</ServerId><ApplicationData><email:Read>1</email:Read>'
            '</ApplicationData></Change>')
    # Server wins (default): another client flags message 0; the device marks it read.
    f.imap_store(f.subjects[0], "+FLAGS", "(\\Flagged)")
    r = sync(c, cid, key, commands=read % sid0)
    assert status_of(r) == "1"
    assert responses(r) == {sid0: "7"}
    assert "\\Seen" not in f.flags_of(f.subjects[0])
    ch = changes(r)
    assert sid0 in ch, "the server's state is sent back"
    flag = ch[sid0].find("{AirSync:}ApplicationData/{Email:}Flag")
    assert [e.text for e in flag if e.tag.endswith("Status")] == ["2"]
    key = key_of(r)
    # Client wins: same story on message 1 with Conflict 0.
    f.imap_store(f.subjects[1], "+FLAGS", "(\\Flagged)")
    r = sync(c, cid, key, commands=read % sid1, extra="<Conflict>0</Conflict>")
    assert status_of(r) == "1"
    assert responses(r) == {}
    assert "\\Seen" in f.flags_of(f.subjects[1])
    key = key_of(r)
    # A change with no conflict is applied under the default too.
    r = sync(c, cid, key, commands=read % sid0)
    assert responses(r) == {}
    assert "\\Seen" in f.flags_of(f.subjects[0])


def flag_fields(change_or_add):
    """Local name -> text of the email:Flag children of an item."""
    flag = change_or_add.find("{AirSync:}ApplicationData/{Email:}Flag")
    assert flag is not None
    # libwbxml names email:Status (page 2, 0x3B) FlagStatus or after its AirSync twin.
    return {("Status" if e.tag.endswith("Status") else e.tag.split("}")[1]): e.text
            for e in flag}


@pytest.mark.parametrize("version", VERSIONS)
def test_follow_up_flag_details_round_trip_to_other_devices(client_factory, folder_factory,
                                                             version):
    """MS-ASEMAIL 2.2.2.34: what one device sets in Flag comes back to the user's other
    devices (and after a resync); \\Flagged in IMAP stays the truth."""
    f = folder_factory(2)
    a = client_factory(version=version)
    b = client_factory(version=version)
    cid = collection_id(a, f.name)
    # ServerIds are per device (MS-ASCMD FolderSync): each device looks its folder up.
    cid_b = collection_id(b, f.name)
    key_a, seen_a, _ = full_sync(a, cid)
    key_b, seen_b, _ = full_sync(b, cid_b)
    sid_a = {s: sid for sid, s in seen_a.items()}[f.subjects[0]]
    sid_b = {s: sid for sid, s in seen_b.items()}[f.subjects[0]]
    flag = ('<Change><ServerId>%s</ServerId><ApplicationData><email:Flag>'
            '%s</email:Flag></ApplicationData></Change>')
    active = ('<email:Status>2</email:Status><email:FlagType>Call back</email:FlagType>'
              '<tasks:StartDate>2026-11-27T00:00:00.000Z</tasks:StartDate>'
              '<tasks:DueDate>2026-11-30T00:00:00.000Z</tasks:DueDate>'
              '<tasks:ReminderSet>1</tasks:ReminderSet>'
              '<tasks:ReminderTime>2026-11-29T08:00:00.000Z</tasks:ReminderTime>')
    r = sync(a, cid, key_a, commands=flag % (sid_a, active))
    assert status_of(r) == "1" and sid_a not in changes(r)
    key_a = key_of(r)
    assert "\\Flagged" in f.flags_of(f.subjects[0])
    r = sync(b, cid_b, key_b)
    got = flag_fields(changes(r)[sid_b])
    assert got["Status"] == "2" and got["FlagType"] == "Call back"
    # (libwbxml, the test's encoder, has no Utc*Date tokens; the unit test covers them.)
    assert got["DueDate"] == "2026-11-30T00:00:00.000Z" and got["ReminderSet"] == "1"
    key_b = key_of(r)
    # Completed on device a: \Flagged goes, the completion reaches b.
    complete = ('<email:Status>1</email:Status><email:FlagType>Call back</email:FlagType>'
                '<email:CompleteTime>2026-11-28T09:00:00.000Z</email:CompleteTime>'
                '<tasks:DateCompleted>2026-11-28T09:00:00.000Z</tasks:DateCompleted>')
    r = sync(a, cid, key_a, commands=flag % (sid_a, complete))
    assert status_of(r) == "1"
    key_a = key_of(r)
    assert "\\Flagged" not in f.flags_of(f.subjects[0])
    r = sync(b, cid_b, key_b)
    got = flag_fields(changes(r)[sid_b])
    assert got["Status"] == "1" and got["CompleteTime"] == "2026-11-28T09:00:00.000Z"
    key_b = key_of(r)
    # A fresh device (resync) sees the completion too.
    c = client_factory(version=version)
    cid_c = collection_id(c, f.name)
    key_c, seen_c, _ = full_sync(c, cid_c)
    sid_c = {s: sid for sid, s in seen_c.items()}[f.subjects[0]]
    r = sync(c, cid_c, key_c, commands="<Fetch><ServerId>%s</ServerId></Fetch>" % sid_c)
    fetched = coll(r).find("{AirSync:}Responses/{AirSync:}Fetch")
    got = flag_fields(fetched)
    assert got["Status"] == "1" and got["FlagType"] == "Call back"
    # Flagged again by another IMAP client: active, the old completion is gone.
    f.imap_store(f.subjects[0], "+FLAGS", "(\\Flagged)")
    r = sync(b, cid_b, key_b)
    got = flag_fields(changes(r)[sid_b])
    assert got["Status"] == "2" and "CompleteTime" not in got
    key_b = key_of(r)
    # Active with details, then \Flagged removed by another IMAP client: cleared.
    r = sync(a, cid, key_of(sync(a, cid, key_a)), commands=flag % (sid_a, active))
    f.imap_store(f.subjects[0], "-FLAGS", "(\\Flagged)")
    r = sync(b, cid_b, key_b)
    got = flag_fields(changes(r)[sid_b])
    assert "Status" not in got


@pytest.mark.parametrize("version", ["14.1", "16.1"])
def test_last_verb_from_smart_reply_and_other_clients(client_factory, folder_factory, version):
    """MS-ASEMAIL 2.2.2.46/47: a SmartReply through the gateway shows LastVerbExecuted 1
    with its time; $Forwarded set by another IMAP client shows 3 without a time."""
    from test_mail_commands import compose, delete_everywhere, mime, wait_for
    f = folder_factory(2)
    c = client_factory(version=version)
    cid = collection_id(c, f.name)
    key, seen, _ = full_sync(c, cid)
    by_subject = {s: sid for sid, s in seen.items()}
    sid0, sid1 = by_subject[f.subjects[0]], by_subject[f.subjects[1]]
    reply_subject = "Re: verb %s" % uuid.uuid4().hex
    before = time.time()
    r = compose(c, "SmartReply", uuid.uuid4().hex, mime(reply_subject, body="Answer."),
                save=False, source={"FolderId": cid, "ItemId": sid0})
    assert r.status == 200 and r.body == b"", r.xml
    bob = imap("bob")
    try:
        assert wait_for(bob, "INBOX", reply_subject)
    finally:
        delete_everywhere(bob, "INBOX", reply_subject)
        bob.logout()
    f.imap_store(f.subjects[1], "+FLAGS", "($Forwarded)")
    r = sync(c, cid, key)
    ch = changes(r)
    data0 = ch[sid0].find("{AirSync:}ApplicationData")
    assert data0.find("{Email2:}LastVerbExecuted").text == "1"
    when = data0.find("{Email2:}LastVerbExecutionTime").text
    import calendar
    stamp = calendar.timegm(time.strptime(when[:19], "%Y-%m-%dT%H:%M:%S"))
    assert before - 5 <= stamp <= time.time() + 5
    data1 = ch[sid1].find("{AirSync:}ApplicationData")
    assert data1.find("{Email2:}LastVerbExecuted").text == "3"
    assert data1.find("{Email2:}LastVerbExecutionTime") is None
    # A fresh device sees the same on its Adds.
    d = client_factory(version=version)
    cid_d = collection_id(d, f.name)  # ServerIds are per device
    r = sync(d, cid_d, key_of(sync(d, cid_d, 0)))
    found = [a for a in coll(r).findall("{AirSync:}Commands/{AirSync:}Add")
             if a.find("{AirSync:}ApplicationData/{Email:}Subject").text == f.subjects[0]]
    assert len(found) == 1
    assert found[0].find("{AirSync:}ApplicationData/{Email2:}LastVerbExecutionTime") is not None


def drafts_collection(client):
    r = client.folder_sync(0)
    for add in r.findall("Changes/Add", FH):
        if add.find("{FolderHierarchy:}Type").text == "3":
            return (add.find("{FolderHierarchy:}ServerId").text,
                    add.find("{FolderHierarchy:}DisplayName").text)
    raise AssertionError("no Drafts folder")


@pytest.mark.parametrize("version", ["14.1", "16.1"])
def test_draft_added_by_device_is_appended_and_mapped(client_factory, version):
    """MS-ASCMD 2.2.3.7.2 / MS-ASEMAIL 16.0: a Sync Add in Drafts is APPENDed with \\Draft,
    answered with its ServerId and not echoed back; before 16.0 it is refused (Status 6)."""
    c = client_factory(user="bob@example.test", version=version)
    cid, name = drafts_collection(c)
    key = key_of(sync(c, cid, 0))
    r = sync(c, cid, key)
    while more(r):
        r = sync(c, cid, key_of(r), window=512)
    key = key_of(r)
    subject = "draft %s" % uuid.uuid4().hex
    add = ('<Add><ClientId>cl-1</ClientId><ApplicationData>'
           '<email:To>carol@example.test</email:To><email:Subject>%s</email:Subject>'
           '<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>'
           '<airsyncbase:Data>Draft words.</airsyncbase:Data></airsyncbase:Body>'
           '</ApplicationData></Add>' % subject)
    r = sync(c, cid, key, commands=add)
    resp = coll(r).find("{AirSync:}Responses/{AirSync:}Add")
    conn = imap("bob")
    try:
        conn.select('"%s"' % name)
        typ, data = conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
        uids = data[0].split()
        if version == "14.1":
            assert resp.find("{AirSync:}Status").text == "6"
            assert not uids
            return
        assert resp.find("{AirSync:}Status").text == "1", r.xml
        assert resp.find("{AirSync:}ClientId").text == "cl-1"
        sid = resp.find("{AirSync:}ServerId").text
        assert len(uids) == 1
        typ, flags = conn.uid("FETCH", uids[0], "(FLAGS BODY.PEEK[])")
        assert b"\\Draft" in flags[0][0] and b"Draft words." in flags[0][1]
        r = sync(c, cid, key_of(r))
        assert sid not in adds(r), "the device's own draft echoed back"
        # The device can read it back by its ServerId.
        r = sync(c, cid, key_of(r), commands="<Fetch><ServerId>%s</ServerId></Fetch>" % sid)
        got = coll(r).find("{AirSync:}Responses/{AirSync:}Fetch")
        assert got.find("{AirSync:}ApplicationData/{Email:}Subject").text == subject
    finally:
        conn.select('"%s"' % name)
        typ, data = conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
        for u in data[0].split():
            conn.uid("STORE", u, "+FLAGS", "(\\Deleted)")
        conn.expunge()
        conn.logout()


def test_draft_with_send_is_submitted_copied_to_sent_and_removed(client_factory):
    """MS-ASEMAIL 2.2.2.68 email2:Send (16.0): the draft goes out over SMTP submission, a
    copy lands in Sent and the draft leaves Drafts (the next Sync deletes it)."""
    c = client_factory(user="bob@example.test", version="16.1")
    cid, name = drafts_collection(c)
    key = key_of(sync(c, cid, 0))
    r = sync(c, cid, key)
    while more(r):
        r = sync(c, cid, key_of(r), window=512)
    subject = "sent draft %s" % uuid.uuid4().hex
    add = ('<Add><ClientId>cl-send</ClientId><ApplicationData xmlns:email2="Email2:">'
           '<email:To>bob@example.test</email:To><email:Subject>%s</email:Subject>'
           '<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>'
           '<airsyncbase:Data>Sent from Drafts.</airsyncbase:Data></airsyncbase:Body>'
           '<email2:Send/></ApplicationData></Add>' % subject)
    r = sync(c, cid, key_of(r), commands=add)
    resp = coll(r).find("{AirSync:}Responses/{AirSync:}Add")
    assert resp.find("{AirSync:}Status").text == "1", r.xml
    sid = resp.find("{AirSync:}ServerId").text
    conn = imap("bob")
    try:
        deadline, got = time.time() + 15, []
        while time.time() < deadline and not got:
            conn.select("INBOX")
            got = conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)[1][0].split()
            time.sleep(0.3)
        assert got, "the draft was not delivered"
        conn.select("Sent")
        assert conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)[1][0].split()
        conn.select('"%s"' % name)
        assert not conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)[1][0].split()
        r = sync(c, cid, key_of(r))
        assert sid in deletes(r)
    finally:
        for box in ("INBOX", "Sent", name):
            conn.select('"%s"' % box)
            for u in conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)[1][0].split():
                conn.uid("STORE", u, "+FLAGS", "(\\Deleted)")
            conn.expunge()
        conn.logout()
