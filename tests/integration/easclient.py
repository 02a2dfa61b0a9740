"""A small EAS client for integration tests.

WBXML is encoded and decoded with libwbxml2's own tools (xml2wbxml, wbxml2xml), an
implementation independent of the gateway's codec, so a bug shared by the encoder and the
decoder of the gateway cannot hide itself.
"""
import base64
import http.client
import os
import ssl
import struct
import subprocess
import tempfile
import xml.etree.ElementTree as ET

COMMAND_CODES = {
    "Sync": 0, "SendMail": 1, "SmartForward": 2, "SmartReply": 3, "GetAttachment": 4,
    "FolderSync": 9, "FolderCreate": 10, "FolderDelete": 11, "FolderUpdate": 12,
    "MoveItems": 13, "GetItemEstimate": 14, "MeetingResponse": 15, "Search": 16,
    "Settings": 17, "Ping": 18, "ItemOperations": 19, "Provision": 20,
    "ResolveRecipients": 21, "ValidateCert": 22, "Find": 23,
}

XML_HEADER = ('<?xml version="1.0" encoding="utf-8"?>\n'
              '<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" '
              '"http://www.microsoft.com/">\n')


def xml_to_wbxml(xml_text):
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.xml"), os.path.join(d, "out.wbxml")
        with open(src, "w", encoding="utf-8") as f:
            f.write(XML_HEADER + xml_text)
        subprocess.run(["xml2wbxml", "-v", "1.3", "-a", "-n", "-o", dst, src], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(dst, "rb") as f:
            return f.read()


def wbxml_to_xml(data):
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.wbxml"), os.path.join(d, "out.xml")
        with open(src, "wb") as f:
            f.write(data)
        subprocess.run(["wbxml2xml", "-l", "ACTIVESYNC", "-o", dst, src], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(dst, encoding="utf-8") as f:
            return f.read()


def base64_query(version, cmd, device_id, device_type, policy_key=None, params=()):
    """MS-ASHTTP 2.2.1.1.1.1 byte layout."""
    major, minor = version.split(".")
    raw = bytes([int(major) * 10 + int(minor), COMMAND_CODES[cmd]]) + struct.pack("<H", 0x0409)
    raw += bytes([len(device_id)]) + device_id.encode()
    if policy_key is None:
        raw += b"\x00"
    else:
        raw += b"\x04" + struct.pack("<I", policy_key)
    raw += bytes([len(device_type)]) + device_type.encode()
    for tag, value in params:
        raw += bytes([tag, len(value)]) + value
    return base64.b64encode(raw).decode()


class EasResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.xml = None
        self.root = None
        if body and headers.get("content-type", "").startswith("application/vnd.ms-sync.wbxml"):
            self.xml = wbxml_to_xml(body)
            self.root = ET.fromstring(self.xml.encode("utf-8"))

    def find(self, path, ns):
        """Element text at path (tags without namespace) in namespace ns, or None."""
        q = "/".join("{%s:}%s" % (ns, p) for p in path.split("/"))
        e = self.root.find(q) if self.root is not None else None
        return None if e is None else e.text

    def findall(self, path, ns):
        q = "/".join("{%s:}%s" % (ns, p) for p in path.split("/"))
        return self.root.findall(q) if self.root is not None else []


class EasClient:
    def __init__(self, host, port, user="alice@example.test", password="secret",
                 device_id="TESTDEV0001", device_type="iPhone", version="14.1",
                 use_base64=False, tls=False, user_agent="easgate-tests/1.0"):
        self.host, self.port = host, port
        self.user, self.password = user, password
        self.device_id, self.device_type = device_id, device_type
        self.version, self.use_base64, self.tls = version, use_base64, tls
        self.user_agent = user_agent
        self.policy_key = None

    def _connection(self):
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(self.host, self.port, context=ctx, timeout=30)
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def _auth_header(self):
        token = base64.b64encode(("%s:%s" % (self.user, self.password)).encode()).decode()
        return "Basic " + token

    def raw(self, method, target, body=b"", headers=None):
        conn = self._connection()
        try:
            conn.request(method, target, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return EasResponse(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def options(self, auth=True):
        headers = {"User-Agent": self.user_agent}
        if auth:
            headers["Authorization"] = self._auth_header()
        return self.raw("OPTIONS", "/Microsoft-Server-ActiveSync", headers=headers)

    def command(self, cmd, xml=None, body=None, headers=None, auth=True):
        h = {"User-Agent": self.user_agent, "Content-Type": "application/vnd.ms-sync.wbxml"}
        if auth:
            h["Authorization"] = self._auth_header()
        if self.use_base64:
            target = "/Microsoft-Server-ActiveSync?" + base64_query(
                self.version, cmd, self.device_id, self.device_type, self.policy_key)
        else:
            target = ("/Microsoft-Server-ActiveSync?Cmd=%s&User=%s&DeviceId=%s&DeviceType=%s"
                      % (cmd, self.user.split("@")[0], self.device_id, self.device_type))
            h["MS-ASProtocolVersion"] = self.version
            if self.policy_key is not None:
                h["X-MS-PolicyKey"] = str(self.policy_key)
        if headers:
            h.update(headers)
        if body is None:
            body = xml_to_wbxml(xml) if xml is not None else b""
        return self.raw("POST", target, body=body, headers=h)

    def folder_sync(self, sync_key):
        return self.command("FolderSync",
                            '<FolderSync xmlns="FolderHierarchy:"><SyncKey>%s</SyncKey>'
                            '</FolderSync>' % sync_key)


# --- request builders and answer readers shared by the tests ---------------------------------

def folder_id(client, display_name):
    """ServerId of a folder by DisplayName from an initial FolderSync ("Inbox": the type-2
    folder, whatever the backend calls it)."""
    r = client.folder_sync(0)
    assert r.status == 200, r.body
    for add in r.findall("Changes/Add", "FolderHierarchy"):
        if display_name == "Inbox" and add.find("{FolderHierarchy:}Type").text == "2":
            return add.find("{FolderHierarchy:}ServerId").text
        if add.find("{FolderHierarchy:}DisplayName").text == display_name:
            return add.find("{FolderHierarchy:}ServerId").text
    raise AssertionError("folder %s not in FolderSync" % display_name)


def ping_xml(heartbeat=None, folders=(), cls="Email"):
    xml = '<Ping xmlns="Ping:">'
    if heartbeat is not None:
        xml += "<HeartbeatInterval>%s</HeartbeatInterval>" % heartbeat
    if folders:
        xml += "<Folders>" + "".join(
            "<Folder><Id>%s</Id><Class>%s</Class></Folder>" % (f, cls) for f in folders
        ) + "</Folders>"
    return xml + "</Ping>"


def ping(client, heartbeat=None, folders=(), cls="Email", empty=False):
    """A Ping; empty=True sends no body (MS-ASCMD 2.2.3.88.1: the remembered parameters)."""
    if empty:
        return client.command("Ping", body=b"")
    return client.command("Ping", ping_xml(heartbeat, folders, cls))


def ping_status(r):
    assert r.status == 200, (r.status, r.body)
    return r.find("Status", "Ping")


def sync_collection(r):
    """The one Collection of a Sync answer (the answer must be HTTP 200)."""
    assert r.status == 200, (r.status, r.body)
    col = r.root.find("{AirSync:}Collections/{AirSync:}Collection")
    assert col is not None, r.xml
    return col


def settle(client, fid, sync_xml, rounds=50):
    """Syncs `fid` (requests from sync_xml(fid, key)) until nothing is left; returns the
    SyncKey the device then holds."""
    key = sync_collection(client.command("Sync", sync_xml(fid, 0))).find("{AirSync:}SyncKey").text
    for _ in range(rounds):
        col = sync_collection(client.command("Sync", sync_xml(fid, key)))
        new = col.find("{AirSync:}SyncKey").text
        if new == key and col.find("{AirSync:}MoreAvailable") is None:
            return key
        key = new
    raise AssertionError("the collection never settled")


def item_estimate(client, xml):
    """The Estimate of a one-collection GetItemEstimate request (its Status must be 1)."""
    r = client.command("GetItemEstimate", xml)
    assert r.status == 200, r.body
    assert r.find("Response/Status", "GetItemEstimate") == "1", r.xml
    return int(r.find("Response/Collection/Estimate", "GetItemEstimate"))
