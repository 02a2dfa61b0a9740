"""Issue 2 end to end: the real gateway binary against real Dovecot and Radicale.

OPTIONS, authentication, FolderSync (plain and base64 query, 14.1 and 16.1, HTTP and TLS),
incremental FolderSync after IMAP changes, SyncKey retry, bad input, limits, metrics and
--check-config.
"""
import imaplib
import os
import socket
import subprocess
import time
import uuid

import pytest

from conftest import BINARY, EAS_PORT
from easclient import EasClient, xml_to_wbxml
from mailhelpers import dav_status as dav

FH = "FolderHierarchy"


def imap():
    conn = imaplib.IMAP4("127.0.0.1", 10143, timeout=10)
    conn.login("alice", "secret")
    return conn


def folders_by_name(response):
    out = {}
    for add in response.findall("Changes/Add", FH):
        name = add.find("{FolderHierarchy:}DisplayName").text
        out[name] = {
            "server_id": add.find("{FolderHierarchy:}ServerId").text,
            "parent_id": add.find("{FolderHierarchy:}ParentId").text,
            "type": int(add.find("{FolderHierarchy:}Type").text),
        }
    return out


def test_options_requires_auth_then_lists_versions_and_commands(client_factory):
    c = client_factory()
    r = c.options(auth=False)
    assert r.status == 401
    assert r.headers["www-authenticate"].startswith("Basic")
    r = c.options()
    assert r.status == 200
    assert r.headers["ms-asprotocolversions"] == "2.5,12.0,12.1,14.0,14.1,16.0,16.1"
    assert "FolderSync" in r.headers["ms-asprotocolcommands"].split(",")


@pytest.mark.parametrize("version", ["14.1", "16.1"])
@pytest.mark.parametrize("use_base64", [False, True])
def test_initial_folder_sync_has_real_folders_with_types(client_factory, version, use_base64):
    c = client_factory(version=version, use_base64=use_base64)
    r = c.folder_sync(0)
    assert r.status == 200, r.body
    assert r.find("Status", FH) == "1"
    assert r.find("SyncKey", FH) == "1"
    f = folders_by_name(r)
    assert int(r.find("Changes/Count", FH)) == len(f)
    assert f["INBOX"]["type"] == 2
    assert f["Drafts"]["type"] == 3
    assert f["Trash"]["type"] == 4
    assert f["Sent"]["type"] == 5
    assert f["Junk"]["type"] == 12
    assert f["Calendar"]["type"] == 8
    assert f["Work"]["type"] == 13
    assert f["Contacts"]["type"] == 9
    assert f["Tasks"]["type"] == 7
    for entry in f.values():
        assert len(entry["server_id"]) <= 64


def test_nested_folders_have_parent_ids(client_factory):
    conn = imap()
    parent = "Parent-%s" % uuid.uuid4().hex[:8]
    conn.create(parent)
    conn.create(parent + "/Child")
    try:
        r = client_factory().folder_sync(0)
        f = folders_by_name(r)
        assert f[parent]["parent_id"] == "0"
        assert f["Child"]["parent_id"] == f[parent]["server_id"]
    finally:
        conn.delete(parent + "/Child")
        conn.delete(parent)
        conn.logout()


def test_incremental_folder_sync_reports_exactly_the_imap_changes(client_factory):
    conn = imap()
    tag = uuid.uuid4().hex[:8]
    old_name, new_name, created = "Ren-" + tag, "Renamed-" + tag, "New-" + tag
    conn.create(old_name)
    try:
        c = client_factory(version="16.1")
        r = c.folder_sync(0)
        before = folders_by_name(r)
        key1 = r.find("SyncKey", FH)

        # Nothing changed: same key, no changes.
        r = c.folder_sync(key1)
        assert r.find("Status", FH) == "1"
        assert r.find("Changes/Count", FH) == "0"

        conn.create(created)
        assert conn.rename(old_name, new_name)[0] == "OK"
        r = c.folder_sync(key1)
        assert r.find("Status", FH) == "1"
        key2 = r.find("SyncKey", FH)
        assert key2 != key1
        assert r.find("Changes/Count", FH) == "2"
        adds = r.findall("Changes/Add", FH)
        updates = r.findall("Changes/Update", FH)
        assert [a.find("{FolderHierarchy:}DisplayName").text for a in adds] == [created]
        assert len(updates) == 1
        assert updates[0].find("{FolderHierarchy:}DisplayName").text == new_name
        assert updates[0].find("{FolderHierarchy:}ServerId").text == before[old_name]["server_id"]
        assert not r.findall("Changes/Delete", FH)

        # The response was "lost": the same request again gets the same answer.
        again = c.folder_sync(key1)
        assert again.find("SyncKey", FH) == key2
        assert again.xml == r.xml

        # A delete is reported once.
        conn.delete(created)
        r = c.folder_sync(key2)
        deletes = r.findall("Changes/Delete", FH)
        assert len(deletes) == 1
        assert r.find("Changes/Count", FH) == "1"
    finally:
        conn.delete(new_name)
        conn.logout()


def test_folder_sync_over_tls(client_factory):
    r = client_factory(tls=True, version="14.1").folder_sync(0)
    assert r.status == 200
    assert r.find("Status", FH) == "1"


def test_folder_sync_bad_keys_and_bad_requests(client_factory):
    c = client_factory()
    assert c.folder_sync("garbage").find("Status", FH) == "9"
    assert c.folder_sync(12345).find("Status", FH) == "9"
    wrong_root = c.command("FolderSync", '<FolderCreate xmlns="FolderHierarchy:">'
                                         '<SyncKey>0</SyncKey></FolderCreate>')
    assert wrong_root.find("Status", FH) == "10"


def test_bad_credentials_get_401_and_say_nothing_more(client_factory):
    wrong_password = client_factory(password="wrong").folder_sync(0)
    unknown_user = client_factory(user="nobody@example.test").folder_sync(0)
    for r in (wrong_password, unknown_user):
        assert r.status == 401
        assert r.body == b""
    assert wrong_password.headers.get("www-authenticate") == unknown_user.headers.get(
        "www-authenticate")


def test_query_forms_and_unknown_commands(client_factory):
    c = client_factory()
    r = c.raw("POST", "/Microsoft-Server-ActiveSync?Cmd=FolderSync&DeviceType=x",
              headers={"MS-ASProtocolVersion": "14.1"})
    assert r.status == 400
    r = c.raw("POST", "/Microsoft-Server-ActiveSync?Cmd=Frobnicate&DeviceId=a&DeviceType=b",
              headers={"MS-ASProtocolVersion": "14.1"})
    assert r.status == 400
    r = c.raw("GET", "/elsewhere")
    assert r.status == 404


@pytest.mark.parametrize("body", [
    b"\x03\x01\x6a\x00\x00\x07\x56\x52\x03",              # truncated string
    b"\x03\x01\x6a\x00\x00\x63\x56",                      # code page 99
    b"\x03\x01\x6a\x00" + b"\x00\x07" + b"\x56" * 5000,   # nesting far too deep
    b"\x03\x01\x6a\x00\x00\x07\x56\xc3\xff\xff\xff\xff\x0f",  # opaque length beyond the body
    b"not wbxml at all",
])
def test_bad_wbxml_gets_400_and_the_gateway_keeps_serving(client_factory, gateway, body):
    c = client_factory()
    r = c.command("FolderSync", body=body)
    assert r.status == 400
    assert gateway.alive()
    assert c.folder_sync(0).find("Status", FH) == "1"


def test_oversized_body_gets_413(client_factory, gateway):
    c = client_factory()
    r = c.command("FolderSync", body=b"\x03\x01\x6a\x00" + b"\x00" * (2 * 1024 * 1024))
    assert r.status == 413
    assert gateway.alive()


def test_slow_client_gets_408_while_others_are_served(client_factory, gateway):
    slow = socket.create_connection(("127.0.0.1", EAS_PORT))
    slow.sendall(b"POST /Microsoft-Server-ActiveSync?Cmd=FolderSync HTTP/1.1\r\nHost: x\r\n")
    # While the slow client dawdles, another is served normally.
    assert client_factory().folder_sync(0).find("Status", FH) == "1"
    slow.settimeout(10)
    start = time.time()
    data = b""
    while True:
        chunk = slow.recv(4096)
        if not chunk:
            break
        data += chunk
    assert data.startswith(b"HTTP/1.1 408")
    assert time.time() - start < 8
    slow.close()
    assert gateway.alive()


def test_metrics_move(client_factory, gateway):
    def value(text, prefix):
        total = 0.0
        for line in text.splitlines():
            if line.startswith(prefix):
                total += float(line.rsplit(" ", 1)[1])
        return total

    before = gateway.metrics()
    c = client_factory()
    c.folder_sync(0)
    client_factory(password="nope").folder_sync(0)
    after = gateway.metrics()
    assert value(after, 'easgate_requests_total{command="FolderSync"') > value(
        before, 'easgate_requests_total{command="FolderSync"')
    assert value(after, "easgate_auth_failures_total") > value(before, "easgate_auth_failures_total")
    assert "easgate_request_duration_seconds_bucket" in after
    assert "easgate_backend_calls_total" in after
    assert value(after, "easgate_connections_open{listener=\"admin\"}") >= 1


def test_request_log_has_one_line_per_request_without_passwords(client_factory, gateway):
    c = client_factory(device_id="LOGCHECK01")
    c.folder_sync(0)
    time.sleep(0.2)
    log = gateway.log()
    lines = [l for l in log.splitlines() if "component=request" in l and "LOGCHECK01" in l]
    assert lines, log[-2000:]
    line = lines[-1]
    for key in ("user=alice@example.test", "device_type=", "cmd=FolderSync", "protocol=",
                "http_status=200", "eas_status=1", "duration_ms=", "bytes_in=", "bytes_out="):
        assert key in line
    assert "secret" not in log


def test_check_config_rejects_a_broken_config_precisely(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("server:\n  listeners:\n    - name: x\n      address: 127.0.0.1\n"
                   "      port: 70000\n      role: eas\nbackends:\n  imap:\n    host: h\n"
                   "  smtp:\n    host: h\nstore:\n  path: /tmp/x.sqlite\n  drvier: sqlite\n")
    p = subprocess.run([BINARY, "--check-config", str(bad)], capture_output=True, text=True)
    assert p.returncode != 0
    out = p.stdout + p.stderr
    assert "bad.yaml:5:" in out and "port" in out
    assert "bad.yaml:14:" in out and "drvier" in out
    good = subprocess.run([BINARY, "--check-config",
                           os.path.join(os.path.dirname(BINARY), "..", "deploy", "dev",
                                        "easgate.yaml")], capture_output=True, text=True)
    assert good.returncode == 0, good.stdout + good.stderr


def test_incremental_folder_sync_reports_dav_collection_changes(client_factory):
    path = "/alice/it-%s/" % uuid.uuid4().hex[:8]
    c = client_factory(version="14.1")
    key1 = c.folder_sync(0).find("SyncKey", FH)
    mkcal = ('<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" '
             'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
             '<D:displayname>Trips</D:displayname><C:supported-calendar-component-set>'
             '<C:comp name="VEVENT"/></C:supported-calendar-component-set></D:prop></D:set>'
             '</C:mkcalendar>')
    assert dav("MKCALENDAR", path, mkcal, {"Content-Type": "application/xml"}) in (200, 201)
    try:
        r = c.folder_sync(key1)
        adds = r.findall("Changes/Add", FH)
        assert [(a.find("{FolderHierarchy:}DisplayName").text,
                 a.find("{FolderHierarchy:}Type").text) for a in adds] == [("Trips", "13")]
        key2 = r.find("SyncKey", FH)
        proppatch = ('<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
                     '<D:displayname>Holidays</D:displayname></D:prop></D:set>'
                     '</D:propertyupdate>')
        assert dav("PROPPATCH", path, proppatch, {"Content-Type": "application/xml"}) == 207
        r = c.folder_sync(key2)
        updates = r.findall("Changes/Update", FH)
        assert [u.find("{FolderHierarchy:}DisplayName").text for u in updates] == ["Holidays"]
        assert updates[0].find("{FolderHierarchy:}ServerId").text == \
            adds[0].find("{FolderHierarchy:}ServerId").text
        key3 = r.find("SyncKey", FH)
    finally:
        assert dav("DELETE", path) in (200, 204)
    r = c.folder_sync(key3)
    assert len(r.findall("Changes/Delete", FH)) == 1


def test_oversized_headers_get_431_and_slow_bodies_get_408(gateway):
    big = socket.create_connection(("127.0.0.1", EAS_PORT))
    big.sendall(b"OPTIONS /Microsoft-Server-ActiveSync HTTP/1.1\r\nHost: x\r\nX-Pad: " +
                b"a" * 20000 + b"\r\n\r\n")
    big.settimeout(10)
    assert big.recv(4096).startswith(b"HTTP/1.1 431")
    big.close()

    slow = socket.create_connection(("127.0.0.1", EAS_PORT))
    slow.sendall(b"POST /Microsoft-Server-ActiveSync?Cmd=FolderSync&DeviceId=a&DeviceType=b "
                 b"HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    slow.settimeout(10)
    assert slow.recv(4096).startswith(b"HTTP/1.1 408")
    slow.close()
    assert gateway.alive()
