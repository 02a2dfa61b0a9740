"""Conversations end to end (issue 4 items 4, 5): the real gateway against real Dovecot and
Postfix.

- ConversationMode (MS-ASCMD 2.2.3.36.2, MS-ASCON 3.1.4.9): a 3-message thread whose root
  and first reply are older than the FilterType window and whose last reply is inside it
  comes whole with ConversationMode 1, and only the window without it.
- ItemOperations Move of a conversation with MoveAlways (MS-ASCON 2.2.2.7/2.2.2.8): the
  thread leaves its folder (Deletes there, Adds in the destination by the next Syncs), and
  a later reply delivered over SMTP (inject port) goes to the destination too.
- SmartReply to all shows LastVerbExecuted 2 (MS-ASEMAIL 2.2.2.46) with its time.

Every test works in uniquely named folders of alice's (created and deleted here) and
removes the mail it delivered.
"""
import calendar
import imaplib
import os
import smtplib
import sqlite3
import time
import uuid
from email.message import EmailMessage

import pytest

from easclient import item_estimate
from test_email_sync import changes, coll, collection_id, imap_calls, key_of, status_of
from test_mail_commands import compose, delete_everywhere, wait_for

AS = "{AirSync:}"
EM = "{Email:}"
EM2 = "{Email2:}"
IO = "{ItemOperations:}"
ASB = "{AirSyncBase:}"
VERSIONS = ["14.1", "16.1"]
DAY = 86400


def imap(user="alice"):
    conn = imaplib.IMAP4("127.0.0.1", 10143, timeout=30)
    conn.login(user, "secret")
    return conn


def message(subject, msgid, parent_ids=(), frm="Carol <carol@example.test>",
            to="Alice <alice@example.test>", cc=None):
    m = EmailMessage()
    m["From"] = frm
    m["To"] = to
    if cc:
        m["Cc"] = cc
    m["Subject"] = subject
    m["Message-ID"] = "<%s>" % msgid
    if parent_ids:
        m["In-Reply-To"] = "<%s>" % parent_ids[-1]
        m["References"] = " ".join("<%s>" % p for p in parent_ids)
    m.set_content("Text of %s." % subject)
    return m.as_bytes().replace(b"\n", b"\r\n")


class Thread:
    """root (days_old[0]) <- reply 1 (days_old[1]) <- reply 2 (days_old[2]) in `folder`,
    plus an unrelated old and an unrelated new message."""

    def __init__(self, folder, days_old=(60, 45, 0)):
        tag = uuid.uuid4().hex[:10]
        self.folder = folder
        self.ids = ["%s-%d@example.test" % (tag, i) for i in range(3)]
        self.subjects = ["conv %s" % tag, "Re: conv %s" % tag, "Re: Re: conv %s" % tag]
        self.unrelated = ["old other %s" % tag, "new other %s" % tag]
        c = imap()
        now = time.time()
        for i, (subject, age) in enumerate(zip(self.subjects, days_old)):
            c.append(folder, None, imaplib.Time2Internaldate(now - age * DAY - 60),
                     message(subject, self.ids[i], self.ids[:i]))
        c.append(folder, None, imaplib.Time2Internaldate(now - 50 * DAY),
                 message(self.unrelated[0], "%s-x@example.test" % tag))
        c.append(folder, None, imaplib.Time2Internaldate(now - 60),
                 message(self.unrelated[1], "%s-y@example.test" % tag))
        c.logout()


@pytest.fixture
def folders():
    made = []

    def make():
        name = "it-conv-%s" % uuid.uuid4().hex[:8]
        c = imap()
        assert c.create(name)[0] == "OK"
        c.logout()
        made.append(name)
        return name
    yield make
    c = imap()
    for name in made:
        c.delete(name)
    c.logout()


def sync(client, cid, key, conversation_mode=None, filter_type=5, window=100):
    if str(key) == "0":  # the FilterType in force is the one the walk starts with
        xml = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey>'
               '<CollectionId>%s</CollectionId><Options><FilterType>%d</FilterType></Options>'
               '</Collection></Collections></Sync>' % (cid, filter_type))
    else:
        mode = ("<ConversationMode>%d</ConversationMode>" % conversation_mode
                if conversation_mode is not None else "")
        xml = ('<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:"><Collections>'
               '<Collection><SyncKey>%s</SyncKey><CollectionId>%s</CollectionId>'
               '<GetChanges>1</GetChanges><WindowSize>%d</WindowSize>%s'
               '<Options><FilterType>%d</FilterType><airsyncbase:BodyPreference>'
               '<airsyncbase:Type>1</airsyncbase:Type>'
               '<airsyncbase:TruncationSize>512</airsyncbase:TruncationSize>'
               '</airsyncbase:BodyPreference></Options></Collection></Collections></Sync>'
               % (key, cid, window, mode, filter_type))
    r = client.command("Sync", xml)
    assert r.status == 200, r.body
    return r


def add_elements(r):
    return coll(r).findall(AS + "Commands/" + AS + "Add")


def subject_of(add):
    return add.find(AS + "ApplicationData/" + EM + "Subject").text


def walk(client, cid, key, **kw):
    """Syncs until MoreAvailable is gone: (key, {subject: Add element}, Deletes)."""
    got, gone, sids = {}, [], set()
    for _ in range(50):
        r = sync(client, cid, key, **kw)
        assert status_of(r) == "1", r.xml
        for a in add_elements(r):
            sid = a.find(AS + "ServerId").text
            assert sid not in sids, "sent twice"
            sids.add(sid)
            got[subject_of(a)] = a  # subjects are unique in the test's own folders
        gone += [d.find(AS + "ServerId").text
                 for d in coll(r).findall(AS + "Commands/" + AS + "Delete")]
        key = key_of(r)
        if coll(r).find(AS + "MoreAvailable") is None:
            return key, got, gone
    raise AssertionError("MoreAvailable never ended")


def primed(client, cid, filter_type=5):
    r = sync(client, cid, 0, filter_type=filter_type)
    assert status_of(r) == "1"
    return key_of(r)


@pytest.mark.parametrize("version", VERSIONS)
def test_conversation_mode_brings_the_whole_thread(gateway, client_factory, folders, version):
    name = folders()
    t = Thread(name)
    inside = {t.subjects[2], t.unrelated[1]}

    off = client_factory(version=version)
    cid = collection_id(off, name)
    _, got, _ = walk(off, cid, primed(off, cid), conversation_mode=0)
    assert set(got) == inside

    absent = client_factory(version=version)
    cid = collection_id(absent, name)
    _, got, _ = walk(absent, cid, primed(absent, cid))
    assert set(got) == inside

    on = client_factory(version=version)
    cid = collection_id(on, name)
    key, got, _ = walk(on, cid, primed(on, cid), conversation_mode=1, window=1)
    # The whole thread, not the unrelated old message; one message per window.
    assert set(got) == inside | {t.subjects[0], t.subjects[1]}
    ids = {got[s].find(AS + "ApplicationData/" + EM2 + "ConversationId").text
           for s in t.subjects}
    assert len(ids) == 1
    # Outside the window only previews are sent: the body comes truncated to nothing.
    for subject, truncated in ((t.subjects[0], "1"), (t.subjects[1], "1"), (t.subjects[2], None)):
        body = got[subject].find(AS + "ApplicationData/" + ASB + "Body")
        mark = body.find(ASB + "Truncated")
        assert (mark.text if mark is not None and mark.text != "0" else None) == truncated
        data = body.find(ASB + "Data")
        text = data.text if data is not None else None
        assert (not text) if truncated else ("Text of" in text)
    # Nothing is sent again, and a Sync with no change stays one IMAP STATUS.
    before = imap_calls(gateway)
    for _ in range(5):
        r = sync(on, cid, key, conversation_mode=1)
        assert status_of(r) == "1" and not add_elements(r) and key_of(r) == key
    assert imap_calls(gateway) - before == 5


def estimate(client, cid, key, conversation_mode=None):
    mode = ("<airsync:ConversationMode>%d</airsync:ConversationMode>" % conversation_mode
            if conversation_mode is not None else "")
    xml = ('<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:"><Collections>'
           '<Collection><airsync:SyncKey>%s</airsync:SyncKey><CollectionId>%s</CollectionId>'
           '%s<airsync:Options><airsync:FilterType>5</airsync:FilterType></airsync:Options>'
           '</Collection></Collections></GetItemEstimate>' % (key, cid, mode))
    return item_estimate(client, xml)


@pytest.mark.parametrize("version", VERSIONS)
def test_estimate_counts_what_conversation_mode_brings(client_factory, folders, version):
    """MS-ASCMD 2.2.3.36.1: with ConversationMode 1 GetItemEstimate also counts the older
    members of a conversation with a message inside the FilterType window; the estimate
    equals the Adds the Syncs then send, before the walk and between its windows."""
    name = folders()
    t = Thread(name)
    c = client_factory(version=version)
    cid = collection_id(c, name)
    key = primed(c, cid)
    assert estimate(c, cid, key, 0) == 2  # reply 2 and the new unrelated message
    assert estimate(c, cid, key) == 2
    first = estimate(c, cid, key, 1)
    r = sync(c, cid, key, conversation_mode=1, window=1)
    assert status_of(r) == "1"
    sent = len(add_elements(r))
    key = key_of(r)
    rest = estimate(c, cid, key, 1)
    _, got, _ = walk(c, cid, key, conversation_mode=1, window=1)
    assert sent + len(got) == first == 4
    assert len(got) == rest
    assert set(got) | set(subject_of(a) for a in add_elements(r)) == \
        set(t.subjects) | {t.unrelated[1]}


def item_operations_move(client, conversation_id, dst, move_always=True):
    options = "<Options><MoveAlways/></Options>" if move_always else ""
    r = client.command("ItemOperations",
                       '<ItemOperations xmlns="ItemOperations:"><Move>'
                       '<ConversationId>%s</ConversationId><DstFldId>%s</DstFldId>%s</Move>'
                       '</ItemOperations>' % (conversation_id, dst, options))
    assert r.status == 200, r.body
    assert r.root.find(IO + "Status").text == "1", r.xml
    move = r.root.find(IO + "Response/" + IO + "Move")
    return move.find(IO + "Status").text


def deliver_reply(thread, subject):
    m = EmailMessage()
    m["From"] = "Carol <carol@example.test>"
    m["To"] = "Alice <alice@example.test>"
    m["Subject"] = subject
    m["Message-ID"] = "<%s@example.test>" % uuid.uuid4().hex
    m["In-Reply-To"] = "<%s>" % thread.ids[2]
    m["References"] = " ".join("<%s>" % i for i in thread.ids)
    m.set_content("A later reply of the thread.")
    with smtplib.SMTP("127.0.0.1", 10025, timeout=30) as s:
        s.send_message(m, from_addr="carol@example.test", to_addrs=["alice@example.test"])


@pytest.mark.parametrize("version", VERSIONS)
def test_move_conversation_always(client_factory, folders, version):
    src, dst = folders(), folders()
    t = Thread(src, days_old=(3, 2, 1))
    c = client_factory(version=version)
    cid_src, cid_dst = collection_id(c, src), collection_id(c, dst)
    cid_inbox = collection_id(c, "Inbox")
    key_src, got, _ = walk(c, cid_src, primed(c, cid_src, 0), filter_type=0)
    assert set(t.subjects) <= set(got)
    key_dst, _, _ = walk(c, cid_dst, primed(c, cid_dst, 0), filter_type=0)
    # INBOX, one day back: where the later reply arrives.
    key_inbox, _, _ = walk(c, cid_inbox, primed(c, cid_inbox, 1), filter_type=1, window=200)
    conversation = got[t.subjects[1]].find(AS + "ApplicationData/" + EM2 + "ConversationId").text
    thread_sids = {got[s].find(AS + "ServerId").text for s in t.subjects}

    # Without MoveAlways: MS-ASCMD 2.2.3.118 Status 155; nothing moves.
    assert item_operations_move(c, conversation, cid_dst, move_always=False) == "155"
    assert item_operations_move(c, conversation, "no-such-folder") == "6"
    assert item_operations_move(c, conversation, cid_dst) == "1"

    key_src, _, gone = walk(c, cid_src, key_src, filter_type=0)
    assert set(gone) == thread_sids
    key_dst, arrived, _ = walk(c, cid_dst, key_dst, filter_type=0)
    assert set(arrived) == set(t.subjects)
    assert not set(a.find(AS + "ServerId").text for a in arrived.values()) & thread_sids
    box = imap()
    try:
        box.select('"%s"' % src)
        assert box.uid("SEARCH", None, "ALL")[1][0].split().__len__() == 2  # the unrelated ones

        # MoveAlways: a later reply delivered to INBOX moves to the destination when the
        # device's INBOX Sync meets it.
        later = "Re: later %s" % uuid.uuid4().hex[:8]
        deliver_reply(t, later)
        assert wait_for(box, "INBOX", later) or wait_for(box, dst, later)
        key_inbox, inbox_got, _ = walk(c, cid_inbox, key_inbox, filter_type=1, window=200)
        assert later not in inbox_got
        assert not find_in(box, "INBOX", later)
        assert find_in(box, dst, later)
        key_dst, arrived, _ = walk(c, cid_dst, key_dst, filter_type=0)
        assert later in arrived
    finally:
        try:
            delete_everywhere(box, "INBOX", later)
        except Exception:
            pass
        box.logout()


def rules_to(gateway, destination):
    """Rows of the gateway's conversation_rules for `destination` (the store, read as is)."""
    db = sqlite3.connect(os.path.join(gateway.state_dir, "easgate.sqlite"), timeout=30)
    try:
        return db.execute("SELECT created_at FROM conversation_rules WHERE destination = ?",
                          (destination,)).fetchall()
    finally:
        db.close()


def age_rules_to(gateway, destination, days):
    db = sqlite3.connect(os.path.join(gateway.state_dir, "easgate.sqlite"), timeout=30)
    try:
        db.execute("UPDATE conversation_rules SET created_at = created_at - ? "
                   "WHERE destination = ?", (days * DAY * 1000, destination))
        db.commit()
    finally:
        db.close()


def test_move_always_rule_lapses_after_30_idle_days(gateway, client_factory, folders):
    """MS-OXOCFG 2.2.8: conversation actions lapse after a period of disuse. A MoveAlways
    rule not applied for 30 days no longer moves the conversation's new mail, and the
    user's next rule prunes it from the store. (EAS has no "stop moving": a Move without
    MoveAlways is Status 155, MS-ASCMD 2.2.3.118.)"""
    src, dst = folders(), folders()
    t = Thread(src, days_old=(3, 2, 1))
    c = client_factory(version="14.1")
    cid_src, cid_dst = collection_id(c, src), collection_id(c, dst)
    cid_inbox = collection_id(c, "Inbox")
    _, got, _ = walk(c, cid_src, primed(c, cid_src, 0), filter_type=0)
    key_inbox, _, _ = walk(c, cid_inbox, primed(c, cid_inbox, 1), filter_type=1, window=200)
    conversation = got[t.subjects[2]].find(AS + "ApplicationData/" + EM2 + "ConversationId").text
    assert item_operations_move(c, conversation, cid_dst) == "1"
    assert len(rules_to(gateway, dst)) == 1
    age_rules_to(gateway, dst, 31)
    box = imap()
    later = "Re: lapsed %s" % uuid.uuid4().hex[:8]
    try:
        deliver_reply(t, later)
        assert wait_for(box, "INBOX", later)
        key_inbox, inbox_got, _ = walk(c, cid_inbox, key_inbox, filter_type=1, window=200)
        assert later in inbox_got  # served where it arrived, not moved
        assert find_in(box, "INBOX", later) and not find_in(box, dst, later)
        assert len(rules_to(gateway, dst)) == 1  # lapsed, not yet pruned
        # The user's next rule prunes the lapsed one.
        other = Thread(src, days_old=(3, 2, 1))
        _, got, _ = walk(c, cid_src, primed(c, cid_src, 0), filter_type=0)
        second = got[other.subjects[2]].find(
            AS + "ApplicationData/" + EM2 + "ConversationId").text
        assert item_operations_move(c, second, cid_inbox) == "1"
        assert rules_to(gateway, dst) == []
    finally:
        try:
            delete_everywhere(box, "INBOX", later)
            for s in other.subjects + other.unrelated:
                delete_everywhere(box, "INBOX", s)
        except Exception:
            pass
        box.logout()


def find_in(conn, mailbox, subject):
    conn.select('"%s"' % mailbox)
    typ, data = conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
    return data[0].split() if typ == "OK" else []


def test_move_refusals(client_factory, folders):
    name = folders()
    c = client_factory(version="14.1")
    cid = collection_id(c, name)
    unknown = "AAAAAAAAAAAAAAAAAAAAAA=="  # 16 zero bytes: no message carries it
    assert item_operations_move(c, unknown, cid) == "6"
    calendar_id = None
    r = c.folder_sync(0)
    for add in r.findall("Changes/Add", "FolderHierarchy"):
        if add.find("{FolderHierarchy:}Type").text == "8":
            calendar_id = add.find("{FolderHierarchy:}ServerId").text
    if calendar_id:
        assert item_operations_move(c, unknown, calendar_id) == "156"
    # Move is 14.0+ (MS-ASCMD 2.2.3.117.1): a 12.1 request is a protocol error.
    old = client_factory(version="12.1")
    assert item_operations_move(old, unknown, collection_id(old, name)) == "2"


def verb_of(data):
    verb = data.find(EM2 + "LastVerbExecuted")
    return verb.text if verb is not None else None


@pytest.mark.parametrize("version", VERSIONS)
def test_reply_all_shows_last_verb_2(client_factory, folders, version):
    name = folders()
    tag = uuid.uuid4().hex[:8]
    subjects = ["to all %s" % tag, "to one %s" % tag]
    box = imap()
    for s in subjects:
        box.append(name, None, None,
                   message(s, "%s-%s@example.test" % (s.split()[1], tag),
                           cc="Bob <bob@example.test>"))
    c = client_factory(version=version)
    cid = collection_id(c, name)
    key, got, _ = walk(c, cid, primed(c, cid, 0), filter_type=0)
    sid_all = got[subjects[0]].find(AS + "ServerId").text
    sid_one = got[subjects[1]].find(AS + "ServerId").text
    replies = ["Re: %s" % s for s in subjects]
    reply_all = ("From: alice@example.test\r\nTo: carol@example.test\r\nCc: bob@example.test\r\n"
                 "Subject: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nAll.\r\n"
                 % replies[0])
    reply_one = ("From: alice@example.test\r\nTo: carol@example.test\r\n"
                 "Subject: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nOne.\r\n"
                 % replies[1])
    before = time.time()
    bob = imap("bob")
    try:
        r = compose(c, "SmartReply", uuid.uuid4().hex, reply_all, save=False,
                    source={"FolderId": cid, "ItemId": sid_all})
        assert r.status == 200 and r.body == b"", r.xml
        r = compose(c, "SmartReply", uuid.uuid4().hex, reply_one, save=False,
                    source={"FolderId": cid, "ItemId": sid_one})
        assert r.status == 200 and r.body == b"", r.xml
        assert wait_for(bob, "INBOX", replies[0])  # really sent to the Cc
        r = sync(c, cid, key, filter_type=0)
        ch = changes(r)
        data_all = ch[sid_all].find(AS + "ApplicationData")
        assert verb_of(data_all) == "2"
        when = data_all.find(EM2 + "LastVerbExecutionTime").text
        stamp = calendar.timegm(time.strptime(when[:19], "%Y-%m-%dT%H:%M:%S"))
        assert before - 5 <= stamp <= time.time() + 5
        assert verb_of(ch[sid_one].find(AS + "ApplicationData")) == "1"
        # IMAP keeps \Answered for both: other clients see a reply either way.
        box.select('"%s"' % name)
        typ, data = box.uid("SEARCH", None, "ANSWERED")
        assert len(data[0].split()) == 2
    finally:
        delete_everywhere(bob, "INBOX", replies[0])
        bob.logout()
        box.logout()
        try:
            carol = imap("carol")
            for s in replies:
                delete_everywhere(carol, "INBOX", s)
            carol.logout()
        except Exception:
            pass
