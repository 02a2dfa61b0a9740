"""Issue 3 (governance, protocol side) end to end: the real gateway binary against the
real dev stack. Provisioning in two phases (12.1, 14.1, 16.1, and 2.5 WAP), re-provisioning
after a policy change, a Block rule that refuses before any IMAP login, quarantine (only the
Inbox and the notice, then an admin approval), remote wipe (full and 16.1 account-only),
AllowNonProvisionableDevices for a 2.5 device.

Store writes an admin would make (approve, wipe) go straight to the gateway's SQLite file
until the admin API lands; they use the same columns the store methods write.
"""
import imaplib
import os
import sqlite3
import tempfile
import time
import uuid

import pytest

from conftest import Gateway
from easclient import EasClient

PV = "Provision"
FH = "FolderHierarchy"
AS = "AirSync"

POLICY_YAML = """
governance:
  admin_email: bob@example.test
  notice_from: easgate@example.test
  groups:
    legacy-strict: [bob@example.test]
  policies:
    default: standard
    definitions:
      - name: standard
        device_password_enabled: true
        min_device_password_length: {min_len}
        allow_camera: false
      - name: strict
        device_password_enabled: true
        allow_camera: false
        allow_non_provisionable_devices: false
    assign_groups:
      - {{group: legacy-strict, policy: strict}}
  device_access:
    default: allow
    rules:
      - name: block-blockphones
        action: block
        match: {{device_type: {{glob: "Blocked*"}}}}
      - name: quarantine-new
        action: quarantine
        match: {{device_type: {{exact: QuarPhone}}}}
"""

PORT_OFFSET = 1  # beside the session gateway of the other integration tests


def start(state, min_len=4):
    return Gateway(state, extra_yaml=POLICY_YAML.format(min_len=min_len),
                   port_offset=PORT_OFFSET)


@pytest.fixture(scope="module")
def gov():
    state = tempfile.mkdtemp(prefix="easgate-gov-")
    holder = {"gw": start(state)}
    yield holder
    holder["gw"].stop()


def client(gov, **kw):
    kw.setdefault("device_id", "GV" + uuid.uuid4().hex[:12].upper())
    return EasClient("127.0.0.1", gov["gw"].eas_port, **kw)


def db(gov):
    conn = sqlite3.connect(os.path.join(gov["gw"].state_dir, "easgate.sqlite"), timeout=10)
    conn.row_factory = sqlite3.Row
    return conn


def device_row(gov, c):
    with db(gov) as conn:
        return conn.execute("SELECT * FROM devices WHERE user_id = ? AND device_id = ?",
                            (c.user, c.device_id)).fetchone()


def provision(c, ack_status=1):
    phase1 = c.command(PV, '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>'
                           'MS-EAS-Provisioning-WBXML</PolicyType></Policy></Policies>'
                           '</Provision>')
    assert phase1.status == 200, phase1.body
    assert phase1.find("Status", PV) == "1"
    assert phase1.find("Policies/Policy/Status", PV) == "1"
    temp = int(phase1.find("Policies/Policy/PolicyKey", PV))
    phase2 = c.command(PV, '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>'
                           'MS-EAS-Provisioning-WBXML</PolicyType><PolicyKey>%d</PolicyKey>'
                           '<Status>%d</Status></Policy></Policies></Provision>'
                       % (temp, ack_status))
    return phase1, phase2


def provisioned(gov, **kw):
    c = client(gov, **kw)
    _, phase2 = provision(c)
    c.policy_key = int(phase2.find("Policies/Policy/PolicyKey", PV))
    return c


def test_new_device_provisions_in_two_phases_then_folder_syncs(gov):
    c = client(gov, version="14.1")
    r = c.folder_sync(0)
    assert r.status == 200 and r.find("Status", FH) == "142"  # MS-ASCMD 2.2.2
    phase1, phase2 = provision(c)
    assert phase1.find("Policies/Policy/Data/EASProvisionDoc/DevicePasswordEnabled", PV) == "1"
    assert phase1.find("Policies/Policy/Data/EASProvisionDoc/MinDevicePasswordLength", PV) == "4"
    assert phase1.find("Policies/Policy/Data/EASProvisionDoc/AllowCamera", PV) == "0"
    temp = int(phase1.find("Policies/Policy/PolicyKey", PV))
    final = int(phase2.find("Policies/Policy/PolicyKey", PV))
    assert phase2.find("Policies/Policy/Status", PV) == "1"
    assert final not in (0, temp)
    c.policy_key = temp  # the temporary key is not good past the acknowledgement
    assert c.folder_sync(0).find("Status", FH) == "144"
    c.policy_key = final
    r = c.folder_sync(0)
    assert r.find("Status", FH) == "1" and r.findall("Changes/Add", FH)
    row = device_row(gov, c)
    assert row["policy_status"] == "acknowledged" and row["policy_name"] == "standard"


def test_12_1_device_gets_449_until_provisioned(gov):
    c = client(gov, version="12.1")
    assert c.folder_sync(0).status == 449
    c = provisioned(gov, version="12.1")
    assert c.folder_sync(0).status == 200


def test_policy_change_forces_reprovisioning(gov):
    devices = {v: provisioned(gov, version=v) for v in ("12.1", "14.1", "16.1")}
    for c in devices.values():
        assert c.folder_sync(0).status == 200
    gw = gov["gw"]
    gw.stop()
    gov["gw"] = start(gw.state_dir, min_len=6)  # same store, changed policy content
    assert devices["12.1"].folder_sync(0).status == 449
    assert devices["14.1"].folder_sync(0).find("Status", FH) == "144"
    assert devices["16.1"].folder_sync(0).find("Status", FH) == "144"
    for c in devices.values():
        _, phase2 = provision(c)
        c.policy_key = int(phase2.find("Policies/Policy/PolicyKey", PV))
        assert c.folder_sync(0).status == 200


def test_block_rule_refuses_before_any_backend_login(gov):
    # A wrong password proves no login was tried: a login would answer 401.
    c = client(gov, version="14.1", device_type="BlockedPhone", password="wrong-" + uuid.uuid4().hex)
    r = c.folder_sync(0)
    assert r.status == 200 and r.find("Status", FH) == "129"
    c.version = "12.1"
    assert c.folder_sync(0).status == 403
    assert device_row(gov, c) is None  # nothing recorded for an unauthenticated claim
    assert 'easgate_access_decisions_total{reason="rule",state="block"}' in gov["gw"].metrics()


def test_quarantine_shows_notice_until_approved(gov):
    c = provisioned(gov, version="14.1", device_type="QuarPhone")
    r = c.folder_sync(0)
    adds = r.findall("Changes/Add", FH)
    assert r.find("Status", FH) == "1" and len(adds) == 1
    inbox = adds[0].find("{FolderHierarchy:}ServerId").text
    assert adds[0].find("{FolderHierarchy:}DisplayName").text == "Inbox"
    sync = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey>'
            '<CollectionId>%s</CollectionId></Collection></Collections></Sync>')
    r = c.command("Sync", sync % ("0", inbox))
    assert r.find("Collections/Collection/SyncKey", AS) == "1"
    r = c.command("Sync", sync % ("1", inbox))
    assert len(r.findall("Collections/Collection/Commands/Add", AS)) == 1
    assert "quarantined" in r.xml
    assert device_row(gov, c)["access_state"] == "quarantined"
    assert device_row(gov, c)["quarantine_notified_at"] > 0  # claimed once
    # The notice mail reaches the admin address (bob) through SMTP submission.
    deadline = time.time() + 20
    found = []
    while not found and time.time() < deadline:
        conn = imaplib.IMAP4("127.0.0.1", 10143, timeout=10)
        conn.login("bob", "secret")
        conn.select("INBOX", readonly=True)
        _, data = conn.search(None, "BODY", c.device_id)
        found = data[0].split()
        conn.logout()
        if not found:
            time.sleep(0.5)
    assert found, "quarantine notice not delivered to the admin address"
    # Admin approval (store set_device_access: state + admin source).
    with db(gov) as conn:
        conn.execute("UPDATE devices SET access_state = 'allowed', access_source = 'admin' "
                     "WHERE user_id = ? AND device_id = ?", (c.user, c.device_id))
    r = c.folder_sync(0)
    names = [a.find("{FolderHierarchy:}DisplayName").text for a in r.findall("Changes/Add", FH)]
    assert r.find("Status", FH) == "1" and len(names) > 1


def wipe_device(gov, c, kind):
    with db(gov) as conn:
        conn.execute("UPDATE devices SET wipe_state = 'requested', wipe_kind = ?, "
                     "wipe_requested_at = ?, wipe_requested_by = 'test' "
                     "WHERE user_id = ? AND device_id = ?",
                     (kind, int(time.time() * 1000), c.user, c.device_id))


def test_remote_wipe_delivered_acknowledged_recorded(gov):
    c = provisioned(gov, version="14.1")
    wipe_device(gov, c, "full")
    assert c.folder_sync(0).find("Status", FH) == "140"
    r = c.command(PV, '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>'
                      'MS-EAS-Provisioning-WBXML</PolicyType></Policy></Policies></Provision>')
    assert r.root.find("{Provision:}RemoteWipe") is not None
    assert device_row(gov, c)["wipe_state"] == "sent"
    r = c.command(PV, '<Provision xmlns="Provision:"><RemoteWipe><Status>1</Status>'
                      '</RemoteWipe></Provision>')
    assert r.find("Status", PV) == "1"
    row = device_row(gov, c)
    assert row["wipe_state"] == "acknowledged"
    assert row["wipe_sent_at"] > 0 and row["wipe_acknowledged_at"] >= row["wipe_sent_at"]
    assert c.folder_sync(0).find("Status", FH) == "129"  # blocked until an admin clears it
    c12 = provisioned(gov, version="12.1")
    wipe_device(gov, c12, "full")
    assert c12.folder_sync(0).status == 449


def test_account_only_wipe_on_16_1_only(gov):
    c = provisioned(gov, version="16.1")
    wipe_device(gov, c, "account_only")
    assert c.folder_sync(0).find("Status", FH) == "140"
    r = c.command(PV, '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>'
                      'MS-EAS-Provisioning-WBXML</PolicyType></Policy></Policies></Provision>')
    # libwbxml's tables predate 16.1, so look at the bytes: Status 1, then the empty
    # AccountOnlyRemoteWipe tag (Provision page token 0x3B), no RemoteWipe (0x0C).
    assert r.body.endswith(b"\x4b\x03" + b"1\x00\x01" + b"\x3b\x01"), r.body
    ack = (b"\x03\x01\x6a\x00" + b"\x00\x0e" + b"\x45" + b"\x7b" + b"\x4b\x031\x00\x01"
           + b"\x01\x01")
    r = c.command(PV, body=ack)
    assert r.status == 200
    assert device_row(gov, c)["wipe_state"] == "acknowledged"
    old = provisioned(gov, version="14.1")
    wipe_device(gov, old, "account_only")  # never escalated to a full wipe
    assert old.folder_sync(0).find("Status", FH) == "129"


def wap_provision(c):
    return c.command(PV, '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>'
                         'MS-WAP-Provisioning-XML</PolicyType></Policy></Policies></Provision>')


def test_legacy_2_5_device_per_allow_non_provisionable(gov):
    # alice: "standard" (AllowCamera off, which the WAP form cannot carry) admits it.
    c = client(gov, version="2.5", device_type="WP7")
    r = wap_provision(c)
    assert r.status == 200 and "wap-provisioningdoc" in r.xml
    temp = r.find("Policies/Policy/PolicyKey", PV)
    r = c.command(PV, '<Provision xmlns="Provision:"><Policies><Policy><PolicyType>'
                      'MS-WAP-Provisioning-XML</PolicyType><PolicyKey>%s</PolicyKey>'
                      '<Status>1</Status></Policy></Policies></Provision>' % temp)
    assert r.find("Policies/Policy/Status", PV) == "1"
    assert device_row(gov, c)["policy_status"] == "partial"
    # bob: "strict" refuses devices that cannot apply it.
    b = client(gov, version="2.5", device_type="WP7", user="bob@example.test")
    assert wap_provision(b).status == 403


def test_settings_device_information_and_user_information(gov):
    c = provisioned(gov, version="14.1")
    r = c.command("Settings", '<Settings xmlns="Settings:"><DeviceInformation><Set>'
                              '<Model>Lumia 920</Model><OS>Windows Phone 8</OS>'
                              '<FriendlyName>Test phone</FriendlyName></Set>'
                              '</DeviceInformation><UserInformation><Get/></UserInformation>'
                              '<Oof><Get><BodyType>Text</BodyType></Get></Oof></Settings>')
    assert r.find("Status", "Settings") == "1"
    assert r.find("DeviceInformation/Status", "Settings") == "1"
    assert "alice@example.test" in r.xml
    row = device_row(gov, c)
    assert row["model"] == "Lumia 920" and row["friendly_name"] == "Test phone"
