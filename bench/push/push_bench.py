#!/usr/bin/python3
"""Direct Push capacity benchmark (issue 6): N concurrent held Pings against the real gateway
and the real dev stack, Python stdlib only (asyncio).

Starts its own gateway (build dir argument), then per transport (plain, TLS):
  1. FolderSync once per device (devices alternate between alice and bob: only two users
     exist in the dev stack, so "users" here are many devices per user, each with its own
     DeviceId and its own held Ping),
  2. opens N Pings on INBOX (HeartbeatInterval 3000 s) and times how fast the gateway holds
     them (easgate_held_requests from /metrics): Pings/s accepted,
  3. gateway RSS growth per held Ping (VmRSS from /proc/<pid>/status, before the Pings and
     with all of them held),
  4. gateway CPU while idle over 10 s (utime+stime from /proc/<pid>/stat),
  5. delivers mail over SMTP (127.0.0.1:10025 plain inject) to alice or bob at random and
     measures, for every Ping of that user, the time from the end of the SMTP DATA to the
     Ping's Status 2 (p50/p99); each woken device re-issues its Ping at once.
Wake-ups come from Dovecot's push_notification plugin posting to /push/dovecot (the gateway
gets an extra admin listener on 19464, the port the dev Dovecot posts to).

  bench/push/run [BUILD_DIR]     env: PINGS (10000), MAILS (10), TRANSPORTS (plain,tls)
"""
import asyncio
import base64
import os
import random
import re
import signal
import smtplib
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build")
DEV = os.environ.get("EASGATE_DEV_DIR", os.path.join(REPO, ".dev"))
PINGS = int(os.environ.get("PINGS", "10000"))
MAILS = int(os.environ.get("MAILS", "10"))
TRANSPORTS = os.environ.get("TRANSPORTS", "plain,tls").split(",")
BASE = int(os.environ.get("EASGATE_BENCH_PORT_BASE", "39100"))
EAS, TLS, ADMIN, PUSH = BASE + 80, BASE + 443, BASE + 464, 19464
SECRET = "dev-push-secret-not-a-secret"
USERS = ["alice@example.test", "bob@example.test"]
SETUP_CONCURRENCY = 32

CONFIG = f"""
server:
  workers: {os.cpu_count()}
  listeners:
    - {{name: eas, address: 127.0.0.1, port: {EAS}, role: eas}}
    - name: eas-tls
      address: 127.0.0.1
      port: {TLS}
      role: eas
      tls: {{cert: {DEV}/tls/easgate.crt, key: {DEV}/tls/easgate.key}}
    - {{name: admin, address: 127.0.0.1, port: {ADMIN}, role: admin}}
    - {{name: dovecot-push, address: 127.0.0.1, port: {PUSH}, role: admin}}
  limits: {{idle_timeout: 1h}}
auth: {{default_domain: example.test, cache_ttl: 1h}}
backends:
  imap: {{host: 127.0.0.1, port: 10143, tls: none}}
  smtp: {{host: 127.0.0.1, port: 10587, tls: none}}
  dav: {{base_url: "http://127.0.0.1:15232", login: local_part}}
store: {{driver: sqlite, path: %(state)s/easgate.sqlite}}
log: {{level: warn, file: %(state)s/easgate.log}}
admin: {{token: bench-admin-token}}
push: {{endpoint_secret: {SECRET}, poll_interval: 0s}}
eas:
  ping: {{min_heartbeat: 60s, max_heartbeat: 3540s, max_folders: 300}}
"""

# --- minimal WBXML (MS-ASWBXML): only what Ping and FolderSync need ----------------------

def str_i(tag, text):
    return bytes([tag | 0x40, 0x03]) + text.encode() + b"\x00\x01"


def ping_body(folder_id, heartbeat=3000):
    body = b"\x03\x01\x6a\x00" + b"\x00\x0d"  # WBXML 1.3, UTF-8; page 13 (Ping)
    body += b"\x45" + str_i(0x08, str(heartbeat)) + b"\x49\x4a"
    body += str_i(0x0b, folder_id) + str_i(0x0c, "Email") + b"\x01\x01\x01"
    return body


FOLDER_SYNC_0 = b"\x03\x01\x6a\x00\x00\x07\x56" + str_i(0x12, "0") + b"\x01"


def wbxml_walk(data):
    """Yields (page, token, text) for every element with text; enough for our answers."""
    i, page, stack = 4, 0, []
    if len(data) > 3 and data[3] != 0:  # string table length (never used by easgate)
        i += data[3]
    while i < len(data):
        b = data[i]
        i += 1
        if b == 0x00:
            page = data[i]
            i += 1
        elif b == 0x01:
            if stack:
                stack.pop()
        elif b == 0x03:
            end = data.index(b"\x00", i)
            yield stack[-1] if stack else (page, 0), data[i:end].decode()
            i = end + 1
        else:
            if b & 0x40:
                stack.append((page, b & 0x3F))
    return


def inbox_id(body):
    server_id = None
    for (page, token), text in wbxml_walk(body):
        if (page, token) == (7, 0x08):  # ServerId
            server_id = text
        elif (page, token) == (7, 0x0A) and text == "2" and server_id:  # Type 2 = Inbox
            return server_id
    raise RuntimeError("no Inbox in FolderSync")


def ping_status(body):
    for (page, token), text in wbxml_walk(body):
        if (page, token) == (13, 0x07):
            return int(text)
    return None


# --- HTTP/1.1 over asyncio ---------------------------------------------------------------

TLS_CTX = ssl.create_default_context()
TLS_CTX.check_hostname = False
TLS_CTX.verify_mode = ssl.CERT_NONE


def request(user, device, cmd, body):
    auth = base64.b64encode(("%s:secret" % user).encode()).decode()
    return (f"POST /Microsoft-Server-ActiveSync?Cmd={cmd}&User={user.split('@')[0]}"
            f"&DeviceId={device}&DeviceType=Bench HTTP/1.1\r\nHost: bench\r\n"
            f"Authorization: Basic {auth}\r\nMS-ASProtocolVersion: 14.1\r\n"
            f"Content-Type: application/vnd.ms-sync.wbxml\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
    body = await reader.readexactly(int(m.group(1))) if m else b""
    return status, body


async def connect(tls):
    return await asyncio.open_connection("127.0.0.1", TLS if tls else EAS,
                                         ssl=TLS_CTX if tls else None)


class Device:
    def __init__(self, n, tls):
        self.user = USERS[n % 2]
        self.id = "B%s%06d" % ("T" if tls else "P", n)
        self.tls = tls
        self.inbox = None
        self.reader = self.writer = None
        self.pending = None  # future of the held Ping's answer


async def folder_sync(dev, sem):
    async with sem:
        r, w = await connect(dev.tls)
        w.write(request(dev.user, dev.id, "FolderSync", FOLDER_SYNC_0))
        status, body = await read_response(r)
        w.close()
        if status != 200:
            raise RuntimeError("FolderSync %d" % status)
        dev.inbox = inbox_id(body)


async def send_ping(dev):
    dev.writer.write(request(dev.user, dev.id, "Ping", ping_body(dev.inbox)))
    dev.pending = asyncio.ensure_future(read_response(dev.reader))
    dev.done_at = None
    dev.pending.add_done_callback(lambda _f, d=dev: setattr(d, "done_at", time.time()))


# --- gateway process figures -------------------------------------------------------------

def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def held(kind="Ping"):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % ADMIN, timeout=10) as r:
        text = r.read().decode()
    m = re.search(r'easgate_held_requests\{command="%s"\} (\S+)' % kind, text)
    return int(float(m.group(1))) if m else 0


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


async def run_transport(pid, tls, n):
    devices = [Device(i, tls) for i in range(n)]
    sem = asyncio.Semaphore(SETUP_CONCURRENCY)
    t0 = time.time()
    await asyncio.gather(*(folder_sync(d, sem) for d in devices))
    setup_s = time.time() - t0
    await asyncio.sleep(1)
    rss_before = rss_kb(pid)

    # Connect and send every Ping; the gateway holds them as fast as it can.
    t0 = time.time()
    for chunk in range(0, n, 500):
        batch = devices[chunk:chunk + 500]
        conns = await asyncio.gather(*(connect(tls) for _ in batch))
        for d, (r, w) in zip(batch, conns):
            d.reader, d.writer = r, w
            await send_ping(d)
    while held() < n:
        if time.time() - t0 > 300:
            raise RuntimeError("only %d of %d Pings held" % (held(), n))
        await asyncio.sleep(0.05)
    accept_s = time.time() - t0
    await asyncio.sleep(2)
    rss_held = rss_kb(pid)

    c0, w0 = cpu_ticks(pid), time.time()
    await asyncio.sleep(10)
    idle_cpu = (cpu_ticks(pid) - c0) / os.sysconf("SC_CLK_TCK") / (time.time() - w0) * 100

    latencies = []
    early = 0
    for m in range(MAILS):
        user = random.choice(USERS)
        mine = [d for d in devices if d.user == user]
        smtp = smtplib.SMTP("127.0.0.1", 10025, timeout=30)
        smtp.sendmail("bench@example.test", [user],
                      "From: bench@example.test\r\nTo: %s\r\nSubject: push bench %d\r\n\r\n"
                      "hello\r\n" % (user, m))
        sent = time.time()
        smtp.quit()
        for d in mine:
            try:
                status, body = await asyncio.wait_for(d.pending, timeout=30)
            except asyncio.TimeoutError:
                raise RuntimeError("a Ping was not woken within 30 s")
            if ping_status(body) != 2:
                raise RuntimeError("Ping answered %s" % ping_status(body))
            if d.done_at < sent:
                early += 1  # woken by another delivery to the shared INBOX
            else:
                latencies.append(d.done_at - sent)
        await asyncio.gather(*(send_ping(d) for d in mine))
        while held() < n:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
    for d in devices:
        d.pending.cancel()
        d.writer.close()
    return {
        "transport": "TLS" if tls else "plain", "pings": n, "setup_s": setup_s,
        "accept_per_s": n / accept_s, "rss_per_ping_kb": (rss_held - rss_before) / n,
        "rss_before_mb": rss_before / 1024, "rss_held_mb": rss_held / 1024,
        "idle_cpu_pct": idle_cpu, "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000, "woken": len(latencies), "early": early,
    }


async def main():
    state = tempfile.mkdtemp(prefix="easgate-bench-push-")
    with open(os.path.join(state, "easgate.yaml"), "w") as f:
        f.write(CONFIG % {"state": state})
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 2 * PINGS + 200:
        print("warning: RLIMIT_NOFILE hard limit %d is tight for %d Pings" % (hard, PINGS))
    gw = subprocess.Popen([os.path.join(BUILD, "easgate"), "--config",
                           os.path.join(state, "easgate.yaml")],
                          stdout=open(os.path.join(state, "stderr.log"), "w"),
                          stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", ADMIN), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        rows = []
        for t in TRANSPORTS:
            rows.append(await run_transport(gw.pid, t == "tls", PINGS))
            await asyncio.sleep(3)
        t0 = time.time()
        gw.send_signal(signal.SIGTERM)
        gw.wait(timeout=60)
        stop_s = time.time() - t0
    finally:
        if gw.poll() is None:
            gw.kill()
    print()
    print("easgate Direct Push benchmark: %d held Pings per transport, %d CPUs, %d mails"
          % (PINGS, os.cpu_count(), MAILS))
    print("(2 dev users, so each mail wakes ~%d devices of one user at once)" % (PINGS // 2))
    hdr = ("transport", "pings", "setup s", "accepted/s", "RSS/Ping KB", "RSS held MB",
           "idle CPU %", "woken", "p50 ms", "p99 ms")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for r in rows:
        print("| %s | %d | %.0f | %.0f | %.1f | %.0f | %.2f | %d | %.0f | %.0f |" % (
            r["transport"], r["pings"], r["setup_s"], r["accept_per_s"], r["rss_per_ping_kb"],
            r["rss_held_mb"], r["idle_cpu_pct"], r["woken"], r["p50_ms"], r["p99_ms"]))
    print("SIGTERM to exit: %.2f s" % stop_s)


if __name__ == "__main__":
    asyncio.run(main())
