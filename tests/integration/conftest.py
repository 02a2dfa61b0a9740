"""Starts the real gateway binary against the real dev backends for the integration tests.

The backends must be up (tests/run starts them): nothing here is mocked. The gateway runs
on its own ports (28080 plain, 28443 TLS, 28464 admin by default) with a fresh state store per test
session, so a developer's `deploy/dev/run` on the dev ports is not disturbed.
"""
import os
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

from easclient import EasClient

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEV_DIR = os.environ.get("EASGATE_DEV_DIR", os.path.join(TOP, ".dev"))
# EASGATE_BUILD_DIR: test another build tree (default build/).
BINARY = os.path.join(os.environ.get("EASGATE_BUILD_DIR", os.path.join(TOP, "build")), "easgate")

# EASGATE_IT_PORT_BASE lets two test runs share a machine (default 28000: 28080/28443/28464).
# Keep it below the ephemeral port range (32768+): a client socket there can hold a port a
# test gateway wants to listen on.
_BASE = int(os.environ.get("EASGATE_IT_PORT_BASE", "28000"))
EAS_PORT, TLS_PORT, ADMIN_PORT = _BASE + 80, _BASE + 443, _BASE + 464

CONFIG = """
server:
  workers: 2
  listeners:
    - {{name: eas-http, address: 127.0.0.1, port: {eas}, role: eas}}
    - name: eas-https
      address: 127.0.0.1
      port: {tls}
      role: eas
      tls: {{cert: {dev}/tls/easgate.crt, key: {dev}/tls/easgate.key}}
    - {{name: admin, address: 127.0.0.1, port: {admin}, role: admin}}
  limits:
    max_header_bytes: 16384
    max_body_bytes: 1048576
    header_timeout: 2s
    body_timeout: 2s
    idle_timeout: 30s
auth:
  default_domain: example.test
  cache_ttl: 30s
backends:
  imap: {{host: 127.0.0.1, port: 10143, tls: none}}
  smtp: {{host: 127.0.0.1, port: 10587, tls: none}}
  dav: {{base_url: "http://127.0.0.1:15232", login: local_part}}
  sieve: {{host: 127.0.0.1, port: 14190, tls: none}}
store:
  driver: sqlite
  path: {state}/easgate.sqlite
log:
  level: info
  file: {state}/easgate.log
admin:
  token: test-admin-token
"""


def wait_for_port(port, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Gateway:
    # extra_yaml is appended to the config (e.g. a governance: section); port_offset moves
    # all three ports so a test-specific gateway can run beside the session one; edit_config
    # (text -> text) changes the base config before that (an extra listener, the log level).
    stop_timeout = 10  # seconds from SIGTERM to SIGKILL

    def __init__(self, state_dir, extra_yaml="", port_offset=0, edit_config=None):
        self.state_dir = state_dir
        self.eas_port = EAS_PORT + port_offset
        self.admin_port = ADMIN_PORT + port_offset
        self.config_path = os.path.join(state_dir, "easgate.yaml")
        self.log_path = os.path.join(state_dir, "easgate.log")
        self.tls_port = TLS_PORT + port_offset
        config = CONFIG.format(eas=self.eas_port, tls=self.tls_port, admin=self.admin_port,
                               dev=DEV_DIR, state=state_dir)
        with open(self.config_path, "w") as f:
            f.write(edit_config(config) if edit_config else config)
            f.write(extra_yaml)
        self.stderr = open(os.path.join(state_dir, "stderr.log"), "w")
        self.proc = subprocess.Popen([BINARY, "--config", self.config_path],
                                     stdout=self.stderr, stderr=subprocess.STDOUT)
        for port in (self.eas_port, TLS_PORT + port_offset, self.admin_port):
            if not wait_for_port(port):
                self.stop()
                raise RuntimeError("gateway did not open port %d; see %s" % (port, state_dir))

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def metrics(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.admin_port,
                                    timeout=10) as r:
            return r.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


@pytest.fixture(scope="session")
def gateway():
    state = tempfile.mkdtemp(prefix="easgate-it-")
    gw = Gateway(state)
    yield gw
    gw.stop()
    assert gw.proc.returncode in (0, -15), "gateway exited with %s" % gw.proc.returncode


@pytest.fixture
def client_factory(gateway):
    def make(**kw):
        kw.setdefault("device_id", "IT%08d" % (abs(hash(time.time())) % 10**8))
        port = TLS_PORT if kw.get("tls") else EAS_PORT
        return EasClient("127.0.0.1", port, **kw)
    return make
