"""bench/push with many users (USERS=N, the dev stack's load0001..loadN): the paced mail
stream that measures delivery -> Ping Status 2, the push METADATA the endpoint mode needs,
and what the backend pays (the gateway's IMAP connections, Dovecot's imap processes' PSS).
Python stdlib only; used by push_bench.py.
"""
import asyncio
import concurrent.futures
import imaplib
import os
import random
import smtplib
import time

IMAP_PORT = 10143
INJECT_PORT = 10025  # plain SMTP, no auth: Postfix delivers to Dovecot over LMTP
WAKE_TIMEOUT_S = 30.0  # a Ping not woken by then counts as missed
SETTLE_S = 2.0  # after its devices re-Ping, a user waits this long before its next mail
# Dovecot 2.3's OX push driver reports only users with this server METADATA
# (deploy/dev/dovecot/dovecot.conf.in, push_notification_driver ... user_from_metadata).
PUSH_METADATA = "/private/vendor/vendor.dovecot/http-notify"


def _set_metadata(user, on):
    imaplib.Commands.setdefault("SETMETADATA", ("AUTH", "SELECTED"))
    m = imaplib.IMAP4("127.0.0.1", IMAP_PORT)
    try:
        m.login(user, "secret")
        value = '"user=%s"' % user if on else "NIL"
        typ, _ = m._simple_command("SETMETADATA", '""', "(%s %s)" % (PUSH_METADATA, value))
        if typ != "OK":
            raise RuntimeError("SETMETADATA for %s answered %s" % (user, typ))
    finally:
        m.logout()


def set_push_metadata(users, on):
    """Sets (on) or removes the push METADATA of every user; 16 logins at a time."""
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda u: _set_metadata(u, on), users))


def _socket_inodes(pid):
    inodes = set()
    try:
        for fd in os.listdir("/proc/%s/fd" % pid):
            try:
                target = os.readlink("/proc/%s/fd/%s" % (pid, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass  # gone meanwhile
    return inodes


def _tcp_established():
    """(local port, remote port, inode) of every established IPv4 TCP socket."""
    out = []
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[3] == "01":  # ESTABLISHED
                out.append((int(fields[1].rsplit(":", 1)[1], 16),
                            int(fields[2].rsplit(":", 1)[1], 16), fields[9]))
    return out


def imap_connections(pid):
    """The gateway's established TCP connections to the IMAP port."""
    inodes = _socket_inodes(pid)
    return sum(1 for _l, r, i in _tcp_established() if r == IMAP_PORT and i in inodes)


def dovecot_pss_kb(pid):
    """Summed PSS of the Dovecot imap processes serving the gateway's IMAP connections
    (each holds its client's socket: one process per connection, client_limit 1)."""
    tcp = _tcp_established()
    inodes = _socket_inodes(pid)
    ports = {l for l, r, i in tcp if r == IMAP_PORT and i in inodes}
    server_inodes = {i for l, r, i in tcp if l == IMAP_PORT and r in ports}
    total = 0
    for proc in os.listdir("/proc"):
        if not proc.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % proc) as f:
                if f.read().strip() != "imap":
                    continue
            if not _socket_inodes(proc) & server_inodes:
                continue
            with open("/proc/%s/smaps_rollup" % proc) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue  # gone meanwhile
    return total


class StreamResult:
    def __init__(self):
        self.latencies = []  # seconds, SMTP DATA end -> Status 2, one per woken Ping
        self.missed = 0  # Pings not woken within WAKE_TIMEOUT_S
        self.early = 0  # Pings answered before the mail was in (not a delivery wake-up)
        self.wrong = 0  # Pings answered with another status than 2
        self.slow = []  # (seconds, user, DeviceId) of wake-ups over 1 s, to chase tails


async def deliver_stream(devices, mails, rate, send_ping, ping_status):
    """Delivers `mails` mails at `rate` per second, each to a random user whose devices all
    hold a Ping (a mail to a user still re-Pinging could land in the new Ping's baseline and
    wake nothing), and times each of that user's Pings from the end of the SMTP DATA to its
    Status 2. Woken devices re-Ping at once."""
    by_user = {}
    for d in devices:
        by_user.setdefault(d.user, []).append(d)
    ready = set(by_user)
    out = StreamResult()
    loop = asyncio.get_running_loop()
    smtp = smtplib.SMTP("127.0.0.1", INJECT_PORT, timeout=30)

    def send(user, n):
        smtp.sendmail("bench@example.test", [user],
                      "From: bench@example.test\r\nTo: %s\r\nSubject: push bench %d\r\n\r\n"
                      "hello\r\n" % (user, n))
        return time.time()

    async def collect(user, sent):
        mine = by_user[user]
        done, _ = await asyncio.wait([d.pending for d in mine], timeout=WAKE_TIMEOUT_S)
        again = []
        for d in mine:
            if d.pending not in done:
                out.missed += 1  # still held; it may answer a later mail
                continue
            _status, body = d.pending.result()
            if ping_status(body) != 2:
                out.wrong += 1
            elif d.done_at < sent:
                out.early += 1
            else:
                out.latencies.append(d.done_at - sent)
                if d.done_at - sent > 1.0:
                    out.slow.append((d.done_at - sent, user, d.id))
            again.append(d)
        await asyncio.gather(*(send_ping(d) for d in again))
        await asyncio.sleep(SETTLE_S)
        ready.add(user)

    tasks = []
    next_at = time.time()
    for n in range(mails):
        while not ready:
            await asyncio.sleep(0.05)
        user = random.choice(tuple(ready))
        ready.discard(user)
        sent = await loop.run_in_executor(None, send, user, n)
        tasks.append(asyncio.ensure_future(collect(user, sent)))
        next_at += 1.0 / rate
        await asyncio.sleep(max(0.0, next_at - time.time()))
    await asyncio.gather(*tasks)
    smtp.quit()
    return out
