"""Issue 3 (governance, protocol side) end to end: the real gateway binary against the
real dev stack. Provisioning in two phases (12.1, 14.1, 16.1, and 2.5 WAP), re-provisioning
after a policy change, a Block rule that refuses before any IMAP login, quarantine (only the
Inbox and the notice, then an admin approval), remote wipe (full and 16.1 account-only),
AllowNonProvisionableDevices for a 2.5 device; and everything an admin does through
build/easgate-admin (found through the gateway's own config, as an operator would):
approvals, wipes and clear-wipe, per-user disable, the device limit, rules added and tested
through the API taking effect with no restart, policy assignments forcing re-provisioning,
and the CSV device report.
"""
import csv
import imaplib
import io
import json
import os
import sqlite3
import subprocess
import tempfile
import time
import uuid

import pytest

from conftest import BINARY, Gateway
from easclient import EasClient

CLI = os.path.join(os.path.dirname(BINARY), "easgate-admin")

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


def admin(gw, *args):
    """easgate-admin --config <the gateway's YAML> ARGS: (exit code, stdout, stderr)."""
    p = subprocess.run([CLI, "--config", gw.config_path] + list(args), capture_output=True,
                       text=True, timeout=60, env=dict(os.environ, USER="gov-it"))
    return p.returncode, p.stdout, p.stderr


def admin_ok(gw, *args):
    code, out, err = admin(gw, *args)
    assert code == 0, "easgate-admin %s: %s" % (" ".join(args), err)
    return out


def admin_json(gw, *args):
    return json.loads(admin_ok(gw, *(list(args) + ["--format", "json"])))


def device_row(gov, c):
    """The device as `devices show` reports it; None when the gateway never recorded it."""
    code, out, err = admin(gov["gw"], "devices", "show", c.user + "/" + c.device_id,
                           "--format", "json")
    if code == 1 and "not found" in err:
        return None
    assert code == 0, err
    return json.loads(out)


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
    assert device_row(gov, c)["quarantine_notified_at"].endswith("Z")  # claimed once
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
    out = admin_ok(gov["gw"], "devices", "approve", c.user, c.device_id, "--reason", "known phone")
    assert out.strip().endswith("quarantined -> allowed")
    r = c.folder_sync(0)
    names = [a.find("{FolderHierarchy:}DisplayName").text for a in r.findall("Changes/Add", FH)]
    assert r.find("Status", FH) == "1" and len(names) > 1


def wipe_device(gov, c, kind):
    args = ["devices", "wipe", c.user, c.device_id]
    if kind == "account_only":
        args.append("--account-only")
    return admin(gov["gw"], *args)


def test_remote_wipe_delivered_acknowledged_recorded(gov):
    c = provisioned(gov, version="14.1")
    assert wipe_device(gov, c, "full")[0] == 0
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
    wipe = row["wipe"]
    assert wipe["requested_by"] == "admin-api/gov-it"
    assert wipe["requested_at"] <= wipe["sent_at"] <= wipe["acknowledged_at"]
    assert c.folder_sync(0).find("Status", FH) == "129"  # blocked until an admin clears it
    # 'allow' does not let a wiped device back; clear-wipe does, and it provisions again.
    code, _, err = admin(gov["gw"], "devices", "allow", c.user, c.device_id)
    assert code == 1 and err.count("\n") == 1 and "clear-wipe" in err
    assert "wipe cleared" in admin_ok(gov["gw"], "devices", "clear-wipe", c.user, c.device_id)
    assert c.folder_sync(0).find("Status", FH) in ("142", "144")
    _, phase2 = provision(c)
    c.policy_key = int(phase2.find("Policies/Policy/PolicyKey", PV))
    assert c.folder_sync(0).find("Status", FH) == "1"
    audit = admin_ok(gov["gw"], "audit", "--format", "csv")
    assert "device.wipe" in audit and "device.clear_wipe" in audit
    c12 = provisioned(gov, version="12.1")
    assert wipe_device(gov, c12, "full")[0] == 0
    assert c12.folder_sync(0).status == 449


def test_account_only_wipe_on_16_1_only(gov):
    c = provisioned(gov, version="16.1")
    assert wipe_device(gov, c, "account_only")[0] == 0
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
    # The admin API refuses an account-only wipe for a device it knows speaks 14.1 ...
    old = provisioned(gov, version="14.1")
    code, _, err = wipe_device(gov, old, "account_only")
    assert code == 1 and "needs EAS 16.1" in err
    # ... and a 16.1 device that comes back speaking 14.1 is refused, never escalated to a
    # full wipe it would understand.
    back = provisioned(gov, version="16.1")
    assert wipe_device(gov, back, "account_only")[0] == 0
    back.version = "14.1"
    assert back.folder_sync(0).find("Status", FH) == "129"
    assert device_row(gov, back)["wipe_state"] == "requested"


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


def test_user_disabled_through_the_cli_gets_126_or_403(gov):
    c14 = provisioned(gov, version="14.1")
    c12 = provisioned(gov, version="12.1")
    assert c14.folder_sync(0).find("Status", FH) == "1"
    gw = gov["gw"]
    out = admin_ok(gw, "users", "disable", "alice@example.test", "--reason", "left the company")
    assert "ActiveSync disabled" in out
    try:
        assert c14.folder_sync(0).find("Status", FH) == "126"  # MS-ASCMD 2.2.2
        assert c12.folder_sync(0).status == 403
        assert admin_json(gw, "users", "show", "alice@example.test")["eas_enabled"] is False
    finally:
        admin_ok(gw, "users", "enable", "alice@example.test")
    assert c14.folder_sync(0).find("Status", FH) == "1"
    assert c12.folder_sync(0).status == 200
    audit = admin_ok(gw, "audit", "--since", "1h", "--format", "csv")
    assert "user.disable" in audit and "user.enable" in audit


def test_max_devices_per_user_gives_177_or_403():
    state = tempfile.mkdtemp(prefix="easgate-gov-limit-")
    gw = Gateway(state, extra_yaml="governance:\n  max_devices_per_user: 2\n",
                 port_offset=PORT_OFFSET + 1)
    try:
        def dev(version):
            return EasClient("127.0.0.1", gw.eas_port, version=version,
                             device_id="LIM" + uuid.uuid4().hex[:10].upper())
        first, second = dev("14.1"), dev("14.1")
        assert first.folder_sync(0).find("Status", FH) == "1"
        assert second.folder_sync(0).find("Status", FH) == "1"
        third = dev("14.1")
        assert third.folder_sync(0).find("Status", FH) == "177"  # MS-ASCMD 2.2.2
        third.version = "12.1"
        assert third.folder_sync(0).status == 403
        # Known devices keep working; the refused one left no record.
        assert first.folder_sync(0).find("Status", FH) == "1"
        listed = admin_json(gw, "devices", "list", "--user", "alice@example.test")
        assert sorted(d["device_id"] for d in listed) == sorted([first.device_id,
                                                                second.device_id])
        # Removing a device frees its slot.
        admin_ok(gw, "devices", "remove", first.user, first.device_id)
        third.version = "14.1"
        assert third.folder_sync(0).find("Status", FH) == "1"
    finally:
        gw.stop()


def test_api_block_rule_applies_on_the_next_request_without_restart(gov):
    gw = gov["gw"]
    dtype = "ApiRule" + uuid.uuid4().hex[:8]
    name = "block-" + dtype.lower()
    c = provisioned(gov, version="14.1", device_type=dtype)
    assert c.folder_sync(0).find("Status", FH) == "1"
    pid = gw.proc.pid
    out = admin_ok(gw, "rules", "add", name, "--action", "block", "--match", "device_type=" + dtype)
    assert "after the YAML rules" in out
    try:
        assert c.folder_sync(0).find("Status", FH) == "129"
        assert "reason=rule:" + name in gw.log()
        # Before authentication too: a wrong password is never tried against IMAP.
        c.password = "wrong-" + uuid.uuid4().hex
        assert c.folder_sync(0).find("Status", FH) == "129"
        c.password = "secret"
        rules = admin_json(gw, "rules", "list")
        names = [r["name"] for r in rules]
        mine = [r for r in rules if r["name"] == name][0]
        # One evaluation order: the YAML rules, then the API rules, then the default.
        assert mine["source"] == "api" and mine["added_by"].startswith("admin-api/gov-it")
        assert names.index("quarantine-new") < names.index(name) < names.index("(default)")
        assert mine["position"] == names.index(name) + 1
        # Bad input: one precise line, exit 1, nothing stored.
        code, _, err = admin(gw, "rules", "add", name.upper(), "--action", "block",
                             "--match", "device_type=x")
        assert code == 1 and err.count("\n") == 1 and "already exists (API)" in err
        code, _, err = admin(gw, "rules", "add", "x", "--action", "deny", "--match", "user=x")
        assert code == 1 and "\"action\" must be one of allow, block, quarantine" in err
        code, _, err = admin(gw, "rules", "remove", "block-blockphones")
        assert code == 1 and "comes from the YAML configuration" in err
    finally:
        admin_ok(gw, "rules", "remove", name)
    assert c.folder_sync(0).find("Status", FH) == "1"
    assert gw.proc.pid == pid and gw.alive()  # no restart happened
    metrics = gw.metrics()
    assert 'easgate_admin_actions_total{action="rule.add",result="ok"}' in metrics
    assert 'easgate_admin_actions_total{action="rule.remove",result="ok"}' in metrics
    assert "rule.add" in admin_ok(gw, "audit", "--since", "1h", "--format", "csv")
    assert "action=rule.add" in gw.log()


def test_api_rules_persist_across_a_restart(gov):
    gw = gov["gw"]
    dtype = "Persist" + uuid.uuid4().hex[:8]
    name = "q-" + dtype.lower()
    admin_ok(gw, "rules", "add", name, "--action", "quarantine", "--match",
             "device_type=" + dtype, "--position", "1")
    try:
        gw.stop()
        gov["gw"] = gw = start(gw.state_dir)
        assert name in [r["name"] for r in admin_json(gw, "rules", "list")]
        c = provisioned(gov, version="14.1", device_type=dtype)
        c.folder_sync(0)
        assert device_row(gov, c)["access_state"] == "quarantined"
    finally:
        admin_ok(gw, "rules", "remove", name)


def test_rules_test_names_the_devices_a_rule_would_change(gov):
    gw = gov["gw"]
    dtype = "DryRun" + uuid.uuid4().hex[:8]
    phones = [provisioned(gov, version="14.1", device_type=dtype) for _ in range(2)]
    for p in phones:
        assert p.folder_sync(0).find("Status", FH) == "1"
    other = provisioned(gov, version="14.1")
    assert other.folder_sync(0).find("Status", FH) == "1"
    out = admin_ok(gw, "rules", "test", "dry-" + dtype, "--action", "block",
                   "--match", "device_type=" + dtype, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["device_id"] for r in rows) == sorted(p.device_id for p in phones)
    assert all(r["from"] == "allow" and r["to"] == "block" for r in rows)
    # A dry run stores nothing and changes no device.
    assert "dry-" + dtype not in admin_ok(gw, "rules", "list")
    assert phones[0].folder_sync(0).find("Status", FH) == "1"
    # A rule the YAML already decides changes nothing: BlockedX devices are blocked already.
    out = admin_ok(gw, "rules", "test", "allow-any", "--action", "block",
                   "--match", "device_type~=Blocked*", "--format", "csv")
    assert list(csv.DictReader(io.StringIO(out))) == []


def test_policy_assigned_through_the_api_forces_reprovisioning(gov):
    gw = gov["gw"]
    bob = "bob@example.test"  # YAML: group legacy-strict -> policy "strict"
    devices = {v: provisioned(gov, version=v, user=bob) for v in ("12.1", "14.1")}
    for c in devices.values():
        assert c.folder_sync(0).status == 200
        assert device_row(gov, c)["policy_name"] == "strict"
    old_keys = {v: c.policy_key for v, c in devices.items()}
    out = admin_ok(gw, "policies", "assign", "standard", bob)
    assert "effective policy now standard" in out
    try:
        assert devices["12.1"].folder_sync(0).status == 449
        assert devices["14.1"].folder_sync(0).find("Status", FH) == "144"  # stale key
        devices["14.1"].policy_key = None
        assert devices["14.1"].folder_sync(0).find("Status", FH) == "142"  # no key
        for v, c in devices.items():
            _, phase2 = provision(c)
            c.policy_key = int(phase2.find("Policies/Policy/PolicyKey", PV))
            assert c.policy_key != old_keys[v]
            assert c.folder_sync(0).status == 200
            assert device_row(gov, c)["policy_name"] == "standard"
        shown = admin_json(gw, "policies", "show", "standard")
        assert "bob@example.test (api)" in shown["assigned_users"]
        code, _, err = admin(gw, "policies", "assign", "nope", bob)
        assert code == 1 and err.count("\n") == 1 and "policy \"nope\" not found" in err
    finally:
        admin_ok(gw, "policies", "unassign", "standard", bob)
    # Back to the YAML's group assignment: provision again.
    assert devices["14.1"].folder_sync(0).find("Status", FH) == "144"
    assert "policy.assign" in admin_ok(gw, "audit", "--since", "1h", "--format", "csv")


def test_personal_exemption_blocks_a_device_not_seen_yet(gov):
    gw = gov["gw"]
    c = client(gov, version="14.1")
    admin_ok(gw, "exemptions", "block", c.user, c.device_id, "--reason", "reported stolen")
    try:
        assert c.folder_sync(0).find("Status", FH) == "129"
        listed = admin_json(gw, "exemptions", "list", "--user", c.user)
        assert [e["kind"] for e in listed if e["device_id"] == c.device_id] == ["block"]
    finally:
        admin_ok(gw, "exemptions", "remove", c.user, c.device_id)
    assert c.folder_sync(0).find("Status", FH) == "142"  # let in; now it must provision


def test_reports_devices_csv_lists_every_device_with_its_state(gov):
    gw = gov["gw"]
    blocked = provisioned(gov, version="14.1")
    blocked.folder_sync(0)
    admin_ok(gw, "devices", "block", blocked.user, blocked.device_id)
    quarantined = provisioned(gov, version="14.1", device_type="QuarPhone")
    quarantined.folder_sync(0)
    out = admin_ok(gw, "reports", "devices", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    by_id = {(r["user"], r["device_id"]): r for r in rows}
    # Every device the gateway recorded is in the report (read-only look at the store).
    conn = sqlite3.connect("file:%s?mode=ro" % os.path.join(gw.state_dir, "easgate.sqlite"),
                           uri=True, timeout=10)
    try:
        stored = conn.execute("SELECT user_id, device_id, access_state FROM devices").fetchall()
    finally:
        conn.close()
    assert len(rows) == len(stored)
    for user, device_id, state in stored:
        assert by_id[(user, device_id)]["access_state"] == state
    assert by_id[(blocked.user, blocked.device_id)]["access_state"] == "blocked"
    q = by_id[(quarantined.user, quarantined.device_id)]
    assert q["access_state"] == "quarantined" and q["access_reason"] == "rule:quarantine-new"
    assert all(r["wipe_state"] and r["policy_status"] and r["last_seen"].endswith("Z")
               for r in rows)
