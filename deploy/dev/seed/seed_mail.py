#!/usr/bin/python3
"""Generate alice's realistic, deterministic dev mailbox as a Maildir tree (LAYOUT=fs).

deploy/dev/backends seed N runs this, then imports the tree with `doveadm import` in one
process (flags from the Maildir file names, INTERNALDATE from the file mtimes), which is
far faster than one LMTP/APPEND round trip per message.

Same N and same anchor give byte-identical files. Stdlib only (Debian /usr/bin/python3).

Covers what the EAS mail code must handle: plain text, HTML only, multipart/alternative,
attachments (PDF-like binary), inline images referenced by cid: (multipart/related),
reply threads (Message-ID / In-Reply-To / References, RFC 5322 3.6.4), RFC 2047 encoded
headers in UTF-8 and ISO-8859-1, bodies in UTF-8 and ISO-8859-1, \\Seen \\Flagged
\\Answered flags, folders INBOX, Sent, Projects, Projects/2026, Receipts, Newsletters.
"""

import argparse
import datetime as dt
import os
import random
import struct
import sys
import zlib
from email.charset import QP, Charset
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

kRngSeed = 20261127
kDefaultAnchor = "2026-11-27T08:00:00+00:00"
kAlice = ("Alice Example", "alice@example.test")

# (display name, address, charset for the RFC 2047 display name or None for ASCII)
kCorrespondents = [
    ("Bob Example", "bob@example.test", None),
    ("Carol Partner", "carol@partner.example", None),
    ("田中 雪", "yuki.tanaka@example.jp", "utf-8"),
    ("Jürgen Müller", "juergen.mueller@example.de", "iso-8859-1"),
    ("Zoë Lefèvre", "zoe.lefevre@example.fr", "utf-8"),
    ("Dave Ops", "dave@ops.example", None),
    ("Sophie Weiß", "sophie.weiss@example.at", "iso-8859-1"),
    ("Erin Sales", "erin@sales.example", None),
]
kNewsletters = [("Shop Weekly", "news@shop.example"), ("Dev Digest", "digest@devnews.example")]
kReceipts = [("Billing", "billing@receipts.example"), ("Rail Tickets", "tickets@rail.example")]

kTopics = [
    "quarterly planning", "the gateway rollout", "server migration", "budget review",
    "customer onboarding", "the offsite agenda", "release 2.4", "security audit",
    "hiring plan", "support escalation", "data center move", "the partner contract",
]
kSentences = [
    "Thanks for the quick turnaround on this.",
    "Could you have a look at the attached document before Thursday?",
    "I have updated the numbers in the shared sheet.",
    "Let me know if anything is unclear.",
    "We still need sign-off from legal.",
    "The vendor confirmed the delivery date.",
    "Please keep the customer in the loop.",
    "I moved the meeting to next week so everyone can attend.",
    "The test environment is back up since this morning.",
    "Attached are my notes from the call.",
    "Nothing urgent, just keeping you posted.",
    "Can we discuss this in our one-on-one?",
]
# Non-ASCII subjects and bodies (header charset, subject, body charset, body text).
kJapanese = ("utf-8", "会議の議事録について", "utf-8",
             "お疲れ様です。\n先日の会議の議事録を共有します。\nご確認のほど、よろしくお願いいたします。\n")
kGerman = ("iso-8859-1", "Änderungen für die Übergabe (Größe prüfen)", "iso-8859-1",
           "Hallo Alice,\n\nanbei die Änderungen für die Übergabe. Bitte prüfe die Größe "
           "der Dateien und grüß das Team.\n\nViele Grüße\nJürgen\n")
kFrench = ("utf-8", "Réunion déplacée à vendredi", "utf-8",
           "Bonjour,\n\nla réunion est déplacée à vendredi à 10 h. Ça vous convient ?\n\nZoë\n")
kGermanUtf8 = ("utf-8", "Grüße aus München – Straßenfest", "utf-8",
               "Servus,\n\ndas Straßenfest in München war großartig. Fotos folgen.\n")


def text_part(text, subtype="plain"):
    """ASCII stays 7bit; UTF-8 goes quoted-printable as most mail clients send it."""
    try:
        text.encode("us-ascii")
        return MIMEText(text, subtype, "us-ascii")
    except UnicodeEncodeError:
        charset = Charset("utf-8")
        charset.body_encoding = QP
        return MIMEText(text, subtype, charset)


def tiny_png(rng, size=16):
    """A valid size x size RGB PNG (RFC 2083), so clients can really render the cid: image."""
    r, g, b = rng.randrange(256), rng.randrange(256), rng.randrange(256)
    raw = b"".join(b"\x00" + bytes((r, g, (b + y * 8) % 256)) * size for y in range(size))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pdf_like(rng, kb):
    """PDF-shaped binary (header, random stream, %%EOF): exercises base64 attachments."""
    body = rng.randbytes(kb * 1024)
    head = b"%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length %d >>\nstream\n" % len(body)
    return head + body + b"\nendstream\nendobj\n%%EOF\n"


def encode_name(name, charset):
    if charset is None:
        return name
    return Header(name, charset).encode()


def address(person):
    name, addr, charset = person
    if charset is None:
        return formataddr((name, addr))
    return "%s <%s>" % (encode_name(name, charset), addr)


def paragraphs(rng, count):
    return "\n\n".join(" ".join(rng.choice(kSentences) for _ in range(rng.randint(2, 5)))
                       for _ in range(count)) + "\n"


def html_of(text, title):
    parts = "".join("<p>%s</p>" % p.replace("\n", "<br>") for p in text.strip().split("\n\n"))
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title></head>"
            "<body style=\"font-family:sans-serif\">%s</body></html>\n" % (title, parts))


class Mailbox:
    """Collects messages per folder and writes them as Maildir files."""

    def __init__(self, root):
        self.root = root
        self.count = 0

    def folder_dir(self, folder):
        path = self.root if folder == "INBOX" else os.path.join(self.root, *folder.split("/"))
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)
        return path

    def store(self, folder, msg, when, flags):
        """Write one message; Maildir info ':2,<flags>' carries the IMAP flags, sorted."""
        self.count += 1
        data = msg.as_bytes()
        stamp = int(when.timestamp())
        name = "%d.seed%06d.easgate-dev,S=%d:2,%s" % (stamp, self.count, len(data),
                                                       "".join(sorted(flags)))
        path = os.path.join(self.folder_dir(folder), "cur", name)
        with open(path, "wb") as out:
            out.write(data)
        os.utime(path, (stamp, stamp))


def set_common(msg, sender, recipients, subject, subject_charset, when, msg_id, tz_hours):
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = Header(subject, subject_charset).encode() if subject_charset else subject
    local = when.astimezone(dt.timezone(dt.timedelta(hours=tz_hours)))
    msg["Date"] = format_datetime(local)
    msg["Message-ID"] = msg_id


def multipart(rng, subtype):
    """Boundaries from the seeded RNG: the email package's are random per run."""
    return MIMEMultipart(subtype, boundary="=_seed_%016x" % rng.getrandbits(64))


def build_body(rng, kind, text, subject):
    """Return the MIME tree for one body kind."""
    if kind == "plain":
        return text_part(text)
    if kind == "html":
        return text_part(html_of(text, subject), "html")
    if kind == "alternative":
        alt = multipart(rng, "alternative")
        alt.attach(text_part(text))
        alt.attach(text_part(html_of(text, subject), "html"))
        return alt
    if kind == "attachment":
        mixed = multipart(rng, "mixed")
        mixed.attach(text_part(text))
        pdf = MIMEApplication(pdf_like(rng, rng.randint(4, 60)), "pdf")
        pdf.add_header("Content-Disposition", "attachment",
                       filename="report-%d.pdf" % rng.randint(100, 999))
        mixed.attach(pdf)
        if rng.random() < 0.3:
            # RFC 2231 encoded non-ASCII file name.
            extra = MIMEApplication(pdf_like(rng, 2), "octet-stream")
            extra.add_header("Content-Disposition", "attachment",
                             filename=("utf-8", "", "Übersicht-資料.bin"))
            mixed.attach(extra)
        return mixed
    if kind == "inline":
        cid = "img%d@seed.example.test" % rng.randint(1000, 9999)
        related = multipart(rng, "related")
        alt = multipart(rng, "alternative")
        alt.attach(text_part(text))
        html = html_of(text, subject).replace(
            "</body>", "<p><img src=\"cid:%s\" alt=\"chart\" width=\"16\" height=\"16\"></p>"
            "</body>" % cid)
        alt.attach(text_part(html, "html"))
        related.attach(alt)
        img = MIMEImage(tiny_png(rng), "png")
        img.add_header("Content-ID", "<%s>" % cid)
        img.add_header("Content-Disposition", "inline", filename="chart.png")
        related.attach(img)
        return related
    raise ValueError(kind)


def generate(count, out_dir, anchor):
    rng = random.Random(kRngSeed)
    box = Mailbox(out_dir)
    for folder in ("INBOX", "Sent", "Projects", "Projects/2026", "Receipts", "Newsletters"):
        box.folder_dir(folder)
    # Newest message near the anchor; small seeds stay within a few days so EAS
    # FilterType windows (1 day .. 1 month) see mail, big seeds span about 4 months.
    step = min(dt.timedelta(days=120) / max(count, 1), dt.timedelta(hours=6))
    alice = formataddr(kAlice)
    index = 0  # position in time, oldest first
    thread_no = 0

    def when_of(i):
        jitter = dt.timedelta(seconds=rng.randint(0, int(step.total_seconds() // 2)))
        return anchor - step * (count - 1 - i) + jitter

    def msg_id(i):
        return "<seed-%06d.%08x@example.test>" % (i, rng.getrandbits(32))

    while index < count:
        roll = rng.random()
        if roll < 0.08 and count - index >= 2:
            # A thread: incoming message, then alternating replies (alice's in Sent).
            thread_no += 1
            length = min(rng.randint(2, 5), count - index)
            peer = rng.choice(kCorrespondents)
            topic = rng.choice(kTopics)
            folder_in = "Projects" if thread_no % 4 == 0 else "INBOX"
            refs = []
            for k in range(length):
                from_alice = k % 2 == 1
                subject = ("Re: " if k else "") + "Thread %d: %s" % (thread_no, topic)
                body = build_body(rng, rng.choice(["plain", "alternative"]),
                                  paragraphs(rng, rng.randint(1, 3)), subject)
                mid = msg_id(index)
                when = when_of(index)
                set_common(body, alice if from_alice else address(peer),
                           [address(peer)] if from_alice else [alice], subject, None,
                           when, mid, rng.choice([0, 1, -5, 9]))
                if refs:
                    body["In-Reply-To"] = refs[-1]
                    body["References"] = " ".join(refs[-10:])
                refs.append(mid)
                replied = k + 1 < length  # the next message answers this one
                if from_alice:
                    flags = "S"
                    folder = "Sent"
                else:
                    flags = "S" + ("R" if replied else "")
                    if k == length - 1 and rng.random() < 0.5:
                        flags = ""  # newest reply still unread
                    folder = folder_in
                box.store(folder, body, when, flags)
                index += 1
            continue

        slot = index % 20
        recent = index >= count - max(3, count // 10)
        kind = rng.choice(["plain", "plain", "html", "alternative", "alternative",
                           "attachment", "inline"])
        subject_charset = None
        text = paragraphs(rng, rng.randint(1, 6))
        body_charset = "utf-8"
        if slot in (3, 13):
            subject_charset, subject, body_charset, text = rng.choice(
                [kJapanese, kGerman, kFrench, kGermanUtf8])
            kind = "plain"
        else:
            subject = "%s (%d)" % (rng.choice(kTopics).capitalize(), index)
        if slot == 7:
            text = paragraphs(rng, 80)  # a long message, for body truncation
        sender = address(rng.choice(kCorrespondents))
        folder = "INBOX"
        recipients = [alice]
        if slot in (5, 15):
            folder = "Sent"
            sender, recipients = alice, [address(rng.choice(kCorrespondents))]
        elif slot == 9:
            folder = "Projects/2026"
        elif slot == 11:
            folder = "Receipts"
            sender = formataddr(rng.choice(kReceipts))
            subject = "Your receipt #%06d" % rng.randint(0, 999999)
            kind = "attachment"
        elif slot == 17:
            folder = "Newsletters"
            sender = formataddr(rng.choice(kNewsletters))
            kind = "inline"
        if kind == "plain" and body_charset != "utf-8":
            # The email package sends ISO-8859-1 as quoted-printable.
            body = MIMEText(text, "plain", body_charset)
        elif kind == "plain" and subject_charset and slot == 13:
            body = MIMEText(text, "plain", "utf-8")  # base64 UTF-8, as some MUAs send
        else:
            body = build_body(rng, kind, text, subject)
        when = when_of(index)
        set_common(body, sender, recipients, subject, subject_charset, when,
                   msg_id(index), rng.choice([0, 1, 2, -5, -8, 9, 10]))
        if rng.random() < 0.2:
            body["Cc"] = address(rng.choice(kCorrespondents))
        flags = ""
        if folder == "Sent" or not recent and rng.random() < 0.85:
            flags += "S"
        if rng.random() < 0.06:
            flags += "F"
            body["X-Priority"] = "1 (Highest)"
            body["Importance"] = "high"
        box.store(folder, body, when, flags)
        index += 1
    return box.count


def parse_anchor(text):
    if text == "now":
        return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out_dir")
    parser.add_argument("--anchor", default=os.environ.get("EASGATE_SEED_ANCHOR",
                                                           kDefaultAnchor),
                        help="date of the newest message (ISO 8601 or 'now')")
    args = parser.parse_args()
    if args.count < 0 or args.count > 1000000:
        parser.error("count must be between 0 and 1000000")
    written = generate(args.count, args.out_dir, parse_anchor(args.anchor))
    print("seed_mail: %d messages in %s" % (written, args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
