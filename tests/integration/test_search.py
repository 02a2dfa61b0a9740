"""Search (Mailbox store) and Find (16.1) end to end: the real gateway binary against the
real Dovecot. Messages with a unique word are APPENDed to a uniquely named folder of
alice's; Search finds them in that folder and across all folders, pages with Range, refuses
what it cannot run with the spec's Store status, and its LongIds and FileReferences work in
ItemOperations Fetch. Find results fetch by CollectionId + ServerId.

libwbxml has no Find code page, so Find requests are encoded here by hand and responses
decoded by the small decoder below (independent of the gateway's codec).
"""
import base64
import uuid
import xml.etree.ElementTree as ET

import pytest

from easclient import folder_id as collection_id
from mailhelpers import imap
from test_item_operations import ATTACHMENT, message_with_attachment

FH = "FolderHierarchy"
SE = "{Search:}"
AS = "{AirSync:}"
EM = "{Email:}"
IO = "{ItemOperations:}"


def plain(subject, body="nothing to see"):
    return ("From: bob@example.test\r\nTo: alice@example.test\r\nSubject: %s\r\n"
            "Message-ID: <%s@example.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
            % (subject, uuid.uuid4().hex, body)).encode()


@pytest.fixture
def search_folder():
    """A folder with two messages holding a unique word (one with an attachment) and one
    without it; removed afterwards."""
    conn = imap()
    name = "SearchIT-" + uuid.uuid4().hex[:8]
    word = "zq" + uuid.uuid4().hex[:10]
    assert conn.create(name)[0] == "OK"
    assert conn.append(name, None, None, plain("first %s hit" % word))[0] == "OK"
    assert conn.append(name, None, None, plain("no match here"))[0] == "OK"
    assert conn.append(name, None, None, message_with_attachment("second %s hit" % word))[0] == "OK"
    yield name, word
    conn.select("INBOX")
    conn.delete('"%s"' % name)
    conn.logout()


def search(client, query, options="<Range>0-9</Range>"):
    r = client.command("Search", '<Search xmlns="Search:" xmlns:airsync="AirSync:" '
                       'xmlns:email="Email:" xmlns:airsyncbase="AirSyncBase:"><Store>'
                       '<Name>Mailbox</Name><Query>%s</Query><Options>%s</Options></Store>'
                       '</Search>' % (query, options))
    assert r.status == 200, r.body
    assert r.root.find(SE + "Status").text == "1", r.xml
    return r.root.find(SE + "Response/" + SE + "Store")


def results(store):
    return [x for x in store.findall(SE + "Result") if len(x)]


@pytest.mark.parametrize("version", ["12.1", "14.1", "16.1"])
def test_search_finds_by_word_pages_and_fetches_by_long_id(client_factory, search_folder,
                                                            version):
    name, word = search_folder
    c = client_factory(version=version)
    cid = collection_id(c, name)

    store = search(c, "<And><airsync:Class>Email</airsync:Class><airsync:CollectionId>%s"
                      "</airsync:CollectionId><FreeText>%s</FreeText></And>" % (cid, word),
                   "<Range>0-9</Range><airsyncbase:BodyPreference><airsyncbase:Type>1"
                   "</airsyncbase:Type></airsyncbase:BodyPreference>")
    assert store.find(SE + "Status").text == "1"
    assert store.find(SE + "Total").text == "2"
    assert store.find(SE + "Range").text == "0-1"
    rows = results(store)
    subjects = sorted(r.find(SE + "Properties/" + EM + "Subject").text for r in rows)
    assert subjects == ["first %s hit" % word, "second %s hit" % word]
    for r in rows:
        assert r.find(AS + "Class").text == "Email"
        assert r.find(AS + "CollectionId").text == cid
        assert r.find(SE + "LongId").text.startswith(cid + ":")

    # Across every folder (no CollectionId), one row at a time.
    store = search(c, "<And><FreeText>%s</FreeText></And>" % word, "<Range>0-0</Range>")
    assert store.find(SE + "Total").text == "2"
    assert store.find(SE + "Range").text == "0-0"
    assert len(results(store)) == 1
    # Past the end: Total, no rows.
    store = search(c, "<FreeText>%s</FreeText>" % word, "<Range>5-9</Range>")
    assert store.find(SE + "Total").text == "2" and not results(store)

    # The LongId and the result's FileReference work in ItemOperations.
    second = [r for r in rows
              if r.find(SE + "Properties/" + EM + "Subject").text.startswith("second")][0]
    long_id = second.find(SE + "LongId").text
    fetch = ('<Fetch><Store>Mailbox</Store><search:LongId>%s</search:LongId></Fetch>' % long_id)
    if version != "12.1":
        ref = second.find(SE + "Properties/{AirSyncBase:}Attachments/{AirSyncBase:}Attachment/"
                          "{AirSyncBase:}FileReference").text
        fetch += ('<Fetch><Store>Mailbox</Store><airsyncbase:FileReference>%s'
                  '</airsyncbase:FileReference></Fetch>' % ref)
    r = c.command("ItemOperations", '<ItemOperations xmlns="ItemOperations:" '
                  'xmlns:search="Search:" xmlns:airsyncbase="AirSyncBase:">%s</ItemOperations>'
                  % fetch)
    assert r.status == 200, r.body
    got = r.root.findall(IO + "Response/" + IO + "Fetch")
    assert got[0].find(IO + "Status").text == "1", r.xml
    assert got[0].find(IO + "Properties/" + EM + "Subject").text == "second %s hit" % word
    if version != "12.1":
        assert got[1].find(IO + "Status").text == "1", r.xml
        data = got[1].find(IO + "Properties/" + IO + "Data").text
        assert base64.b64decode(data) == ATTACHMENT


def test_search_criteria_and_refusals(client_factory, search_folder):
    name, word = search_folder
    c = client_factory(version="14.1")
    cid = collection_id(c, name)
    # EqualTo Subject narrows, a date window in the past finds nothing.
    store = search(c, "<And><airsync:CollectionId>%s</airsync:CollectionId><EqualTo>"
                      "<email:Subject/><Value>first %s</Value></EqualTo></And>" % (cid, word))
    assert store.find(SE + "Total").text == "1"
    store = search(c, "<And><airsync:CollectionId>%s</airsync:CollectionId><FreeText>%s"
                      "</FreeText><LessThan><email:DateReceived/><Value>2001-01-01T00:00:00.000Z"
                      "</Value></LessThan></And>" % (cid, word))
    assert store.find(SE + "Total").text == "0"
    assert store.find(SE + "Status").text == "1"
    # What the gateway cannot run gets the spec's Store status.
    assert search(c, "<Or><FreeText>a</FreeText><FreeText>b</FreeText></Or>").find(
        SE + "Status").text == "8"
    assert search(c, "<And><airsync:CollectionId>no-such</airsync:CollectionId><FreeText>x"
                     "</FreeText></And>").find(SE + "Status").text == "11"
    assert search(c, "<And/>").find(SE + "Status").text == "2"
    # A class IMAP holds nothing of: an empty result, not an error.
    store = search(c, "<And><airsync:Class>Contacts</airsync:Class><FreeText>%s</FreeText>"
                      "</And>" % word)
    assert store.find(SE + "Status").text == "1" and store.find(SE + "Total").text == "0"


# --- Find (16.1) -----------------------------------------------------------------------

# (page, token) -> namespace:name for what a Find response holds (MS-ASWBXML 2.1.2.1).
TAGS = {
    (25, 0x05): "Find:Find", (25, 0x06): "Find:SearchId", (25, 0x07): "Find:ExecuteSearch",
    (25, 0x08): "Find:MailBoxSearchCriterion", (25, 0x09): "Find:Query",
    (25, 0x0A): "Find:Status", (25, 0x0B): "Find:FreeText", (25, 0x0C): "Find:Options",
    (25, 0x0D): "Find:Range", (25, 0x0E): "Find:DeepTraversal", (25, 0x11): "Find:Response",
    (25, 0x12): "Find:Result", (25, 0x13): "Find:Properties", (25, 0x14): "Find:Preview",
    (25, 0x15): "Find:HasAttachments", (25, 0x16): "Find:Total", (25, 0x17): "Find:DisplayCc",
    (25, 0x18): "Find:DisplayBcc", (0, 0x10): "AirSync:Class", (0, 0x0D): "AirSync:ServerId",
    (0, 0x12): "AirSync:CollectionId", (20, 0x07): "ItemOperations:Store",
    (2, 0x0F): "Email:DateReceived", (2, 0x11): "Email:DisplayTo", (2, 0x12): "Email:Importance",
    (2, 0x14): "Email:Subject", (2, 0x15): "Email:Read", (2, 0x18): "Email:From",
    (22, 0x15): "Email2:IsDraft",
}
CODES = {v: k for k, v in TAGS.items()}


def mb_u_int32(data, i):
    v = 0
    while True:
        b = data[i]
        i += 1
        v = (v << 7) | (b & 0x7F)
        if not b & 0x80:
            return v, i


def decode(data):
    assert data[0] == 0x03
    _, i = mb_u_int32(data, 1)
    _, i = mb_u_int32(data, i)
    strtbl, i = mb_u_int32(data, i)
    assert strtbl == 0
    page, stack, root = 0, [], None
    while i < len(data):
        t = data[i]
        i += 1
        if t == 0x00:
            page = data[i]
            i += 1
        elif t == 0x01:
            stack.pop()
        elif t == 0x03:
            end = data.index(0, i)
            stack[-1].text = data[i:end].decode()
            i = end + 1
        elif t == 0xC3:
            n, i = mb_u_int32(data, i)
            stack[-1].text = base64.b64encode(data[i:i + n]).decode()
            i += n
        else:
            ns, name = TAGS.get((page, t & 0x3F), "Unknown:p%d_%d" % (page, t & 0x3F)).split(":")
            e = ET.Element("{%s:}%s" % (ns, name))
            if stack:
                stack[-1].append(e)
            else:
                root = e
            if t & 0x40:
                stack.append(e)
    return root


def encode(tree):
    """tree: (name, text-or-children)."""
    out, page = bytearray(b"\x03\x01\x6a\x00"), [None]

    def emit(node):
        name, content = node
        p, tok = CODES[name]
        if p != page[0]:
            out.extend([0x00, p])
            page[0] = p
        if content is None:
            out.append(tok)
            return
        out.append(tok | 0x40)
        if isinstance(content, str):
            out.append(0x03)
            out.extend(content.encode() + b"\x00")
        else:
            for child in content:
                emit(child)
        out.append(0x01)
    emit(tree)
    return bytes(out)


def find(c, word, cid=None, rng="0-9"):
    query = [("AirSync:Class", "Email")]
    if cid:
        query.append(("AirSync:CollectionId", cid))
    query.append(("Find:FreeText", word))
    body = encode(("Find:Find", [
        ("Find:SearchId", uuid.uuid4().hex),
        ("Find:ExecuteSearch", [("Find:MailBoxSearchCriterion", [
            ("Find:Query", query),
            ("Find:Options", [("Find:Range", rng), ("Find:DeepTraversal", None)])])])]))
    r = c.command("Find", body=body)
    assert r.status == 200, r.body
    return decode(r.body)


FD = "{Find:}"


def test_find_on_16_1_then_fetch_by_server_id(client_factory, search_folder):
    name, word = search_folder
    c = client_factory(version="16.1")
    cid = collection_id(c, name)
    root = find(c, word, cid)
    assert root.find(FD + "Status").text == "1"
    response = root.find(FD + "Response")
    assert response.find(IO + "Store").text == "Mailbox"
    assert response.find(FD + "Status").text == "1"
    assert response.find(FD + "Total").text == "2"
    rows = response.findall(FD + "Result")
    assert len(rows) == 2
    by_subject = {r.find(FD + "Properties/" + EM + "Subject").text: r for r in rows}
    second = by_subject["second %s hit" % word]
    assert second.find(FD + "Properties/" + FD + "HasAttachments").text == "1"
    assert by_subject["first %s hit" % word].find(
        FD + "Properties/" + FD + "Preview").text.startswith("nothing to see")
    assert second.find(AS + "CollectionId").text == cid
    server_id = second.find(AS + "ServerId").text

    r = c.command("ItemOperations", '<ItemOperations xmlns="ItemOperations:" '
                  'xmlns:airsync="AirSync:"><Fetch><Store>Mailbox</Store><airsync:CollectionId>'
                  '%s</airsync:CollectionId><airsync:ServerId>%s</airsync:ServerId></Fetch>'
                  '</ItemOperations>' % (cid, server_id))
    assert r.status == 200, r.body
    got = r.root.find(IO + "Response/" + IO + "Fetch")
    assert got.find(IO + "Status").text == "1", r.xml
    assert got.find(IO + "Properties/" + EM + "Subject").text == "second %s hit" % word

    # An unknown folder: FolderSync first (Find Status 3).
    assert find(c, word, "no-such").find(FD + "Status").text == "3"
