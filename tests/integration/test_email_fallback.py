"""Issue 4: Email Sync against a real IMAP server WITHOUT CONDSTORE/QRESYNC (RFC 7162).

The dev stack's user carol@example.test is served by the same Dovecot, but her post-login
CAPABILITY lacks CONDSTORE and QRESYNC (deploy/dev/backends: a per-user imap_capability). The
gateway must key on what the server says after login, never ENABLE them, never ask for
MODSEQs, and fall back to diffing UID/FLAGS listings. Dovecot would still honour CONDSTORE
if asked, so the tests read Dovecot's rawlog of carol's sessions (written while
.dev/mail/carol/rawlog exists; created here, removed afterwards) to see every IMAP command
the gateway sent.

Each test works in a uniquely named folder of carol's (or her INBOX with a unique subject)
and removes what it made.
"""
import glob
import imaplib
import os
import pwd
import shutil
import smtplib
import time
import uuid
from email.message import EmailMessage

import pytest

from conftest import DEV_DIR
from test_email_sync import VERSIONS, imap_calls, make_message

AS, EM, FH = "{AirSync:}", "{Email:}", "{FolderHierarchy:}"
RAWLOG = os.path.join(DEV_DIR, "mail", "carol", "rawlog")
RFC7162_WORDS = ("CONDSTORE", "QRESYNC", "MODSEQ", "CHANGEDSINCE", "UNCHANGEDSINCE",
                 "VANISHED", "ENABLE")


def imap():
    conn = imaplib.IMAP4("127.0.0.1", 10143, timeout=30)
    conn.login("carol", "secret")
    return conn


@pytest.fixture(scope="module", autouse=True)
def rawlog():
    """Turns on Dovecot's rawlog for carol's sessions for this module (the folder must exist
    before the gateway opens her first session)."""
    if not os.path.isdir(os.path.dirname(RAWLOG)):
        imap().logout()  # Dovecot creates her home on the first login
    vmail = pwd.getpwnam("vmail")
    shutil.rmtree(RAWLOG, ignore_errors=True)
    os.mkdir(RAWLOG, 0o700)
    os.chown(RAWLOG, vmail.pw_uid, vmail.pw_gid)
    yield
    shutil.rmtree(RAWLOG, ignore_errors=True)


def sent_commands():
    """Every command line the gateway (and these tests' imaplib) sent in carol's sessions,
    rawlog timestamp removed, per session file."""
    out = {}
    for path in sorted(glob.glob(os.path.join(RAWLOG, "*.in"))):
        with open(path, errors="replace") as f:
            out[path] = [line.split(" ", 1)[1].rstrip("\r\n") for line in f if " " in line]
    return out


def gateway_commands(since):
    """Commands sent since the `since` snapshot of sent_commands(), only in sessions that
    imaplib did not open (the tests' own sessions LOGOUT; the gateway's pooled ones stay)."""
    now = sent_commands()
    fresh = []
    for path, lines in now.items():
        new = lines[len(since.get(path, [])):]
        if any(x.split(" ", 1)[-1].upper() == "LOGOUT" for x in lines):
            continue
        fresh.extend(new)
    return fresh


class CarolFolder:
    def __init__(self, n):
        self.name = "it-fallback-%s" % uuid.uuid4().hex[:8]
        self.subjects = ["%s msg %03d" % (self.name, i) for i in range(n)]
        c = imap()
        assert c.create(self.name)[0] == "OK"
        for s in self.subjects:
            c.append(self.name, None, None, make_message(s))
        c.logout()

    def uid(self, subject):
        c = imap()
        c.select(self.name)
        typ, data = c.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
        c.logout()
        return data[0].split()[0].decode()

    def flags(self, subject):
        c = imap()
        c.select(self.name)
        typ, data = c.uid("FETCH", self.uid(subject), "(FLAGS)")
        c.logout()
        return data[0].decode()

    def store(self, subject, op, flags):
        c = imap()
        c.select(self.name)
        assert c.uid("STORE", self.uid(subject), op, flags)[0] == "OK"
        c.logout()

    def expunge(self, subject):
        c = imap()
        c.select(self.name)
        c.uid("STORE", self.uid(subject), "+FLAGS", "(\\Deleted)")
        c.expunge()
        c.logout()

    def append(self, subject):
        c = imap()
        c.append(self.name, None, None, make_message(subject))
        c.logout()

    def delete(self):
        c = imap()
        c.delete(self.name)
        c.logout()


@pytest.fixture
def carol_folder():
    made = []

    def make(n):
        f = CarolFolder(n)
        made.append(f)
        return f
    yield make
    for f in made:
        try:
            f.delete()
        except Exception:
            pass


def expunge_everywhere(subject_prefix):
    c = imap()
    for box in ("INBOX", "Trash"):
        c.select(box)
        typ, data = c.uid("SEARCH", None, "SUBJECT", '"%s"' % subject_prefix)
        for uid in data[0].split():
            c.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
        c.expunge()
    c.logout()


def carol(client_factory, version="14.1"):
    return client_factory(user="carol@example.test", version=version)


def collection_id(client, name):
    r = client.folder_sync(0)
    assert r.status == 200, r.body
    for add in r.findall("Changes/Add", "FolderHierarchy"):
        if (add.find(FH + "DisplayName").text == name or
                (name == "INBOX" and add.find(FH + "Type").text == "2")):
            return add.find(FH + "ServerId").text
    raise AssertionError("folder %s not in FolderSync" % name)


def sync(client, cid, key, window=100, commands=""):
    if str(key) == "0":
        xml = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey>'
               '<CollectionId>%s</CollectionId></Collection></Collections></Sync>' % cid)
    else:
        xml = ('<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:" xmlns:email="Email:">'
               '<Collections><Collection><SyncKey>%s</SyncKey><CollectionId>%s</CollectionId>'
               '<GetChanges>1</GetChanges><WindowSize>%d</WindowSize><Options>'
               '<airsyncbase:BodyPreference><airsyncbase:Type>1</airsyncbase:Type>'
               '<airsyncbase:TruncationSize>512</airsyncbase:TruncationSize>'
               '</airsyncbase:BodyPreference></Options>%s</Collection></Collections></Sync>'
               % (key, cid, window, ("<Commands>%s</Commands>" % commands) if commands else ""))
    r = client.command("Sync", xml)
    assert r.status == 200, r.body
    return r


def coll(r):
    return r.root.find(AS + "Collections/" + AS + "Collection")


def key_of(r):
    return coll(r).find(AS + "SyncKey").text


def status_of(r):
    return coll(r).find(AS + "Status").text


def more(r):
    return coll(r).find(AS + "MoreAvailable") is not None


def adds(r):
    return {a.find(AS + "ServerId").text: a.find(AS + "ApplicationData/" + EM + "Subject").text
            for a in coll(r).findall(AS + "Commands/" + AS + "Add")}


def changes(r):
    return {c.find(AS + "ServerId").text: c.find(AS + "ApplicationData")
            for c in coll(r).findall(AS + "Commands/" + AS + "Change")}


def deletes(r):
    return [d.find(AS + "ServerId").text
            for d in coll(r).findall(AS + "Commands/" + AS + "Delete")]


def full_sync(client, cid, window):
    r = sync(client, cid, 0)
    assert status_of(r) == "1", r.xml
    key, seen, pages = key_of(r), {}, 0
    while True:
        r = sync(client, cid, key, window=window)
        assert status_of(r) == "1", r.xml
        got = adds(r)
        assert not set(got) & set(seen), "a message sent twice"
        seen.update(got)
        key, pages = key_of(r), pages + 1
        if not more(r):
            return key, seen, pages


def flag_status(data):
    flag = data.find(EM + "Flag")
    if flag is None:
        return None
    st = [e.text for e in flag if e.tag.endswith("Status")]
    return st[0] if st else None


def test_carol_has_no_condstore_and_the_gateway_does_not_ask(client_factory):
    """The server's post-login CAPABILITY is what counts (RFC 3501 6.2.3): carol's lacks
    CONDSTORE/QRESYNC, so the gateway neither ENABLEs them (RFC 7162 3.2.3) nor uses them."""
    c = imap()
    caps = c.capability()[1][0].decode().upper().split()
    c.logout()
    assert "CONDSTORE" not in caps and "QRESYNC" not in caps and "ENABLE" in caps
    mark = sent_commands()
    d = carol(client_factory)
    cid = collection_id(d, "INBOX")
    full_sync(d, cid, 50)
    sent = gateway_commands(mark)
    assert sent, "no gateway session was rawlogged"
    bad = [x for x in sent if any(w in x.upper() for w in RFC7162_WORDS)]
    assert not bad, bad


@pytest.mark.parametrize("version", VERSIONS)
def test_fallback_sync_both_ways(client_factory, carol_folder, version):
    """Initial sync in windows, new mail, flags both ways without echo, expunge and a device
    Delete, all through UID/FLAGS listings (MS-ASCMD 2.2.3.166 Sync)."""
    f = carol_folder(7)
    d = carol(client_factory, version)
    cid = collection_id(d, f.name)
    mark = sent_commands()
    key, seen, pages = full_sync(d, cid, 3)
    assert sorted(seen.values()) == sorted(f.subjects) and pages == 3
    sid = {s: i for i, s in seen.items()}

    # New mail.
    f.append(f.name + " new")
    r = sync(d, cid, key)
    assert list(adds(r).values()) == [f.name + " new"], r.xml
    key = key_of(r)

    # Device -> IMAP: Read, Flag, Categories; not echoed back.
    s0 = f.subjects[0]
    r = sync(d, cid, key, commands=(
        '<Change><ServerId>%s</ServerId><ApplicationData><email:Read>1</email:Read>'
        '<email:Flag><email:Status>2</email:Status><email:FlagType>Follow up</email:FlagType>'
        '</email:Flag><email:Categories><email:Category>Fallback</email:Category>'
        '</email:Categories></ApplicationData></Change>' % sid[s0]))
    assert status_of(r) == "1"
    assert sid[s0] not in changes(r), "the device's own change echoed back"
    key = key_of(r)
    flags = f.flags(s0)
    assert "\\Seen" in flags and "\\Flagged" in flags and "Fallback" in flags, flags
    # (That the next Sync does not send it back is test_fallback_unchanged_not_resent.)

    # IMAP -> device: flag changes by another client.
    s1, s2 = f.subjects[1], f.subjects[2]
    f.store(s1, "+FLAGS", "(\\Seen \\Flagged)")
    r = sync(d, cid, key)
    ch = changes(r)
    assert sid[s1] in ch, r.xml
    assert ch[sid[s1]].find(EM + "Read").text == "1" and flag_status(ch[sid[s1]]) == "2"
    key = key_of(r)
    f.store(s1, "-FLAGS", "(\\Seen)")
    r = sync(d, cid, key)
    ch = changes(r)
    assert ch[sid[s1]].find(EM + "Read").text == "0"
    key = key_of(r)

    # Expunged by another client: a Delete; deleted on the device: moved to Trash, no echo.
    f.expunge(s2)
    r = sync(d, cid, key)
    assert deletes(r) == [sid[s2]], r.xml
    key = key_of(r)
    s3 = f.subjects[3]
    r = sync(d, cid, key, commands="<Delete><ServerId>%s</ServerId></Delete>" % sid[s3])
    assert status_of(r) == "1" and not deletes(r)
    key = key_of(r)
    r = sync(d, cid, key)
    assert not deletes(r) and not adds(r)
    try:
        c = imap()
        c.select(f.name)
        assert not c.uid("SEARCH", None, "SUBJECT", '"%s"' % s3)[1][0].split()
        c.logout()
    finally:
        expunge_everywhere(s3)
    # Nothing of RFC 7162 was used on the way.
    bad = [x for x in gateway_commands(mark) if any(w in x.upper() for w in RFC7162_WORDS)]
    assert not bad, bad


def test_fallback_unchanged_not_resent(client_factory, carol_folder):
    """DESIGN.md "Sync engine": an item the client changed is not echoed back, and a message
    nobody touched is not sent again. Read (\\Seen) mail is the common case."""
    f = carol_folder(3)
    f.store(f.subjects[1], "+FLAGS", "(\\Seen)")
    d = carol(client_factory)
    cid = collection_id(d, f.name)
    key, seen, _ = full_sync(d, cid, 10)
    sid = {s: i for i, s in seen.items()}
    r = sync(d, cid, key, commands=(
        '<Change><ServerId>%s</ServerId><ApplicationData><email:Read>1</email:Read>'
        '</ApplicationData></Change>' % sid[f.subjects[0]]))
    # The message read before the initial sync arrived with its Read: nothing to re-send.
    assert not changes(r), "re-sent: %s" % sorted(changes(r))
    r = sync(d, cid, key_of(r))
    assert not changes(r), "re-sent: %s" % sorted(changes(r))


def test_fallback_flag_changes_against_acknowledged_snapshot(client_factory, carol_folder):
    """Without CONDSTORE the gateway diffs the folder's UID/FLAGS listing against the flags
    of the generation the device acknowledged: the device's own Read is never sent back (even
    when it came with GetChanges 0), another client's flag or keyword change is exactly one
    Change, and a retried SyncKey answers the same Change again (DESIGN.md "Sync engine")."""
    f = carol_folder(5)
    f.store(f.subjects[2], "+FLAGS", "(\\Flagged $label1)")
    d = carol(client_factory)
    cid = collection_id(d, f.name)
    key, seen, _ = full_sync(d, cid, 2)
    sid = {s: i for i, s in seen.items()}
    r = sync(d, cid, key)
    assert not changes(r) and key_of(r) == key, r.xml

    # The device reads one message: not echoed now, nor on the next Syncs.
    read = ('<Change><ServerId>%s</ServerId><ApplicationData><email:Read>1</email:Read>'
            '</ApplicationData></Change>')
    r = sync(d, cid, key, commands=read % sid[f.subjects[0]])
    assert not changes(r), r.xml
    key = key_of(r)
    assert "\\Seen" in f.flags(f.subjects[0])
    for _ in range(2):
        r = sync(d, cid, key)
        assert not changes(r), "re-sent: %s" % sorted(changes(r))
        key = key_of(r)

    # Same with GetChanges 0: the device's Read is applied, no listing is diffed then.
    xml = ('<Sync xmlns="AirSync:" xmlns:email="Email:"><Collections><Collection>'
           '<SyncKey>%s</SyncKey><CollectionId>%s</CollectionId><GetChanges>0</GetChanges>'
           '<Commands>%s</Commands></Collection></Collections></Sync>'
           % (key, cid, read % sid[f.subjects[1]]))
    r = d.command("Sync", xml)
    assert r.status == 200 and status_of(r) == "1", r.body
    key = key_of(r)
    assert "\\Seen" in f.flags(f.subjects[1])
    r = sync(d, cid, key)
    assert not changes(r), "re-sent: %s" % sorted(changes(r))
    key = key_of(r)

    # Another IMAP client flags one message and tags another with a keyword: exactly those.
    f.store(f.subjects[3], "+FLAGS", "(\\Flagged)")
    f.store(f.subjects[4], "+FLAGS", "($label2)")
    r = sync(d, cid, key)
    ch = changes(r)
    assert sorted(ch) == sorted([sid[f.subjects[3]], sid[f.subjects[4]]]), r.xml
    assert flag_status(ch[sid[f.subjects[3]]]) == "2"
    # The response was lost: the same key answers the same Changes.
    r2 = sync(d, cid, key)
    assert sorted(changes(r2)) == sorted(ch), r2.xml
    key = key_of(r2)
    r = sync(d, cid, key)
    assert not changes(r), "re-sent: %s" % sorted(changes(r))


def test_fallback_mail_delivered_over_smtp_appears(client_factory):
    d = carol(client_factory)
    cid = collection_id(d, "INBOX")
    key, _, _ = full_sync(d, cid, 100)
    subject = "it-fallback-smtp-%s" % uuid.uuid4().hex[:8]
    m = EmailMessage()
    m["From"] = "bob@example.test"
    m["To"] = "carol@example.test"
    m["Subject"] = subject
    m.set_content("delivered by Postfix over LMTP")
    try:
        with smtplib.SMTP("127.0.0.1", 10025, timeout=30) as s:
            s.send_message(m)
        found = []
        for _ in range(50):
            r = sync(d, cid, key)
            key = key_of(r)
            found = [i for i, s in adds(r).items() if s == subject]
            if found:
                break
            time.sleep(0.2)
        assert found, "the delivered mail never reached the device"
    finally:
        expunge_everywhere(subject)


def no_change_cost(gateway, client, cid, key):
    """(IMAP commands, backend calls, bytes the server sent) of one no-change Sync."""
    mark = sent_commands()
    out_before = out_bytes()
    calls = imap_calls(gateway)
    r = sync(client, cid, key)
    assert key_of(r) == key and coll(r).find(AS + "Commands") is None, r.xml
    return gateway_commands(mark), imap_calls(gateway) - calls, out_bytes() - out_before


def out_bytes():
    return sum(os.path.getsize(p) for p in glob.glob(os.path.join(RAWLOG, "*.out")))


def test_fallback_no_change_sync_cost(gateway, client_factory, carol_folder):
    """Without CONDSTORE a flag change leaves no trace in STATUS, so every Sync must list
    UID+FLAGS and diff: a constant number of IMAP commands, but bytes grow with the folder.
    Figures for the report: commands and bytes per no-change Sync at 10 and 300 messages."""
    costs = {}
    for n in (10, 300):
        f = carol_folder(n)
        d = carol(client_factory)
        cid = collection_id(d, f.name)
        key, seen, _ = full_sync(d, cid, 512)
        assert len(seen) == n
        no_change_cost(gateway, d, cid, key)  # the session is selected and warm from here
        costs[n] = [no_change_cost(gateway, d, cid, key) for _ in range(3)]
    small, big = costs[10], costs[300]
    for commands, calls, _ in small + big:
        assert calls == 2, (small, big)  # folder_state + changes_since (1 with CONDSTORE)
        verbs = [verb(x) for x in commands]
        # One STATUS, one full UID/FLAGS listing; SELECT (or NOOP on a session that has the
        # folder selected) and UNSELECT at most once each: which pooled session serves which
        # step decides whether they are needed.
        assert verbs.count("STATUS") == 1 and verbs.count("UID FETCH 1:* (UID FLAGS)") == 1, (
            commands)
        assert set(verbs) <= {"STATUS", "UID FETCH 1:* (UID FLAGS)", "SELECT", "UNSELECT",
                              "NOOP"}, commands
        assert verbs.count("SELECT") + verbs.count("NOOP") <= 1, commands
        assert verbs.count("UNSELECT") <= 1, commands
    print("no-change Sync without CONDSTORE: IMAP commands %s; server bytes %d at 10 "
          "messages, %d at 300" % ([[verb(x) for x in c] for c, _, _ in small + big],
                                   small[0][2], big[0][2]))
    assert big[0][2] > small[0][2] * 5  # the listing is O(folder): the expected cost


def verb(line):
    """The command without its tag: a UID FETCH whole, anything else by its verb."""
    text = line.split(" ", 1)[1]
    return text if text.upper().startswith("UID FETCH") else text.split(" ", 1)[0].upper()


def estimate(client, cid, key):
    xml = ('<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:"><Collections>'
           '<Collection><airsync:SyncKey>%s</airsync:SyncKey><CollectionId>%s</CollectionId>'
           '<airsync:Options><airsync:FilterType>0</airsync:FilterType></airsync:Options>'
           '</Collection></Collections></GetItemEstimate>' % (key, cid))
    r = client.command("GetItemEstimate", xml)
    assert r.status == 200, r.body
    assert r.find("Response/Status", "GetItemEstimate") == "1", r.xml
    return int(r.find("Response/Collection/Estimate", "GetItemEstimate"))


def test_fallback_estimate_counts_only_changes(client_factory, carol_folder):
    """MS-ASCMD 2.2.2.8 GetItemEstimate: the number of changes the next Sync would send.
    Without CONDSTORE it diffs against the same flag snapshot as Sync, so read and flagged
    messages the device already has are not counted."""
    f = carol_folder(4)
    f.store(f.subjects[0], "+FLAGS", "(\\Seen \\Flagged)")
    d = carol(client_factory)
    cid = collection_id(d, f.name)
    key, _, _ = full_sync(d, cid, 10)
    assert estimate(d, cid, key) == 0
    f.store(f.subjects[1], "+FLAGS", "(\\Seen)")
    assert estimate(d, cid, key) == 1
    r = sync(d, cid, key)
    assert len(changes(r)) == 1, r.xml
