"""ItemOperations end to end: the real gateway binary against the real Dovecot.

A message with a text body and a binary attachment is APPENDed to a uniquely named folder
of alice's; the device FolderSyncs and Syncs it, then fetches the message by ServerId, the
attachment by FileReference (whole, with Range, past the end), both in the multipart form,
and finally empties the folder (with DeleteSubFolders). Every test removes what it made.
"""
import struct
import uuid

import pytest

from easclient import folder_id as collection_id, wbxml_to_xml
from mailhelpers import imap
import xml.etree.ElementTree as ET

FH = "FolderHierarchy"
IO = "{ItemOperations:}"
AS = "{AirSync:}"
ASB = "{AirSyncBase:}"
EM = "{Email:}"

ATTACHMENT = bytes(range(256)) * 3 + b"tail-of-the-attachment"
BODY_TEXT = "The body of the ItemOperations test message."


def message_with_attachment(subject):
    import base64
    att = base64.encodebytes(ATTACHMENT).decode().replace("\n", "\r\n")
    return ("From: Bob <bob@example.test>\r\nTo: alice@example.test\r\n"
            "Subject: %s\r\nDate: Mon, 02 Sep 2024 10:00:00 +0000\r\n"
            "Message-ID: <%s@example.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
            "--b1\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n"
            "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b1--\r\n"
            % (subject, uuid.uuid4().hex, BODY_TEXT, att)).encode()


@pytest.fixture
def loaded_folder():
    """A folder of alice's holding one message with an attachment; removed afterwards."""
    conn = imap()
    name = "ItOpsIT-" + uuid.uuid4().hex[:8]
    subject = "itops " + uuid.uuid4().hex[:12]
    assert conn.create(name)[0] == "OK"
    assert conn.append(name, None, None, message_with_attachment(subject))[0] == "OK"
    yield conn, name, subject
    conn.select("INBOX")
    for box in (name + "/Sub", name):
        conn.delete('"%s"' % box)
    conn.logout()


def synced_item(client, cid, attachment_listed=True):
    """(ServerId, FileReference) of the folder's one message, through a real Sync."""
    first = client.command("Sync", '<Sync xmlns="AirSync:"><Collections><Collection>'
                           '<SyncKey>0</SyncKey><CollectionId>%s</CollectionId></Collection>'
                           '</Collections></Sync>' % cid)
    assert first.status == 200, first.body
    key = first.root.find(AS + "Collections/" + AS + "Collection/" + AS + "SyncKey").text
    r = client.command("Sync", '<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:">'
                       '<Collections><Collection><SyncKey>%s</SyncKey>'
                       '<CollectionId>%s</CollectionId><GetChanges>1</GetChanges>'
                       '<Options><airsyncbase:BodyPreference><airsyncbase:Type>1'
                       '</airsyncbase:Type></airsyncbase:BodyPreference></Options>'
                       '</Collection></Collections></Sync>' % (key, cid))
    assert r.status == 200, r.body
    add = r.root.find(AS + "Collections/" + AS + "Collection/" + AS + "Commands/" + AS + "Add")
    assert add is not None, r.xml
    ref = add.find(AS + "ApplicationData/" + ASB + "Attachments/" + ASB + "Attachment/"
                   + ASB + "FileReference")
    if not attachment_listed:
        assert ref is None, r.xml  # the policy hides it from the item too
        return add.find(AS + "ServerId").text, None
    assert ref is not None, r.xml
    return add.find(AS + "ServerId").text, ref.text


def item_ops(client, inner, headers=None):
    return client.command(
        "ItemOperations",
        '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:" '
        'xmlns:airsyncbase="AirSyncBase:" xmlns:search="Search:">%s</ItemOperations>' % inner,
        headers=headers)


def fetch_ref(ref, options=""):
    return ('<Fetch><Store>Mailbox</Store><airsyncbase:FileReference>%s'
            '</airsyncbase:FileReference>%s</Fetch>' % (ref, options))


def fetches(r):
    assert r.status == 200, r.body
    assert r.root.find(IO + "Status").text == "1", r.xml
    return r.root.findall(IO + "Response/" + IO + "Fetch")


def data_of(fetch):
    """Opaque Data as libwbxml renders it (base64 text)."""
    import base64
    text = fetch.find(IO + "Properties/" + IO + "Data").text or ""
    return base64.b64decode(text)


@pytest.mark.parametrize("version", ["12.1", "14.1", "16.1"])
def test_fetch_message_and_attachment(client_factory, loaded_folder, version):
    _, name, subject = loaded_folder
    c = client_factory(version=version)
    cid = collection_id(c, name)
    server_id, ref = synced_item(c, cid)

    r = item_ops(c, '<Fetch><Store>Mailbox</Store><airsync:CollectionId>%s</airsync:CollectionId>'
                 '<airsync:ServerId>%s</airsync:ServerId><Options><airsyncbase:BodyPreference>'
                 '<airsyncbase:Type>1</airsyncbase:Type></airsyncbase:BodyPreference></Options>'
                 '</Fetch>' % (cid, server_id) + fetch_ref(ref)
                 + fetch_ref(ref, "<Options><Range>0-99</Range></Options>")
                 + fetch_ref(ref, "<Options><Range>100000-100010</Range></Options>")
                 + fetch_ref(cid + ":999999:7")
                 + '<Fetch><Store>Mailbox</Store><airsync:CollectionId>%s</airsync:CollectionId>'
                 '<airsync:ServerId>%s:424242</airsync:ServerId></Fetch>' % (cid, cid)
                 + '<Fetch><Store>DocumentLibrary</Store><airsyncbase:FileReference>x'
                 '</airsyncbase:FileReference></Fetch>')
    item, whole, ranged, past_end, bad_ref, bad_item, bad_store = fetches(r)

    assert item.find(IO + "Status").text == "1"
    assert item.find(AS + "ServerId").text == server_id
    props = item.find(IO + "Properties")
    assert props.find(EM + "Subject").text == subject
    assert BODY_TEXT in props.find(ASB + "Body/" + ASB + "Data").text

    assert whole.find(IO + "Status").text == "1"
    assert whole.find(IO + "Properties/" + ASB + "ContentType").text == "application/octet-stream"
    assert data_of(whole) == ATTACHMENT

    assert ranged.find(IO + "Status").text == "1"
    assert ranged.find(IO + "Properties/" + IO + "Range").text == "0-99"
    assert ranged.find(IO + "Properties/" + IO + "Total").text == str(len(ATTACHMENT))
    assert data_of(ranged) == ATTACHMENT[:100]

    assert past_end.find(IO + "Status").text == "8"
    assert bad_ref.find(IO + "Status").text == "15"
    assert bad_item.find(IO + "Status").text == "6"
    assert bad_store.find(IO + "Status").text == "9"


def split_multipart(body):
    count = struct.unpack_from("<i", body, 0)[0]
    parts = []
    for i in range(count):
        off, length = struct.unpack_from("<ii", body, 4 + 8 * i)
        parts.append(body[off:off + length])
    return parts


def test_multipart_response(client_factory, loaded_folder):
    _, name, _ = loaded_folder
    c = client_factory(version="14.1")
    cid = collection_id(c, name)
    server_id, ref = synced_item(c, cid)
    r = item_ops(c, fetch_ref(ref) + fetch_ref(ref, "<Options><Range>10-19</Range></Options>")
                 + '<Fetch><Store>Mailbox</Store><airsync:CollectionId>%s</airsync:CollectionId>'
                 '<airsync:ServerId>%s</airsync:ServerId><Options><airsyncbase:BodyPreference>'
                 '<airsyncbase:Type>1</airsyncbase:Type></airsyncbase:BodyPreference></Options>'
                 '</Fetch>' % (cid, server_id), headers={"MS-ASAcceptMultiPart": "T"})
    assert r.status == 200
    assert r.headers["content-type"] == "application/vnd.ms-sync.multipart"
    parts = split_multipart(r.body)
    assert len(parts) == 4
    root = ET.fromstring(wbxml_to_xml(parts[0]).encode())
    whole, ranged, item = root.findall(IO + "Response/" + IO + "Fetch")
    assert whole.find(IO + "Properties/" + IO + "Data") is None
    assert parts[int(whole.find(IO + "Properties/" + IO + "Part").text)] == ATTACHMENT
    assert parts[int(ranged.find(IO + "Properties/" + IO + "Part").text)] == ATTACHMENT[10:20]
    body_part = item.find(IO + "Properties/" + ASB + "Body/" + IO + "Part")
    assert body_part is not None, wbxml_to_xml(parts[0])
    assert BODY_TEXT.encode() in parts[int(body_part.text)]


def test_empty_folder_contents_with_subfolders(client_factory, loaded_folder):
    conn, name, _ = loaded_folder
    assert conn.create(name + "/Sub")[0] == "OK"
    c = client_factory(version="14.1")
    cid = collection_id(c, name)  # the device now knows the folder and its subfolder
    r = item_ops(c, '<EmptyFolderContents><airsync:CollectionId>%s</airsync:CollectionId>'
                 '<Options><DeleteSubFolders/></Options></EmptyFolderContents>'
                 '<EmptyFolderContents><airsync:CollectionId>nope</airsync:CollectionId>'
                 '</EmptyFolderContents>' % cid)
    assert r.status == 200, r.body
    done, unknown = r.root.findall(IO + "Response/" + IO + "EmptyFolderContents")
    assert done.find(IO + "Status").text == "1", r.xml
    assert unknown.find(IO + "Status").text == "6"
    typ, data = conn.status('"%s"' % name, "(MESSAGES)")
    assert typ == "OK" and b"MESSAGES 0" in data[0]
    typ, listed = conn.list('"%s/"' % name, "*")
    assert not [x for x in listed if x], listed


def test_empty_request_and_missing_part(client_factory, loaded_folder):
    _, name, _ = loaded_folder
    c = client_factory(version="14.1")
    r = item_ops(c, "")
    assert r.status == 200
    assert r.root.find(IO + "Status").text == "2"
    cid = collection_id(c, name)
    # A FileReference that names no attachment part of a real message: Status 15.
    server_id, _ = synced_item(c, cid)
    (f,) = fetches(item_ops(c, fetch_ref(server_id + ":9.9")))
    assert f.find(IO + "Status").text == "15"


POLICY_YAML = """
governance:
  policies:
    default: mailpolicy
    definitions:
      - name: mailpolicy
        {setting}
"""


def provision(c):
    pv = "Provision"
    body = ('<Provision xmlns="Provision:"><Policies><Policy><PolicyType>'
            'MS-EAS-Provisioning-WBXML</PolicyType>%s</Policy></Policies></Provision>')
    one = c.command(pv, body % "")
    temp = int(one.find("Policies/Policy/PolicyKey", pv))
    two = c.command(pv, body % ("<PolicyKey>%d</PolicyKey><Status>1</Status>" % temp))
    c.policy_key = int(two.find("Policies/Policy/PolicyKey", pv))


@pytest.mark.parametrize("setting,status", [("attachments_enabled: false", "16"),
                                            ("max_attachment_size: 100", "11")])
def test_policy_limits_attachment_fetches(loaded_folder, setting, status):
    from conftest import Gateway
    from easclient import EasClient
    import tempfile
    _, name, _ = loaded_folder
    gw = Gateway(tempfile.mkdtemp(prefix="easgate-itops-"),
                 extra_yaml=POLICY_YAML.format(setting=setting), port_offset=3)
    try:
        c = EasClient("127.0.0.1", gw.eas_port, version="14.1",
                      device_id="IOP" + uuid.uuid4().hex[:10].upper())
        provision(c)
        cid = collection_id(c, name)
        server_id, _ = synced_item(c, cid, attachment_listed=False)
        # The attachment is MIME part 2 of the multipart/mixed (email_item.h format): a
        # device that remembers the reference still gets nothing.
        (f,) = fetches(item_ops(c, fetch_ref(server_id + ":2")))
        assert f.find(IO + "Status").text == status
        assert f.find(IO + "Properties") is None
    finally:
        gw.stop()


def test_get_attachment_pre_14(client_factory, loaded_folder):
    """GetAttachment (MS-ASCMD 2.2.1.7): the FileReference as AttachmentName, raw bytes back."""
    from urllib.parse import quote
    _, name, _ = loaded_folder
    c = client_factory(version="12.1")
    cid = collection_id(c, name)
    _, ref = synced_item(c, cid)

    def get(attachment_name):
        target = ("/Microsoft-Server-ActiveSync?Cmd=GetAttachment&User=alice&DeviceId=%s"
                  "&DeviceType=%s&AttachmentName=%s"
                  % (c.device_id, c.device_type, quote(attachment_name, safe="")))
        return c.raw("POST", target, headers={"Authorization": c._auth_header(),
                                              "MS-ASProtocolVersion": c.version,
                                              "User-Agent": c.user_agent})
    r = get(ref)
    assert r.status == 200, r.body
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.body == ATTACHMENT
    assert get(ref.rsplit(":", 1)[0] + ":7").status == 404
    assert get("garbage").status == 404
