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

With USERS=N (N > 2) the devices are spread over the dev stack's load users
load0001..loadN (deploy/dev/backends), one device per user unless PINGS says more, and mail
goes to random users as a paced stream (RATE mails/s, a user gets its next mail only once
its devices hold new Pings): the issue's "1,000 users" case. WATCH=endpoint,notify runs
each change source in its own gateway: "endpoint" is Dovecot's push_notification posting to
/push/dovecot (the users' METADATA is set for the run), "notify" is push.imap_watch: notify
(the gateway's NOTIFY watcher, one IMAP connection per user, no endpoint listener). Two
more columns show what the backend pays while the Pings are held: the gateway's open IMAP
connections and the summed PSS of the Dovecot imap processes serving them.

  bench/push/run [BUILD_DIR]     env: PINGS (10000), MAILS (10), TRANSPORTS (plain,tls),
                                 USERS (2), WATCH (endpoint), RATE (10)
  USERS=1000 WATCH=endpoint,notify bench/push/run BUILD_DIR     the 1,000-user table
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

import many_users

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build")
DEV = os.environ.get("EASGATE_DEV_DIR", os.path.join(REPO, ".dev"))
USER_COUNT = int(os.environ.get("USERS", "2"))
# 2 = the dev users alice and bob (the original 10,000-Ping burst); else load users.
USERS = (["alice@example.test", "bob@example.test"] if USER_COUNT == 2 else
         ["load%04d@example.test" % (i + 1) for i in range(USER_COUNT)])
if USER_COUNT > 1000:
    sys.exit("USERS: the dev stack has 1,000 load users (deploy/dev/backends)")
PINGS = int(os.environ.get("PINGS", "10000" if USER_COUNT == 2 else str(USER_COUNT)))
MAILS = int(os.environ.get("MAILS", "10" if USER_COUNT == 2 else "300"))
RATE = float(os.environ.get("RATE", "10"))  # mails/s of the many-user stream
TRANSPORTS = os.environ.get("TRANSPORTS", "plain,tls").split(",")
WATCH = os.environ.get("WATCH", "endpoint").split(",")
# Below 32768: a listener port inside the ephemeral range can be taken by an outgoing connection.
BASE = int(os.environ.get("EASGATE_BENCH_PORT_BASE", "21100"))
EAS, TLS, ADMIN, PUSH = BASE + 80, BASE + 443, BASE + 464, 19464
SECRET = "dev-push-secret-not-a-secret"
SETUP_CONCURRENCY = 32

def gateway_config(state, watch):
    """The bench gateway's YAML; `watch` picks the change source (see the docstring)."""
    push_listener = ("    - {name: dovecot-push, address: 127.0.0.1, port: %d, role: admin}\n"
                     % PUSH if watch == "endpoint" else "")
    push = ("{endpoint_secret: %s, poll_interval: 0s}" % SECRET if watch == "endpoint" else
            "{imap_watch: %s, poll_interval: 0s}" % watch)
    # Mail only with the load users: Radicale does not know them.
    dav = ('  dav: {base_url: "http://127.0.0.1:15232", login: local_part}\n'
           if USER_COUNT == 2 else "")
    return f"""
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
{push_listener}  limits: {{idle_timeout: 1h}}
auth: {{default_domain: example.test, cache_ttl: 1h}}
backends:
  imap: {{host: 127.0.0.1, port: 10143, tls: none, pool: {{idle_timeout: 5s}}}}
  smtp: {{host: 127.0.0.1, port: 10587, tls: none}}
{dav}store: {{driver: sqlite, path: {state}/easgate.sqlite}}
log: {{level: warn, file: {state}/easgate.log}}
admin: {{token: bench-admin-token}}
push: {push}
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
        self.user = USERS[n % len(USERS)]
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


async def burst_two_users(devices):
    """The original two-user burst: MAILS mails one after another to alice or bob, each
    waking every Ping of that user (~PINGS/2) before the next goes out."""
    out = many_users.StreamResult()
    for m in range(MAILS):
        user = random.choice(USERS)
        mine = [d for d in devices if d.user == user]
        smtp = smtplib.SMTP("127.0.0.1", many_users.INJECT_PORT, timeout=30)
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
                out.early += 1  # woken by another delivery to the shared INBOX
            else:
                out.latencies.append(d.done_at - sent)
        await asyncio.gather(*(send_ping(d) for d in mine))
        while held() < len(devices):
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
    return out


async def settle_imap(pid, at_least, timeout_s):
    """Waits until the gateway's IMAP connections are what a quiet gateway holds: the pooled
    sessions of the set-up have idled out (pool idle_timeout 5 s, so at least 11 s) and,
    with imap_watch, the per-user watchers are connected: the count is >= at_least and has
    not moved for 3 s (or exactly 0 when at_least is 0)."""
    t0, last, stable = time.time(), -1, 0
    while time.time() - t0 < timeout_s:
        count = many_users.imap_connections(pid)
        stable = stable + 1 if count == last else 0
        last = count
        if at_least == 0 and count == 0:
            break
        if at_least and count >= at_least and stable >= 6 and time.time() - t0 >= 11:
            break
        await asyncio.sleep(0.5)


async def run_transport(pid, tls, n, watch):
    devices = [Device(i, tls) for i in range(n)]
    users = len({d.user for d in devices})
    sem = asyncio.Semaphore(SETUP_CONCURRENCY)
    t0 = time.time()
    await asyncio.gather(*(folder_sync(d, sem) for d in devices))
    setup_s = time.time() - t0
    await settle_imap(pid, 0, 30)
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
    await settle_imap(pid, 0 if watch == "endpoint" else users, 180)
    await asyncio.sleep(2)
    rss_held = rss_kb(pid)
    imap_conns = many_users.imap_connections(pid)
    dovecot_kb = many_users.dovecot_pss_kb(pid)

    c0, w0 = cpu_ticks(pid), time.time()
    await asyncio.sleep(10)
    idle_cpu = (cpu_ticks(pid) - c0) / os.sysconf("SC_CLK_TCK") / (time.time() - w0) * 100

    if USER_COUNT == 2:
        result = await burst_two_users(devices)
    else:
        result = await many_users.deliver_stream(devices, MAILS, RATE, send_ping, ping_status)
    for d in devices:
        d.pending.cancel()
        d.writer.close()
    lat = result.latencies or [float("nan")]
    return {
        "watch": watch, "transport": "TLS" if tls else "plain", "users": users, "pings": n,
        "setup_s": setup_s, "accept_per_s": n / accept_s,
        "rss_per_ping_kb": (rss_held - rss_before) / n, "rss_held_mb": rss_held / 1024,
        "imap_conns": imap_conns, "dovecot_mb": dovecot_kb / 1024,
        "idle_cpu_pct": idle_cpu, "p50_ms": percentile(lat, 50) * 1000,
        "p99_ms": percentile(lat, 99) * 1000, "woken": len(result.latencies),
        "missed": result.missed, "early": result.early, "wrong": result.wrong,
        "slow": sorted(result.slow, reverse=True),
    }


async def run_gateway(watch):
    """One gateway process for one change source; every transport in it. Returns the rows
    and the SIGTERM-to-exit time."""
    state = tempfile.mkdtemp(prefix="easgate-bench-push-")
    with open(os.path.join(state, "easgate.yaml"), "w") as f:
        f.write(gateway_config(state, watch))
    gw = subprocess.Popen([os.path.join(BUILD, "easgate"), "--config",
                           os.path.join(state, "easgate.yaml")],
                          stdout=open(os.path.join(state, "stderr.log"), "w"),
                          stderr=subprocess.STDOUT)
    # Dovecot posts only for users with the push METADATA: set it for the run (alice's is
    # lost when her mailbox is re-seeded); the load users get it removed afterwards.
    endpoint = watch == "endpoint"
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", ADMIN), timeout=0.2).close()
                break
            except OSError:
                if gw.poll() is not None:
                    raise RuntimeError("gateway exited; see %s/stderr.log" % state)
                time.sleep(0.05)
        if endpoint:
            many_users.set_push_metadata(USERS, True)
        rows = []
        for t in TRANSPORTS:
            rows.append(await run_transport(gw.pid, t == "tls", PINGS, watch))
            await asyncio.sleep(3)
        t0 = time.time()
        gw.send_signal(signal.SIGTERM)
        gw.wait(timeout=60)
        return rows, time.time() - t0
    finally:
        if gw.poll() is None:
            gw.kill()
        if endpoint and USER_COUNT != 2:
            many_users.set_push_metadata(USERS, False)


async def main():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 2 * PINGS + 200:
        print("warning: RLIMIT_NOFILE hard limit %d is tight for %d Pings" % (hard, PINGS))
    rows, stops = [], []
    for watch in WATCH:
        r, stop_s = await run_gateway(watch)
        rows += r
        stops.append((watch, stop_s))
    print()
    print("easgate Direct Push benchmark: %d held Pings per transport over %d users, %d CPUs,"
          " %d mails" % (PINGS, len(USERS), os.cpu_count(), MAILS))
    if USER_COUNT == 2:
        print("(2 dev users, so each mail wakes ~%d devices of one user at once)" % (PINGS // 2))
    else:
        print("(mail to random users at %.0f/s; a user's next mail waits until its devices"
              " hold new Pings)" % RATE)
    hdr = ("watch", "transport", "users", "pings", "setup s", "accepted/s", "RSS/Ping KB",
           "RSS held MB", "IMAP conns", "Dovecot PSS MB", "idle CPU %", "woken", "missed",
           "p50 ms", "p99 ms")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for r in rows:
        print("| %s | %s | %d | %d | %.0f | %.0f | %.1f | %.0f | %d | %.0f | %.2f | %d | %d |"
              " %.0f | %.0f |" % (
                  r["watch"], r["transport"], r["users"], r["pings"], r["setup_s"],
                  r["accept_per_s"], r["rss_per_ping_kb"], r["rss_held_mb"], r["imap_conns"],
                  r["dovecot_mb"], r["idle_cpu_pct"], r["woken"], r["missed"], r["p50_ms"],
                  r["p99_ms"]))
        if r["early"] or r["wrong"]:
            print("  (%s/%s: %d Pings answered before their mail, %d with another status)"
                  % (r["watch"], r["transport"], r["early"], r["wrong"]))
        if r["slow"]:
            print("  (%s/%s: %d wake-ups over 1 s; slowest %s)" % (
                r["watch"], r["transport"], len(r["slow"]),
                ", ".join("%s %s %.1f s" % (u, dev, t) for t, u, dev in r["slow"][:3])))
    for watch, stop_s in stops:
        print("SIGTERM to exit (%s): %.2f s" % (watch, stop_s))


if __name__ == "__main__":
    asyncio.run(main())
