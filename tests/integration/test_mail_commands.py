"""Issue 4 mail commands end to end: the real gateway binary against real Dovecot and the
real SMTP submission service. SendMail, SmartReply, SmartForward (12.1 MIME form and the
14.1 / 16.1 ComposeMail form), FolderCreate / FolderUpdate / FolderDelete, MoveItems
statuses. Every test works in uniquely named folders or with unique subjects and cleans up.
"""
import email
import imaplib
import time
import uuid
from xml.sax.saxutils import escape

import pytest

from easclient import EasClient

FH = "FolderHierarchy"
CM = "ComposeMail"
MV = "Move"


def imap(user="alice"):
    conn = imaplib.IMAP4("127.0.0.1", 10143, timeout=10)
    conn.login(user, "secret")
    return conn


def find_uids(conn, mailbox, subject):
    typ, _ = conn.select('"%s"' % mailbox)
    assert typ == "OK", mailbox
    typ, data = conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
    return [int(u) for u in data[0].split()] if data and data[0] else []


def wait_for(conn, mailbox, subject, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        uids = find_uids(conn, mailbox, subject)
        if uids:
            return uids
        time.sleep(0.3)
    return []


def fetch(conn, mailbox, uid, what="(BODY.PEEK[] FLAGS)"):
    conn.select('"%s"' % mailbox)
    typ, data = conn.uid("FETCH", str(uid), what)
    assert typ == "OK"
    return data


def delete_everywhere(conn, mailbox, subject):
    for uid in find_uids(conn, mailbox, subject):
        conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)")
    conn.expunge()


def mime(subject, to="bob@example.test", body="Hello from the test.", extra=""):
    return ("From: alice@example.test\r\nTo: %s\r\n%sSubject: %s\r\n"
            "Message-ID: <%s@example.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
            % (to, extra, subject, uuid.uuid4().hex, body))


# ComposeMail code page 21 tokens (MS-ASWBXML 2.1.2.1.22). libwbxml's table has no Mime
# token, so these bodies are encoded here, by hand, independently of the gateway's codec.
CM_TOKENS = {"SendMail": 0x05, "SmartForward": 0x06, "SmartReply": 0x07,
             "SaveInSentItems": 0x08, "ReplaceMime": 0x09, "Source": 0x0B, "FolderId": 0x0C,
             "ItemId": 0x0D, "LongId": 0x0E, "InstanceId": 0x0F, "Mime": 0x10,
             "ClientId": 0x11}


def mb_u_int32(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.insert(0, 0x80 | (n & 0x7F))
        n >>= 7
    return bytes(out)


def compose_wbxml(cmd, client_id, message, save=True, source=None, replace=False):
    def text(name, value):
        return bytes([CM_TOKENS[name] | 0x40, 0x03]) + value.encode() + b"\x00\x01"
    out = b"\x03\x01\x6a\x00" + b"\x00\x15" + bytes([CM_TOKENS[cmd] | 0x40])
    if client_id is not None:
        out += text("ClientId", client_id)
    if save:
        out += bytes([CM_TOKENS["SaveInSentItems"]])
    if replace:
        out += bytes([CM_TOKENS["ReplaceMime"]])
    if source:
        out += bytes([CM_TOKENS["Source"] | 0x40])
        for k, v in source.items():
            out += text(k, v)
        out += b"\x01"
    if message is not None:
        data = message.encode()
        out += bytes([CM_TOKENS["Mime"] | 0x40, 0xC3]) + mb_u_int32(len(data)) + data + b"\x01"
    return out + b"\x01"


def compose(c, cmd, client_id, message, **kw):
    return c.command(cmd, body=compose_wbxml(cmd, client_id, message, **kw))


def mime_command(c, cmd, message, params=""):
    """The pre-14.0 form (MS-ASHTTP 2.2.1.1.1.2.5): raw MIME body, parameters in the query."""
    target = ("/Microsoft-Server-ActiveSync?Cmd=%s&User=alice&DeviceId=%s&DeviceType=%s%s"
              % (cmd, c.device_id, c.device_type, params))
    headers = {"Authorization": c._auth_header(), "MS-ASProtocolVersion": c.version,
               "Content-Type": "message/rfc822", "User-Agent": c.user_agent}
    return c.raw("POST", target, body=message.encode(), headers=headers)


def hierarchy(c):
    r = c.folder_sync(0)
    assert r.find("Status", FH) == "1"
    folders = {}
    for add in r.findall("Changes/Add", FH):
        folders[add.find("{FolderHierarchy:}DisplayName").text] = {
            "id": add.find("{FolderHierarchy:}ServerId").text,
            "parent": add.find("{FolderHierarchy:}ParentId").text,
            "type": add.find("{FolderHierarchy:}Type").text,
        }
    return r.find("SyncKey", FH), folders


def uidvalidity(conn, mailbox):
    typ, data = conn.status('"%s"' % mailbox, "(UIDVALIDITY)")
    return int(data[0].decode().split("UIDVALIDITY")[1].strip(" )"))


@pytest.fixture
def work_folder():
    """A uniquely named folder of alice's, removed afterwards."""
    conn = imap()
    name = "MailIT-" + uuid.uuid4().hex[:8]
    assert conn.create(name)[0] == "OK"
    yield conn, name
    conn.select("INBOX")
    conn.delete('"%s"' % name)
    conn.logout()


# --- SendMail --------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["14.1", "16.1"])
def test_send_mail_reaches_bob_and_sent_items_once(client_factory, version):
    c = client_factory(version=version)
    hierarchy(c)  # the device knows its Sent Items folder
    subject = "easgate sendmail %s %s" % (version, uuid.uuid4().hex)
    client_id = uuid.uuid4().hex
    r = compose(c, "SendMail", client_id, mime(subject))
    assert r.status == 200 and r.body == b"", r.xml
    bob, alice = imap("bob"), imap("alice")
    try:
        got = wait_for(bob, "INBOX", subject)
        assert len(got) == 1
        sent = wait_for(alice, "Sent", subject)
        assert len(sent) == 1
        assert b"\\Seen" in fetch(alice, "Sent", sent[0], "(FLAGS)")[0]
        # The response was lost; the device retries with the same ClientId: not sent twice.
        again = compose(c, "SendMail", client_id, mime(subject))
        assert again.find("Status", CM) == "118"
        time.sleep(1.0)
        assert len(find_uids(bob, "INBOX", subject)) == 1
    finally:
        delete_everywhere(bob, "INBOX", subject)
        delete_everywhere(alice, "Sent", subject)
        bob.logout()
        alice.logout()


def test_send_mail_mime_form_12_1_with_bcc_hidden(client_factory):
    c = client_factory(version="12.1")
    hierarchy(c)
    subject = "easgate sendmail 12.1 " + uuid.uuid4().hex
    message = mime(subject, to="alice@example.test", extra="Bcc: bob@example.test\r\n")
    r = mime_command(c, "SendMail", message, "&SaveInSent=T")
    assert r.status == 200
    bob, alice = imap("bob"), imap("alice")
    try:
        got = wait_for(bob, "INBOX", subject)
        assert len(got) == 1
        raw = fetch(bob, "INBOX", got[0])[0][1]
        assert b"Bcc:" not in raw.split(b"\r\n\r\n")[0]  # RFC 5322 3.6.3
        assert wait_for(alice, "INBOX", subject)
        sent = wait_for(alice, "Sent", subject)
        assert len(sent) == 1
    finally:
        delete_everywhere(bob, "INBOX", subject)
        delete_everywhere(alice, "INBOX", subject)
        delete_everywhere(alice, "Sent", subject)
        bob.logout()
        alice.logout()


def test_send_mail_failures_use_the_spec_statuses(client_factory):
    c = client_factory(version="14.1")
    no_rcpt = "From: alice@example.test\r\nSubject: nobody\r\n\r\nx\r\n"
    r = compose(c, "SendMail", uuid.uuid4().hex, no_rcpt)
    assert r.find("Status", CM) == "119"
    r = compose(c, "SendMail", None, None)
    assert r.find("Status", CM) == "103"
    # 12.1 has no Status element: HTTP 500, and nothing sent.
    old = client_factory(version="12.1")
    assert mime_command(old, "SendMail", no_rcpt).status == 500


# --- SmartReply / SmartForward -----------------------------------------------------------

ORIGINAL_WITH_ATTACHMENT = (
    "From: carol@example.test\r\nTo: alice@example.test\r\nSubject: %s\r\n"
    "Message-ID: <%s@example.test>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe original words %s.\r\n"
    "--b1\r\nContent-Type: application/octet-stream; name=report.bin\r\n"
    "Content-Disposition: attachment; filename=report.bin\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQ==\r\n--b1--\r\n")


def deliver_original(conn, folder, subject, marker):
    msg = ORIGINAL_WITH_ATTACHMENT % (subject, uuid.uuid4().hex, marker)
    typ, _ = conn.append('"%s"' % folder, None, None, msg.encode())
    assert typ == "OK"
    return find_uids(conn, folder, subject)[0]


@pytest.mark.parametrize("version", ["14.1", "16.1"])
def test_smart_reply_quotes_original_and_marks_it_answered(client_factory, work_folder, version):
    conn, folder = work_folder
    marker = uuid.uuid4().hex
    subject = "orig " + marker
    uid = deliver_original(conn, folder, subject, marker)
    c = client_factory(version=version)
    _, folders = hierarchy(c)
    long_id = "%s:%d:%d" % (folders[folder]["id"], uidvalidity(conn, folder), uid)
    reply_subject = "Re: " + subject
    r = compose(
        c, "SmartReply", uuid.uuid4().hex, mime(reply_subject, body="My answer."),
        save=False, source={"LongId": long_id})
    assert r.status == 200 and r.body == b"", r.xml
    bob = imap("bob")
    try:
        got = wait_for(bob, "INBOX", reply_subject)
        assert len(got) == 1
        raw = fetch(bob, "INBOX", got[0])[0][1].decode(errors="replace")
        assert "My answer." in raw and "The original words " + marker in raw
        assert "In-Reply-To:" in raw
        assert b"\\Answered" in fetch(conn, folder, uid, "(FLAGS)")[0]
    finally:
        delete_everywhere(bob, "INBOX", reply_subject)
        bob.logout()


def test_smart_forward_attaches_original_and_marks_it_forwarded_16_1(client_factory,
                                                                      work_folder):
    conn, folder = work_folder
    marker = uuid.uuid4().hex
    subject = "fwd-orig " + marker
    uid = deliver_original(conn, folder, subject, marker)
    c = client_factory(version="16.1")
    _, folders = hierarchy(c)
    long_id = "%s:%d:%d" % (folders[folder]["id"], uidvalidity(conn, folder), uid)
    fwd_subject = "Fw: " + subject
    r = compose(
        c, "SmartForward", uuid.uuid4().hex, mime(fwd_subject, body="FYI."), save=True,
        source={"FolderId": folders[folder]["id"], "LongId": long_id})
    assert r.status == 200 and r.body == b"", r.xml
    bob, alice = imap("bob"), imap("alice")
    try:
        got = wait_for(bob, "INBOX", fwd_subject)
        assert len(got) == 1
        msg = email.message_from_bytes(fetch(bob, "INBOX", got[0])[0][1])
        names = [p.get_filename() for p in msg.walk() if p.get_filename()]
        assert "report.bin" in names
        assert "The original words " + marker in msg.as_string()
        assert b"$Forwarded" in fetch(conn, folder, uid, "(FLAGS)")[0]
        assert wait_for(alice, "Sent", fwd_subject)
    finally:
        delete_everywhere(bob, "INBOX", fwd_subject)
        delete_everywhere(alice, "Sent", fwd_subject)
        bob.logout()
        alice.logout()


def test_smart_reply_mime_form_12_1_and_unknown_source(client_factory, work_folder):
    conn, folder = work_folder
    marker = uuid.uuid4().hex
    uid = deliver_original(conn, folder, "orig12 " + marker, marker)
    c = client_factory(version="12.1")
    _, folders = hierarchy(c)
    long_id = "%s:%d:%d" % (folders[folder]["id"], uidvalidity(conn, folder), uid)
    reply_subject = "Re: orig12 " + marker
    r = mime_command(c, "SmartReply", mime(reply_subject, body="Old client."),
                     "&LongId=%s" % long_id)
    assert r.status == 200
    bob = imap("bob")
    try:
        got = wait_for(bob, "INBOX", reply_subject)
        raw = fetch(bob, "INBOX", got[0])[0][1].decode(errors="replace")
        assert "The original words " + marker in raw
    finally:
        delete_everywhere(bob, "INBOX", reply_subject)
        bob.logout()
    # A source that does not exist: 150 (14.1) and HTTP 500 (12.1); nothing is sent.
    missing = "%s:%d:%d" % (folders[folder]["id"], uidvalidity(conn, folder), uid + 1000)
    new = client_factory(version="14.1")
    hierarchy(new)
    r = compose(new, "SmartReply", uuid.uuid4().hex, mime("Re: gone"),
                source={"LongId": missing})
    assert r.find("Status", CM) == "150"
    assert mime_command(c, "SmartReply", mime("Re: gone"), "&LongId=" + missing).status == 500


# --- FolderCreate / FolderUpdate / FolderDelete --------------------------------------------

def folder_cmd(c, cmd, **fields):
    body = "".join("<%s>%s</%s>" % (k, escape(str(v)), k) for k, v in fields.items())
    return c.command(cmd, '<%s xmlns="FolderHierarchy:">%s</%s>' % (cmd, body, cmd))


def imap_names(conn):
    typ, data = conn.list()
    return {line.decode().rsplit(' "/" ', 1)[1].strip('"') for line in data}


@pytest.mark.parametrize("version", ["12.1", "14.1", "16.1"])
def test_folder_create_update_delete_reach_imap_and_are_not_reported_again(client_factory,
                                                                           version):
    conn = imap()
    tag = uuid.uuid4().hex[:8]
    name, renamed, child = "FC-" + tag, "FR-" + tag, "Kid-" + tag
    c = client_factory(version=version)
    key, folders = hierarchy(c)
    try:
        r = folder_cmd(c, "FolderCreate", SyncKey=key, ParentId="0", DisplayName=name, Type=12)
        assert r.find("Status", FH) == "1", r.xml
        new_key, server_id = r.find("SyncKey", FH), r.find("ServerId", FH)
        assert int(new_key) > int(key) and server_id
        assert name in imap_names(conn)
        r = folder_cmd(c, "FolderCreate", SyncKey=new_key, ParentId=server_id,
                       DisplayName=child, Type=12)
        assert r.find("Status", FH) == "1"
        child_id, key = r.find("ServerId", FH), r.find("SyncKey", FH)
        assert name + "/" + child in imap_names(conn)
        # The next FolderSync has nothing to say about what the device did itself.
        r = c.folder_sync(key)
        assert r.find("Changes/Count", FH) == "0", r.xml
        # Duplicate name, stale key.
        assert folder_cmd(c, "FolderCreate", SyncKey=key, ParentId="0", DisplayName=name,
                          Type=12).find("Status", FH) == "2"
        assert folder_cmd(c, "FolderCreate", SyncKey=int(key) - 1, ParentId="0",
                          DisplayName="x" + tag, Type=12).find("Status", FH) == "9"
        assert folder_cmd(c, "FolderCreate", SyncKey=key, ParentId="999999",
                          DisplayName="x" + tag, Type=12).find("Status", FH) == "5"

        r = folder_cmd(c, "FolderUpdate", SyncKey=key, ServerId=server_id, ParentId="0",
                       DisplayName=renamed)
        assert r.find("Status", FH) == "1", r.xml
        key = r.find("SyncKey", FH)
        names = imap_names(conn)
        assert renamed in names and renamed + "/" + child in names and name not in names
        r = c.folder_sync(key)
        assert r.find("Changes/Count", FH) == "0", r.xml
        assert folder_cmd(c, "FolderUpdate", SyncKey=key, ServerId=folders["INBOX"]["id"],
                          ParentId="0", DisplayName="Nope").find("Status", FH) == "2"
        assert folder_cmd(c, "FolderUpdate", SyncKey=key, ServerId="999999", ParentId="0",
                          DisplayName="Nope").find("Status", FH) == "4"
        assert folder_cmd(c, "FolderUpdate", SyncKey=key, ServerId=server_id,
                          ParentId=child_id, DisplayName="Loop").find("Status", FH) == "5"

        assert folder_cmd(c, "FolderDelete", SyncKey=key,
                          ServerId=folders["INBOX"]["id"]).find("Status", FH) == "3"
        assert folder_cmd(c, "FolderDelete", SyncKey=key,
                          ServerId="999999").find("Status", FH) == "4"
        r = folder_cmd(c, "FolderDelete", SyncKey=key, ServerId=server_id)
        assert r.find("Status", FH) == "1", r.xml
        key = r.find("SyncKey", FH)
        names = imap_names(conn)
        assert renamed not in names and renamed + "/" + child not in names
        r = c.folder_sync(key)
        assert r.find("Changes/Count", FH) == "0", r.xml
    finally:
        for n in (name + "/" + child, name, renamed + "/" + child, renamed):
            conn.delete('"%s"' % n)
        conn.logout()


# --- MoveItems ------------------------------------------------------------------------------

def test_move_items_statuses_for_bad_input(client_factory, work_folder):
    _, folder = work_folder
    c = client_factory(version="14.1")
    _, folders = hierarchy(c)
    src, dst = folders[folder]["id"], folders["INBOX"]["id"]
    xml = ('<MoveItems xmlns="Move:">'
           '<Move><SrcMsgId>%s:1</SrcMsgId><SrcFldId>%s</SrcFldId><DstFldId>%s</DstFldId></Move>'
           '<Move><SrcMsgId>%s:1</SrcMsgId><SrcFldId>%s</SrcFldId><DstFldId>%s</DstFldId></Move>'
           '</MoveItems>' % (src, src, dst, src, src, src))
    r = c.command("MoveItems", xml)
    assert r.status == 200
    statuses = [e.text for e in r.findall("Response/Status", MV)]
    assert statuses == ["1", "4"]  # unknown item; same folder
