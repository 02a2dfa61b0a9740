"""Issue 4 "Done when": Email against alice's seeded mailbox (deploy/dev/backends seed 2000).

The ground truth is the generator itself: deploy/dev/seed/seed_mail.py is deterministic, so
this module runs it again into a temporary folder and reads every message's Message-ID,
subject, date (the file's mtime is the INTERNALDATE `doveadm import` gives it), flags and
MIME content from there. Nothing is hard-coded but the seed size.

Other tests deliver new mail to alice's INBOX while this runs, so counts are taken against
IMAP snapshots read here (imaplib) before and after, and "seeded" items are told from others
by subject and date. Seeded messages are never expunged; flags changed here are put back.
"""
import base64
import calendar
import collections
import datetime as dt
import email
import imaplib
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from email import policy

import pytest

from easclient import item_estimate
from mailhelpers import inject_message
from test_email_sync import VERSIONS, imap_calls

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEED_COUNT = 2000
SEED_FOLDERS = ["INBOX", "Sent", "Projects", "Projects/2026", "Receipts", "Newsletters"]
AS, ASB, EM, EM2 = "{AirSync:}", "{AirSyncBase:}", "{Email:}", "{Email2:}"
IO, SE, FH = "{ItemOperations:}", "{Search:}", "{FolderHierarchy:}"
FLAG_LETTERS = {"R": "\\Answered", "S": "\\Seen", "F": "\\Flagged"}


# ---- ground truth: the generator's own output --------------------------------------------

def squash(text):
    """Whitespace as RFC 5322 unfolding leaves it (the generator folds long encoded
    subjects right after "Subject:")."""
    return " ".join((text or "").split())


class SeedMessage:
    def __init__(self, folder, path):
        self.folder = folder
        with open(path, "rb") as f:
            self.raw = f.read()
        self.msg = email.message_from_bytes(self.raw, policy=policy.default)
        self.message_id = self.msg["Message-ID"]
        self.subject = squash(str(self.msg["Subject"]))
        self.date = int(os.stat(path).st_mtime)
        info = os.path.basename(path).rsplit(":2,", 1)[1]
        self.flags = {FLAG_LETTERS[c] for c in info}

    def key(self):
        return (self.subject, self.date)


@pytest.fixture(scope="module")
def seed():
    """folder -> [SeedMessage], regenerated exactly as `backends seed 2000` made them."""
    out_dir = tempfile.mkdtemp(prefix="easgate-seed-truth-")
    try:
        subprocess.run(["/usr/bin/python3", os.path.join(TOP, "deploy/dev/seed/seed_mail.py"),
                        str(SEED_COUNT), out_dir], check=True, stdout=subprocess.DEVNULL)
        truth = {}
        for folder in SEED_FOLDERS:
            d = out_dir if folder == "INBOX" else os.path.join(out_dir, *folder.split("/"))
            cur = os.path.join(d, "cur")
            truth[folder] = [SeedMessage(folder, os.path.join(cur, n))
                             for n in sorted(os.listdir(cur))]
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    assert sum(len(v) for v in truth.values()) == SEED_COUNT
    # The dev stack must hold exactly this seed (tests/run seeds before the integration tests).
    for folder, msgs in truth.items():
        ids = {m.message_id for m in msgs}
        held = {s["message_id"] for s in imap_snapshot(folder).values()
                if s["message_id"].startswith("<seed-")}
        assert held == ids, ("alice's %s is not the 2000-message seed; run "
                             "deploy/dev/backends seed 2000 (tests/run does)" % folder)
    return truth


def newest_seed_date(seed):
    return max(m.date for msgs in seed.values() for m in msgs)


# ---- IMAP side ---------------------------------------------------------------------------

def imap():
    conn = imaplib.IMAP4("127.0.0.1", 10143, timeout=30)
    conn.login("alice", "secret")
    return conn


def imap_snapshot(folder):
    """uid -> {date, flags, message_id} of every message in the folder, read now."""
    conn = imap()
    try:
        typ, _ = conn.select('"%s"' % folder, readonly=True)
        assert typ == "OK", folder
        typ, data = conn.uid("FETCH", "1:*", "(INTERNALDATE FLAGS BODY.PEEK[HEADER.FIELDS "
                                             "(MESSAGE-ID)])")
        assert typ == "OK"
    finally:
        conn.logout()
    out = {}
    for part in data:
        if not isinstance(part, tuple):
            continue
        head = part[0].decode()
        uid = int(re.search(r"UID (\d+)", head).group(1))
        when = re.search(r'INTERNALDATE "([^"]+)"', head).group(1)
        flags = re.search(r"FLAGS \(([^)]*)\)", head).group(1).split()
        mid = part[1].decode(errors="replace").partition(":")[2].strip()
        out[uid] = {"date": int(dt.datetime.strptime(when, "%d-%b-%Y %H:%M:%S %z").timestamp()),
                    "flags": set(flags), "message_id": mid}
    return out


def uid_of(folder, message_id):
    for uid, s in imap_snapshot(folder).items():
        if s["message_id"] == message_id:
            return uid
    raise AssertionError("%s not in %s" % (message_id, folder))


def imap_flags(folder, uid):
    return imap_snapshot(folder)[uid]["flags"]


def imap_store(folder, uid, op, flags):
    conn = imap()
    try:
        conn.select('"%s"' % folder)
        typ, data = conn.uid("STORE", str(uid), op, flags)
        assert typ == "OK", data
    finally:
        conn.logout()


# ---- device side -------------------------------------------------------------------------

def eas_time(text):
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))


def folder_ids(client):
    """IMAP path -> ServerId from a FolderSync (the Inbox is Type 2)."""
    r = client.folder_sync(0)
    assert r.status == 200, r.body
    rows = {}
    for add in r.findall("Changes/Add", "FolderHierarchy"):
        rows[add.find(FH + "ServerId").text] = (add.find(FH + "ParentId").text,
                                                add.find(FH + "DisplayName").text,
                                                add.find(FH + "Type").text)

    def path(sid):
        parent, name, kind = rows[sid]
        if kind == "2":
            return "INBOX"
        return name if parent in (None, "0") else path(parent) + "/" + name
    return {path(sid): sid for sid in rows}


def options_xml(filter_type=None, body_type=1, truncation=None, extra=""):
    body = "<airsyncbase:Type>%d</airsyncbase:Type>" % body_type
    if truncation is not None:
        body += "<airsyncbase:TruncationSize>%d</airsyncbase:TruncationSize>" % truncation
    ft = "" if filter_type is None else "<FilterType>%d</FilterType>" % filter_type
    return ("<Options>%s<airsyncbase:BodyPreference>%s</airsyncbase:BodyPreference>%s"
            "</Options>" % (ft, body, extra))


def sync(client, cid, key, window=512, options="", commands=""):
    get_changes = "" if str(key) == "0" else "<GetChanges>1</GetChanges>"
    xml = ('<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:" xmlns:email="Email:">'
           '<Collections><Collection><SyncKey>%s</SyncKey><CollectionId>%s</CollectionId>'
           '%s<WindowSize>%d</WindowSize>%s%s</Collection></Collections></Sync>'
           % (key, cid, get_changes, window, options,
              ("<Commands>%s</Commands>" % commands) if commands else ""))
    r = client.command("Sync", xml)
    assert r.status == 200, r.body
    assert r.root is not None, "empty Sync response"
    return r


def coll(r):
    return r.root.find(AS + "Collections/" + AS + "Collection")


def status_of(r):
    return coll(r).find(AS + "Status").text


def key_of(r):
    return coll(r).find(AS + "SyncKey").text


def more(r):
    return coll(r).find(AS + "MoreAvailable") is not None


def item(e):
    """The fields these tests look at, from an Add/Change/Fetch element."""
    data = e.find(AS + "ApplicationData")
    out = {"sid": e.find(AS + "ServerId").text, "data": data}
    if data is None:
        return out
    for name, tag in (("subject", EM + "Subject"), ("read", EM + "Read"),
                      ("conversation_id", EM2 + "ConversationId"), ("from", EM + "From")):
        x = data.find(tag)
        out[name] = None if x is None else squash(x.text)
    when = data.find(EM + "DateReceived")
    out["date"] = eas_time(when.text) if when is not None else None
    flag = data.find(EM + "Flag")
    out["flag_status"] = None
    if flag is not None:
        st = [x.text for x in flag if x.tag.endswith("Status")]
        out["flag_status"] = st[0] if st else None
    return out


def adds(r):
    return [item(a) for a in coll(r).findall(AS + "Commands/" + AS + "Add")]


def changes(r):
    return {c.find(AS + "ServerId").text: item(c)
            for c in coll(r).findall(AS + "Commands/" + AS + "Change")}


class Walk:
    """One initial sync: every page's adds, the MoreAvailable flags, the last SyncKey."""

    def __init__(self, client, cid, options, window=512):
        # Options (FilterType) on SyncKey 0 too, as Android and Outlook send them.
        r = sync(client, cid, 0, options=options)
        assert status_of(r) == "1" and key_of(r) == "1", r.xml
        self.key, self.pages, self.more = key_of(r), [], []
        self.items = []
        while True:
            r = sync(client, cid, self.key, window=window, options=options)
            assert status_of(r) == "1", r.xml
            got = adds(r)
            self.pages.append(len(got))
            self.more.append(more(r))
            self.items.extend(got)
            self.key = key_of(r)
            if not more(r):
                break
            assert len(self.pages) < 50, "the walk does not end"

    def by_key(self):
        return {(i["subject"], i["date"]): i for i in self.items}


class Device:
    """A device of alice's (one per protocol version) that has walked some seeded folders;
    tests continue from its last SyncKey so the 1,337-message INBOX is walked once."""

    def __init__(self, client):
        self.client = client
        self.ids = folder_ids(client)
        self.walks = {}

    def walk(self, folder):
        if folder not in self.walks:
            self.walks[folder] = Walk(self.client, self.ids[folder],
                                      options_xml(0, 1, 200))
        return self.walks[folder]

    def sync(self, folder, commands=""):
        w = self.walk(folder)
        r = sync(self.client, self.ids[folder], w.key, options=options_xml(0, 1, 200),
                 commands=commands)
        assert status_of(r) == "1", r.xml
        w.key = key_of(r)
        return r


_devices = {}


@pytest.fixture
def device(client_factory, seed):
    def get(version):
        if version not in _devices:
            _devices[version] = Device(client_factory(version=version,
                                                      device_id="SEED%s" % version.replace(
                                                          ".", "")))
        return _devices[version]
    return get


def seeded_only(items, seed, folder):
    """The items whose (subject, date) is a seeded message of the folder."""
    keys = {m.key() for m in seed[folder]}
    return [i for i in items if (i["subject"], i["date"]) in keys]


# ---- tests -------------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_initial_sync_pages_through_every_seeded_folder(device, seed, version):
    """WindowSize 512, FilterType 0: every message once, MoreAvailable on every page but the
    last, each page full until then (MS-ASCMD 2.2.3.114 MoreAvailable)."""
    dev = device(version)
    for folder in SEED_FOLDERS:
        before = imap_snapshot(folder)
        w = dev.walk(folder)
        after = imap_snapshot(folder)
        sids = [i["sid"] for i in w.items]
        assert len(sids) == len(set(sids)), "%s: a ServerId sent twice" % folder
        assert all(w.more[:-1]) and not w.more[-1], (folder, w.more)
        assert all(n == 512 for n in w.pages[:-1]), (folder, w.pages)
        n = len(w.items)
        assert len(before.keys() & after.keys()) <= n <= len(before.keys() | after.keys()), (
            folder, n, len(before), len(after))
        # Exactly the generator's messages, each once (subjects decoded from RFC 2047).
        got = collections.Counter((i["subject"], i["date"]) for i in w.items)
        want = collections.Counter(m.key() for m in seed[folder])
        missing = want - got
        assert not missing, "%s: %d seeded messages missing, e.g. %s" % (
            folder, sum(missing.values()), list(missing)[:3])
        assert all(got[k] == want[k] for k in want), "%s: a seeded message twice" % folder
    assert len(dev.walk("INBOX").pages) >= 3  # 1,337 seeded messages: three windows at least


def find_seed(seed, folder, pred):
    for m in seed[folder]:
        if pred(m):
            return m
    raise AssertionError("the seed has no such message in %s" % folder)


def parts(m, ctype):
    return [p for p in m.msg.walk() if p.get_content_type() == ctype]


def norm(text):
    return text.replace("\r\n", "\n").strip()


def item_ops(client, inner):
    r = client.command("ItemOperations",
                       '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" '
                       'xmlns:airsyncbase="AirSyncBase:">%s</ItemOperations>' % inner)
    assert r.status == 200, r.body
    assert r.root.find(IO + "Status").text == "1", r.xml
    got = r.root.findall(IO + "Response/" + IO + "Fetch")
    for f in got:
        assert f.find(IO + "Status").text == "1", r.xml
    return got


def fetch_item(client, cid, sid, body_type, truncation=None, mime=False):
    extra = "<airsync:MIMESupport>2</airsync:MIMESupport>" if mime else ""
    trunc = ("<airsyncbase:TruncationSize>%d</airsyncbase:TruncationSize>" % truncation
             if truncation is not None else "")
    got = item_ops(client, '<Fetch><Store>Mailbox</Store><airsync:CollectionId>%s'
                   '</airsync:CollectionId><airsync:ServerId>%s</airsync:ServerId><Options>%s'
                   '<airsyncbase:BodyPreference><airsyncbase:Type>%d</airsyncbase:Type>%s'
                   '</airsyncbase:BodyPreference></Options></Fetch>'
                   % (cid, sid, extra, body_type, trunc))
    return got[0].find(IO + "Properties")


def body_of(props):
    b = props.find(ASB + "Body")
    assert b is not None
    return {"type": b.find(ASB + "Type").text,
            "data": (b.find(ASB + "Data").text or "") if b.find(ASB + "Data") is not None
            else "",
            "truncated": b.find(ASB + "Truncated") is not None and
            b.find(ASB + "Truncated").text == "1",
            "size": int(b.find(ASB + "EstimatedDataSize").text)
            if b.find(ASB + "EstimatedDataSize") is not None else None}


def attachments_of(props):
    out = []
    for a in props.findall(ASB + "Attachments/" + ASB + "Attachment"):
        row = {x.tag.split("}")[1]: x.text for x in a}
        out.append(row)
    return out


@pytest.mark.parametrize("version", VERSIONS)
def test_bodies_charsets_and_attachments_of_seeded_messages(device, seed, version):
    """MS-ASAIRS 2.2.2.9 Body per BodyPreference 1/2/4 with TruncationSize, charset
    conversion to UTF-8, RFC 2047/2231 names, attachments fetched by FileReference, inline
    images with ContentId and IsInline, on messages whose content the generator defines."""
    dev = device(version)
    c, cid = dev.client, dev.ids["INBOX"]
    sids = dev.walk("INBOX").by_key()

    def sid(m):
        return sids[m.key()]["sid"]

    # ISO-8859-1 quoted-printable body with an ISO-8859-1 RFC 2047 subject.
    german = find_seed(seed, "INBOX", lambda m: m.msg.get_content_charset() == "iso-8859-1")
    assert sids[german.key()]["subject"] == "Änderungen für die Übergabe (Größe prüfen)"
    b = body_of(fetch_item(c, cid, sid(german), 1, 100000))
    assert norm(b["data"]) == norm(german.msg.get_content()) and not b["truncated"]
    assert "Grüße" in b["data"]
    # Base64 UTF-8 (Japanese), a display name in RFC 2047 UTF-8 in From.
    japanese = find_seed(seed, "INBOX", lambda m: m.subject == "会議の議事録について" and
                         m.msg["Content-Transfer-Encoding"] == "base64")
    b = body_of(fetch_item(c, cid, sid(japanese), 1))
    assert norm(b["data"]) == norm(japanese.msg.get_content())
    tanaka = find_seed(seed, "INBOX", lambda m: "yuki.tanaka@example.jp" in str(m.msg["From"]))
    assert "田中 雪" in sids[tanaka.key()]["from"]

    # A long plain message: truncated at TruncationSize, the size says how much there is.
    long_msg = max((m for m in seed["INBOX"] if not m.msg.is_multipart() and
                    m.msg.get_content_type() == "text/plain"), key=lambda m: len(m.raw))
    full = norm(long_msg.msg.get_content())
    b = body_of(fetch_item(c, cid, sid(long_msg), 1, 1024))
    assert b["truncated"] and 0 < len(b["data"].encode()) <= 1024
    assert full.startswith(norm(b["data"]))
    assert b["size"] >= len(full.encode())

    # HTML (Type 2) of a multipart/alternative message is its text/html part.
    alt = find_seed(seed, "INBOX", lambda m: m.msg.get_content_type() == "multipart/alternative")
    html = norm(parts(alt, "text/html")[0].get_content())
    b = body_of(fetch_item(c, cid, sid(alt), 2, 100000))
    assert b["type"] == "2" and norm(b["data"]) == html
    b = body_of(fetch_item(c, cid, sid(alt), 2, 200))
    assert b["truncated"] and html.startswith(norm(b["data"])) and len(b["data"].encode()) <= 200

    # MIME (Type 4): the message as stored, and truncated.
    raw = alt.raw.decode().replace("\r\n", "\n")
    b = body_of(fetch_item(c, cid, sid(alt), 4, None, mime=True))
    assert b["type"] == "4" and norm(b["data"]) == norm(raw)
    # (BodyPreference TruncationSize; with MIMESupport the gateway cuts at MIMETruncation.)
    b = body_of(fetch_item(c, cid, sid(alt), 4, 300))
    assert b["type"] == "4" and b["truncated"], b
    assert len(b["data"].encode()) <= 300 and raw.startswith(norm(b["data"])[:250])

    # Attachments: name, size, method; FileReference fetch gives the generator's bytes.
    with_pdf = find_seed(seed, "INBOX", lambda m: len(parts(m, "application/octet-stream")) > 0
                         and len(parts(m, "application/pdf")) > 0)
    props = fetch_item(c, cid, sid(with_pdf), 1)
    atts = attachments_of(props)
    pdf, extra = parts(with_pdf, "application/pdf")[0], parts(with_pdf,
                                                               "application/octet-stream")[0]
    by_name = {a["DisplayName"]: a for a in atts}
    assert set(by_name) == {pdf.get_filename(), "Übersicht-資料.bin"}, atts
    for part in (pdf, extra):
        a = by_name[part.get_filename()]
        assert a["Method"] == "1" and a.get("IsInline") in (None, "0")
        got = item_ops(c, '<Fetch><Store>Mailbox</Store><airsyncbase:FileReference>%s'
                       '</airsyncbase:FileReference></Fetch>' % a["FileReference"])
        data = base64.b64decode(got[0].find(IO + "Properties/" + IO + "Data").text)
        assert data == part.get_content(), part.get_filename()
        assert abs(int(a["EstimatedDataSize"]) - len(data)) <= len(data) // 3 + 64

    # Inline image (multipart/related, cid: in the HTML): ContentId and IsInline.
    inline = find_seed(seed, "INBOX", lambda m: len(parts(m, "image/png")) > 0)
    png = parts(inline, "image/png")[0]
    atts = attachments_of(fetch_item(c, cid, sid(inline), 2, 100000))
    assert len(atts) == 1, atts
    assert atts[0].get("IsInline") == "1"
    assert atts[0].get("ContentId", "").strip("<>") == png["Content-ID"].strip("<>")
    got = item_ops(c, '<Fetch><Store>Mailbox</Store><airsyncbase:FileReference>%s'
                   '</airsyncbase:FileReference></Fetch>' % atts[0]["FileReference"])
    assert base64.b64decode(got[0].find(IO + "Properties/" + IO + "Data").text) == \
        png.get_content()


@pytest.mark.parametrize("version", VERSIONS)
def test_flags_both_ways_on_seeded_messages(device, seed, version):
    """Read/Flag/Categories set on the device reach IMAP; STOREs by another IMAP client reach
    the device (MS-ASEMAIL 2.2.2.59 Read, 2.2.2.34 Flag). Seeded flags are put back."""
    dev = device(version)
    sids = dev.walk("INBOX").by_key()
    # Two distinct seeded messages per version (versions share the mailbox).
    offset = VERSIONS.index(version) * 2
    unread = [m for m in seed["INBOX"] if not m.flags][offset]
    read = [m for m in seed["INBOX"] if m.flags == {"\\Seen"}][offset]
    uid_a, uid_b = uid_of("INBOX", unread.message_id), uid_of("INBOX", read.message_id)
    orig_a, orig_b = imap_flags("INBOX", uid_a), imap_flags("INBOX", uid_b)
    assert orig_a == unread.flags and orig_b == read.flags, "seeded flags were changed"
    sid_a, sid_b = sids[unread.key()]["sid"], sids[read.key()]["sid"]
    try:
        dev.sync("INBOX")  # whatever others delivered meanwhile
        cmd = ('<Change><ServerId>%s</ServerId><ApplicationData><email:Read>1</email:Read>'
               '<email:Flag><email:Status>2</email:Status><email:FlagType>Follow up'
               '</email:FlagType></email:Flag><email:Categories><email:Category>Seeded'
               '</email:Category></email:Categories></ApplicationData></Change>' % sid_a)
        r = dev.sync("INBOX", commands=cmd)
        assert sid_a not in changes(r), "the device's own change echoed back"
        flags = imap_flags("INBOX", uid_a)
        assert "\\Seen" in flags and "\\Flagged" in flags
        assert "Seeded" in flags, flags  # a category is an IMAP keyword
        # IMAP -> device: flagged and marked unread by another client.
        imap_store("INBOX", uid_b, "+FLAGS", "(\\Flagged)")
        imap_store("INBOX", uid_b, "-FLAGS", "(\\Seen)")
        r = dev.sync("INBOX")
        ch = changes(r)
        assert sid_b in ch, r.xml
        assert ch[sid_b]["read"] == "0" and ch[sid_b]["flag_status"] == "2"
        assert sid_a not in ch
    finally:
        imap_store("INBOX", uid_a, "FLAGS.SILENT", "(%s)" % " ".join(sorted(orig_a)))
        imap_store("INBOX", uid_b, "FLAGS.SILENT", "(%s)" % " ".join(sorted(orig_b)))
    assert imap_flags("INBOX", uid_a) == orig_a and imap_flags("INBOX", uid_b) == orig_b
    r = dev.sync("INBOX")
    ch = changes(r)
    assert ch[sid_a]["read"] == "0" and ch[sid_a]["flag_status"] in (None, "0"), r.xml
    assert ch[sid_b]["read"] == "1" and ch[sid_b]["flag_status"] in (None, "0")


FILTER_DAYS = {1: 1, 2: 3, 3: 7, 4: 14, 5: 31}  # MS-ASCMD 2.2.3.69.2; a month is 31 days here


@pytest.mark.parametrize("version", VERSIONS)
def test_filter_type_windows_count_the_seed_dates(client_factory, seed, version):
    """Each FilterType shows exactly the seeded INBOX messages younger than its age (the
    generator's dates; whatever others deliver meanwhile is newer than the seed)."""
    c = client_factory(version=version)
    cid = folder_ids(c)["INBOX"]
    newest = newest_seed_date(seed)
    for ft, days in FILTER_DAYS.items():
        early = time.time() - days * 86400
        w = Walk(c, cid, options_xml(ft, 1, 100))
        late = time.time() - days * 86400
        mine = seeded_only(w.items, seed, "INBOX")
        hi = sum(1 for m in seed["INBOX"] if m.date >= early - 1)
        lo = sum(1 for m in seed["INBOX"] if m.date >= late + 1)
        assert lo <= len(mine) <= hi, (ft, len(mine), lo, hi)
        assert all(i["date"] >= early - 1 for i in w.items), "an item older than the window"
        # Nothing unseeded is older than the seed's newest message (others' mail is new).
        assert all(i["date"] > newest for i in w.items if i not in mine)


def estimate(client, cid, key, filter_type):
    xml = ('<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:"><Collections>'
           '<Collection><airsync:SyncKey>%s</airsync:SyncKey><CollectionId>%s</CollectionId>'
           '<airsync:Options><airsync:FilterType>%d</airsync:FilterType></airsync:Options>'
           '</Collection></Collections></GetItemEstimate>' % (key, cid, filter_type))
    if client.version == "12.1":
        xml = ('<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:">'
               '<Collections><Collection><Class>Email</Class><airsync:SyncKey>%s'
               '</airsync:SyncKey><CollectionId>%s</CollectionId><airsync:FilterType>%d'
               '</airsync:FilterType></Collection></Collections></GetItemEstimate>'
               % (key, cid, filter_type))
    return item_estimate(client, xml)


@pytest.mark.parametrize("version", VERSIONS)
def test_get_item_estimate_on_the_seeded_inbox(client_factory, seed, version):
    """MS-ASCMD 2.2.3.63 Estimate: what the next Syncs will send. Unfiltered it is the
    folder's count; with FilterType 3 (a week) it is exactly what the walk then sends, and it
    shrinks by each window."""
    c = client_factory(version=version)
    cid = folder_ids(c)["INBOX"]
    before = len(imap_snapshot("INBOX"))
    r = sync(c, cid, 0)
    est = estimate(c, cid, key_of(r), 0)
    after = len(imap_snapshot("INBOX"))
    assert min(before, after) <= est <= max(before, after), (est, before, after)
    assert min(before, after) >= len(seed["INBOX"])
    # Resync with a week's window (SyncKey 0 with the new FilterType).
    opts = options_xml(3, 1, 100)
    r = sync(c, cid, 0, options=opts)
    key = key_of(r)
    est = estimate(c, cid, key, 3)
    r = sync(c, cid, key, window=20, options=opts)
    first = len(adds(r))
    assert first == min(20, est) and more(r) == (est > 20), (first, est)
    rest = estimate(c, cid, key_of(r), 3)
    sent = first
    while more(r):
        r = sync(c, cid, key_of(r), window=100, options=opts)
        sent += len(adds(r))
    # Mail others deliver meanwhile joins the walk (it is younger than a week).
    late = len(imap_snapshot("INBOX")) - before
    assert est <= sent <= est + max(late, 0), (est, sent, late)
    assert rest == est - first, (rest, est, first)


def search(client, query, rng):
    r = client.command("Search", '<Search xmlns="Search:" xmlns:airsync="AirSync:" '
                       'xmlns:email="Email:"><Store><Name>Mailbox</Name><Query>%s</Query>'
                       '<Options><Range>%s</Range></Options></Store></Search>' % (query, rng))
    assert r.status == 200, r.body
    assert r.root.find(SE + "Status").text == "1", r.xml
    store = r.root.find(SE + "Response/" + SE + "Store")
    assert store.find(SE + "Status").text == "1", r.xml
    return store


def search_all(client, query, page=10):
    """Every result, by Range pages of `page`; checks Total and Range on each page."""
    total, rows, start = None, [], 0
    while True:
        store = search(client, query, "%d-%d" % (start, start + page - 1))
        t = int(store.find(SE + "Total").text)
        assert total in (None, t), "Total moved between pages"
        total = t
        got = [x for x in store.findall(SE + "Result") if len(x)]
        if start < total:
            assert store.find(SE + "Range").text == "%d-%d" % (
                start, min(start + page, total) - 1)
            assert len(got) == min(page, total - start)
        else:
            assert not got
            return total, rows
        rows.extend(got)
        start += page


def result_keys(rows):
    out = []
    for x in rows:
        p = x.find(SE + "Properties")
        out.append((p.find(EM + "Subject").text,
                    eas_time(p.find(EM + "DateReceived").text)))
    return out


@pytest.mark.parametrize("version", VERSIONS)
def test_search_over_the_seeded_mailbox(client_factory, seed, version):
    """Search (Mailbox): free text (ASCII and UTF-8), From, a date range, Range paging; the
    counts are the generator's (MS-ASCMD 2.2.3.177 Total, 2.2.3.144 Range)."""
    c = client_factory(version=version)
    cid = folder_ids(c)["INBOX"]
    inbox = seed["INBOX"]
    in_inbox = "<airsync:CollectionId>%s</airsync:CollectionId>" % cid

    def check(query, want, page=50):
        total, rows = search_all(c, "<And><airsync:Class>Email</airsync:Class>%s%s</And>"
                                 % (in_inbox, query), page)
        keys = result_keys(rows)
        assert len(keys) == len(set(keys)), "a result on two pages"
        seeded = [k for k in keys if k in {m.key() for m in inbox}]
        assert sorted(seeded) == sorted(m.key() for m in want), query
        assert total == len(rows)

    check("<FreeText>escalation</FreeText>",
          [m for m in inbox if "escalation" in m.subject.lower()], page=10)
    check("<FreeText>Straßenfest</FreeText>", [m for m in inbox if "Straßenfest" in m.subject])
    check("<EqualTo><email:From/><Value>juergen.mueller@example.de</Value></EqualTo>",
          [m for m in inbox if "juergen.mueller@example.de" in str(m.msg["From"])])
    # A week a month before the seed's newest message, on UTC day boundaries (IMAP SINCE and
    # BEFORE compare dates only).
    day = newest_seed_date(seed) // 86400 * 86400 - 40 * 86400
    lo, hi = day, day + 7 * 86400
    fmt = "%Y-%m-%dT%H:%M:%S.000Z"
    check("<GreaterThan><email:DateReceived/><Value>%s</Value></GreaterThan>"
          "<LessThan><email:DateReceived/><Value>%s</Value></LessThan>"
          % (time.strftime(fmt, time.gmtime(lo)), time.strftime(fmt, time.gmtime(hi))),
          [m for m in inbox if lo <= m.date < hi])


@pytest.mark.parametrize("version", VERSIONS)
def test_conversation_id_is_shared_by_a_seeded_thread(device, seed, version):
    """MS-ASCON: the messages of one seeded thread (Message-ID / In-Reply-To / References)
    share a ConversationId, in INBOX and in Sent; different threads do not. 12.1 has no
    ConversationId (Email2, 14.0+)."""
    dev = device(version)
    items = {}
    for folder in ("INBOX", "Sent"):
        by_key = dev.walk(folder).by_key()
        for m in seed[folder]:
            if m.subject.startswith(("Thread ", "Re: Thread ")):
                items[m.message_id] = by_key[m.key()]
    assert items
    if version == "12.1":
        assert all(i["conversation_id"] is None for i in items.values())
        return
    threads = collections.defaultdict(set)
    for m in seed["INBOX"] + seed["Sent"]:
        if m.message_id in items:
            number = re.match(r"(?:Re: )?Thread (\d+):", m.subject).group(1)
            threads[number].add(items[m.message_id]["conversation_id"])
    assert all(len(ids) == 1 and None not in ids for ids in threads.values()), threads
    assert len({next(iter(ids)) for ids in threads.values()}) == len(threads)
    assert any(len([m for m in seed["INBOX"] + seed["Sent"] if m.message_id in items and
                    re.match(r"(?:Re: )?Thread %s:" % n, m.subject)]) >= 3 for n in threads)


def test_no_change_sync_costs_the_same_on_the_seeded_inbox(gateway, device, client_factory,
                                                          seed):
    """A no-change Sync of the 1,337+-message INBOX costs what it costs on a 5-message folder
    (one STATUS with HIGHESTMODSEQ, issue 4). Mail others deliver meanwhile makes a round
    not a no-change one: such rounds are measured again."""
    dev = device("14.1")
    dev.walk("INBOX")
    small = "seeded-small-%s" % uuid.uuid4().hex[:8]
    conn = imap()
    conn.create(small)
    for i in range(5):
        conn.append(small, None, None, ("Subject: small %d\r\n\r\nx\r\n" % i).encode())
    conn.logout()
    try:
        c = client_factory(version="14.1")
        sid = folder_ids(c)[small]
        w = Walk(c, sid, options_xml(0, 1, 200))
        assert len(w.items) == 5

        def cost(client, cid, key_holder):
            for _ in range(5):
                before = imap_calls(gateway)
                r = sync(client, cid, key_holder[0], options=options_xml(0, 1, 200))
                spent = imap_calls(gateway) - before
                if key_of(r) == key_holder[0] and coll(r).find(AS + "Commands") is None:
                    return spent
                key_holder[0] = key_of(r)  # something changed meanwhile: measure again
            raise AssertionError("the folder never stood still")
        small_cost = [cost(c, sid, [w.key]) for _ in range(3)]
        inbox_walk = dev.walk("INBOX")
        holder = [inbox_walk.key]
        big_cost = [cost(dev.client, dev.ids["INBOX"], holder) for _ in range(3)]
        inbox_walk.key = holder[0]
        assert small_cost == [1, 1, 1] and big_cost == small_cost, (small_cost, big_cost)
    finally:
        conn = imap()
        conn.delete(small)
        conn.logout()


def deliver_to_alice(dev, subject):
    """Sends a mail to alice over SMTP; returns its item from the device's next Syncs."""
    dev.sync("INBOX")
    inject_message("Bob Example <bob@example.test>", "alice@example.test", subject,
                   "Grüße über SMTP")
    for _ in range(50):
        found = [i for i in adds(dev.sync("INBOX")) if i["subject"] == subject]
        if found:
            assert len(found) == 1
            return found[0]
        time.sleep(0.2)
    raise AssertionError("the delivered mail never reached the device")


def remove_everywhere(subject):
    conn = imap()
    for box in ("INBOX", "Trash"):
        conn.select(box)
        for uid in conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)[1][0].split():
            conn.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
        conn.expunge()
    conn.logout()


def in_folder(folder, subject):
    conn = imap()
    try:
        conn.select(folder, readonly=True)
        return bool(conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)[1][0].split())
    finally:
        conn.logout()


@pytest.mark.parametrize("version", VERSIONS)
def test_smtp_delivery_reaches_the_seeded_inbox(device, seed, version):
    """Issue 4: a mail sent to alice over SMTP appears in the next Sync of the 1,337+ message
    INBOX."""
    dev = device(version)
    subject = "seeded-smtp-%s" % uuid.uuid4().hex[:8]
    try:
        got = deliver_to_alice(dev, subject)
        assert got["from"].startswith('"Bob Example"')
        assert got["read"] == "0"
    finally:
        remove_everywhere(subject)


@pytest.mark.parametrize("version", VERSIONS)
def test_device_delete_of_just_delivered_mail_moves_it_to_trash(device, seed, version):
    """MS-ASCMD 2.2.3.42 DeletesAsMoves (the default): deleted on the device, the mail that
    just arrived moves to Deleted Items (a pooled session with INBOX selected catches up
    before the UID MOVE, b94aa94; before that the MOVE could match nothing and say OK)."""
    dev = device(version)
    subject = "seeded-delete-%s" % uuid.uuid4().hex[:8]
    try:
        got = deliver_to_alice(dev, subject)
        r = dev.sync("INBOX", commands="<Delete><ServerId>%s</ServerId></Delete>" % got["sid"])
        assert status_of(r) == "1", r.xml
        assert not in_folder("INBOX", subject) and in_folder("Trash", subject)
    finally:
        remove_everywhere(subject)


@pytest.mark.parametrize("version", VERSIONS)
def test_seeded_attachment_by_range_and_message_by_sync_fetch(device, seed, version):
    """ItemOperations Range on a seeded PDF (MS-ASCMD 2.2.3.143.2: Range and Total), and a
    Sync Fetch of a seeded HTML message with the collection's BodyPreference."""
    dev = device(version)
    c, cid = dev.client, dev.ids["INBOX"]
    sids = dev.walk("INBOX").by_key()
    with_pdf = find_seed(seed, "INBOX", lambda m: len(parts(m, "application/pdf")) > 0)
    pdf = parts(with_pdf, "application/pdf")[0].get_content()
    atts = attachments_of(fetch_item(c, cid, sids[with_pdf.key()]["sid"], 1))
    ref = [a for a in atts if a["DisplayName"].endswith(".pdf")][0]["FileReference"]
    got = item_ops(c, '<Fetch><Store>Mailbox</Store><airsyncbase:FileReference>%s'
                   '</airsyncbase:FileReference><Options><Range>100-1123</Range></Options>'
                   '</Fetch>' % ref)
    props = got[0].find(IO + "Properties")
    assert props.find(IO + "Range").text == "100-1123"
    assert props.find(IO + "Total").text == str(len(pdf))
    assert base64.b64decode(props.find(IO + "Data").text) == pdf[100:1124]

    html_only = find_seed(seed, "INBOX", lambda m: m.msg.get_content_type() == "text/html")
    sid = sids[html_only.key()]["sid"]
    r = sync(c, cid, dev.walk("INBOX").key, options=options_xml(0, 2, 100000),
             commands="<Fetch><ServerId>%s</ServerId></Fetch>" % sid)
    dev.walk("INBOX").key = key_of(r)
    fetched = coll(r).find(AS + "Responses/" + AS + "Fetch")
    assert fetched.find(AS + "Status").text == "1", r.xml
    body = fetched.find(AS + "ApplicationData/" + ASB + "Body")
    assert body.find(ASB + "Type").text == "2"
    assert norm(body.find(ASB + "Data").text) == norm(html_only.msg.get_content())
