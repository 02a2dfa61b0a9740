"""Issue 3 item 7 end to end: the admin API and build/easgate-admin against the real gateway
binary, whose devices come from real FolderSyncs against the real dev Dovecot.

Each test uses its own device ids, so the session's shared store (other test files run in
the same gateway) never confuses them.
"""
import csv
import io
import json
import os
import sqlite3
import subprocess
import urllib.error
import urllib.request
import uuid

import pytest

from conftest import ADMIN_PORT, BINARY

CLI = os.path.join(os.path.dirname(BINARY), "easgate-admin")
URL = "http://127.0.0.1:%d" % ADMIN_PORT
TOKEN = "test-admin-token"


def admin(*args, config=None, token=TOKEN):
    """Runs easgate-admin; returns (exit code, stdout, stderr)."""
    cmd = [CLI]
    if config:
        cmd += ["--config", config]
    else:
        cmd += ["--url", URL, "--token", token]
    env = dict(os.environ, USER="it-operator")
    env.pop("EASGATE_ADMIN_TOKEN", None)
    p = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=60, env=env)
    return p.returncode, p.stdout, p.stderr


def admin_json(*args):
    code, out, err = admin(*args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def new_device(client_factory, **kw):
    device_id = "ADM" + uuid.uuid4().hex[:12].upper()
    c = client_factory(device_id=device_id, **kw)
    r = c.folder_sync(0)
    assert r.status == 200, r.body
    return c, device_id


def store_row(gateway, user, device_id):
    db = sqlite3.connect(os.path.join(gateway.state_dir, "easgate.sqlite"), timeout=10)
    try:
        return db.execute("SELECT access_state, wipe_state, wipe_kind FROM devices "
                          "WHERE user_id=? AND device_id=?", (user, device_id)).fetchone()
    finally:
        db.close()


def test_cli_binary_is_built():
    assert os.access(CLI, os.X_OK), "build the easgate-admin target (%s)" % CLI


def test_synced_device_shows_in_list_show_and_csv_report(gateway, client_factory):
    _, dev = new_device(client_factory, device_type="iPhone", version="16.1")
    code, out, err = admin("devices", "list")
    assert code == 0, err
    line = [l for l in out.splitlines() if dev in l]
    assert len(line) == 1 and "alice@example.test" in line[0] and "iPhone" in line[0]
    assert out.splitlines()[0].startswith("USER")

    code, out, err = admin("reports", "devices", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    mine = [r for r in rows if r["device_id"] == dev]
    assert len(mine) == 1
    assert mine[0]["user"] == "alice@example.test"
    assert mine[0]["access_state"] in ("pending", "allowed", "quarantined", "blocked")
    assert mine[0]["protocol_version"] == "16.1"
    assert mine[0]["last_seen"].endswith("Z")
    # Every device in the store is in the report, each with a state.
    assert all(r["access_state"] for r in rows)

    shown = admin_json("devices", "show", "alice@example.test/" + dev)
    assert shown["device_id"] == dev
    assert shown["command_counts"].get("FolderSync", 0) >= 1
    assert "recovery_password" not in shown


def test_block_approve_wipe_change_the_store_and_are_audited(gateway, client_factory):
    _, dev = new_device(client_factory, version="16.1")
    target = "alice@example.test/" + dev

    code, out, err = admin("devices", "block", "alice@example.test", dev, "--reason", "lost")
    assert code == 0, err
    assert out.strip().endswith("-> blocked")
    assert store_row(gateway, "alice@example.test", dev)[0] == "blocked"

    code, out, err = admin("devices", "approve", target)
    assert code == 1
    assert err.count("\n") == 1 and "use 'allow' to lift a block" in err

    assert admin("devices", "quarantine", target)[0] == 0
    code, out, err = admin("devices", "approve", target)
    assert code == 0, err
    assert store_row(gateway, "alice@example.test", dev)[0] == "allowed"

    code, out, err = admin("devices", "wipe", target, "--account-only")
    assert code == 0, err
    assert store_row(gateway, "alice@example.test", dev)[1:] == ("requested", "account_only")
    wipes = list(csv.DictReader(io.StringIO(admin("reports", "wipes", "--format", "csv")[1])))
    assert [w for w in wipes if w["device_id"] == dev][0]["requested_by"] == \
        "admin-api/it-operator"

    code, out, err = admin("devices", "remove", target)
    assert code == 1 and "cancel-wipe first" in err
    assert admin("devices", "cancel-wipe", target)[0] == 0
    assert store_row(gateway, "alice@example.test", dev)[1] == "none"

    entries = [e for e in admin_json("audit", "--since", "1h") if e["target"] == target]
    assert [e["action"] for e in entries] == [
        "device.block", "device.quarantine", "device.approve", "device.wipe_account",
        "device.cancel_wipe"]
    assert all(e["actor"] == "admin-api/it-operator" for e in entries)
    assert json.loads(entries[0]["details"])["reason"] == "lost"

    assert admin("devices", "remove", target)[0] == 0
    assert store_row(gateway, "alice@example.test", dev) is None

    metrics = gateway.metrics()
    assert 'easgate_admin_actions_total{action="device.block",result="ok"}' in metrics
    assert 'easgate_admin_actions_total{action="device.approve",result="conflict"}' in metrics


def test_unknown_device_is_one_error_line_and_exit_1(gateway):
    code, out, err = admin("devices", "block", "alice@example.test", "NOSUCHDEVICE")
    assert code == 1
    assert out == ""
    assert err == "easgate-admin: device alice@example.test/NOSUCHDEVICE not found\n"
    code, _, err = admin("users", "show", "nobody-%s@example.test" % uuid.uuid4().hex[:6])
    assert code == 1 and err.startswith("easgate-admin: user nobody-") and \
        err.endswith(" not found\n")


@pytest.mark.parametrize("args,message", [
    (["devices", "block", "alice@example.test"],
     "devices block: expected USER DEVICE or USER/DEVICE, got 1 argument"),
    (["devices", "list", "--format", "xml"], "--format \"xml\" is not one of table, csv, json"),
    (["gadgets", "list"], "unknown verb \"gadgets\" (expected devices, users, reports, audit, rules, "
                          "policies, exemptions)"),
    (["devices", "wipe", "a", "b", "--acount-only"], "unknown option --acount-only"),
])
def test_bad_arguments_exit_2_with_a_precise_line(gateway, args, message):
    code, out, err = admin(*args)
    assert code == 2
    assert out == ""
    assert err.splitlines()[0] == "easgate-admin: " + message


def test_config_file_gives_url_and_token(gateway):
    code, out, err = admin("users", "list", "--format", "csv", config=gateway.config_path)
    assert code == 0, err
    assert out.startswith("user,eas_enabled,")
    code, _, err = admin("audit", config="/nonexistent/easgate.yaml")
    assert code == 2 and err.startswith("easgate-admin: ") and err.count("\n") == 1


def test_users_disable_enable(gateway):
    user = "it-%s@example.test" % uuid.uuid4().hex[:8]
    code, out, err = admin("users", "disable", user, "--reason", "left")
    assert code == 0, err
    assert out == "user %s: ActiveSync disabled\n" % user
    shown = admin_json("users", "show", user)
    assert shown["eas_enabled"] is False and shown["eas_reason"] == "left"
    assert admin("users", "enable", user)[0] == 0
    assert admin_json("users", "show", user)["eas_enabled"] is True


def test_api_needs_the_bearer_token(gateway):
    for headers in ({}, {"Authorization": "Bearer wrong-token-value"}):
        req = urllib.request.Request(URL + "/api/devices", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        assert e.value.code == 401
        assert e.value.headers["WWW-Authenticate"].startswith("Bearer")
    code, _, err = admin("devices", "list", token="wrong-token-value")
    assert code == 1 and err == "easgate-admin: invalid bearer token\n"
    req = urllib.request.Request(URL + "/api/devices?format=csv",
                                 headers={"Authorization": "Bearer " + TOKEN})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/csv")


RULES_YAML = """
governance:
  device_access:
    default: allow
    rules:
      - name: allow-bob
        action: allow
        match:
          user: bob@example.test
"""
RULES_PORT_OFFSET = 17  # test_governance uses its own offset; this gateway runs beside both


@pytest.fixture(scope="module")
def rules_gateway():
    from conftest import Gateway
    import tempfile
    gw = Gateway(tempfile.mkdtemp(prefix="easgate-it-admin-"), extra_yaml=RULES_YAML,
                 port_offset=RULES_PORT_OFFSET)
    yield gw
    gw.stop()


def test_rules_list_and_dry_run_before_applying(rules_gateway):
    from easclient import EasClient
    url = "http://127.0.0.1:%d" % rules_gateway.admin_port

    def run(*args):
        p = subprocess.run([CLI, "--url", url, "--token", TOKEN] + list(args),
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    model = "WPX" + uuid.uuid4().hex[:6]
    alice_dev = "ADM" + uuid.uuid4().hex[:12].upper()
    bob_dev = "ADM" + uuid.uuid4().hex[:12].upper()
    for user, dev in (("alice@example.test", alice_dev), ("bob@example.test", bob_dev)):
        c = EasClient("127.0.0.1", rules_gateway.eas_port, user=user, device_id=dev,
                      device_type=model)
        assert c.folder_sync(0).status == 200

    code, out, err = run("rules", "list", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["name"], r["source"], r["action"]) for r in rows] == [
        ("allow-bob", "yaml", "allow"), ("(default)", "yaml", "allow")]

    # Appended after allow-bob, a block rule for the model hits only alice's phone.
    code, out, err = run("rules", "test", "block-" + model, "--action", "block",
                         "--match", "device_type=" + model, "--format", "csv")
    assert code == 0, err
    changed = list(csv.DictReader(io.StringIO(out)))
    assert [(r["device_id"], r["from"], r["to"]) for r in changed] == [
        (alice_dev, "allow", "block")]
    # API rules are evaluated after the YAML rules, so even in first position among them it
    # cannot undo the YAML's allow-bob.
    code, out, err = run("rules", "test", "block-" + model, "--action", "block",
                         "--match", "device_type=" + model, "--position", "1", "--format", "json")
    assert code == 0, err
    assert [r["device_id"] for r in json.loads(out)] == [alice_dev]

    code, out, err = run("rules", "test", "x", "--action", "deny", "--match", "user=a")
    assert code == 1 and out == ""
    assert err == ('easgate-admin: rule: "action" must be one of allow, block, quarantine\n')
    code, _, err = run("rules", "test", "x", "--action", "block", "--match", "colour=red")
    assert code == 1 and err.startswith('easgate-admin: rule: unknown match field "colour"')
    code, _, err = run("rules", "test", "allow-bob", "--action", "block", "--match", "user=x")
    assert code == 1 and err == 'easgate-admin: rule: a rule named "allow-bob" already exists (YAML)\n'
