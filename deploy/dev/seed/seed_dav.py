#!/usr/bin/python3
"""Seed alice's Radicale collections with contacts, events and tasks (idempotent PUTs).

deploy/dev/backends seed N runs this after the collections exist. Every object has a
fixed UID and href, so running it again overwrites instead of duplicating; the content
is fixed (DTSTAMP too), so Radicale's ETags stay the same across runs.

Covers what the EAS calendar/contact/task code must map (MS-ASCAL, MS-ASCNTC, MS-ASTASK):
a weekly series with one deleted (EXDATE) and one modified (RECURRENCE-ID) occurrence,
all-day and multi-day events, attendees with PARTSTAT, a received invitation, events in
America/New_York, Europe/Berlin and Australia/Sydney with VTIMEZONE (RFC 5545 3.6.5),
VALARM reminders, a private event; vCard 3.0 (RFC 2426) with several EMAIL/TEL/ADR,
PHOTO, BDAY, non-ASCII names; VTODO with DUE, PRIORITY, a completed and a recurring one.
Stdlib only.
"""

import argparse
import base64
import http.client
import struct
import sys
import zlib

kStamp = "20261101T000000Z"
kTimezones = {
    "America/New_York": """BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE""",
    "Europe/Berlin": """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE""",
    "Australia/Sydney": """BEGIN:VTIMEZONE
TZID:Australia/Sydney
BEGIN:STANDARD
TZOFFSETFROM:+1100
TZOFFSETTO:+1000
TZNAME:AEST
DTSTART:19700405T030000
RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU
END:STANDARD
BEGIN:DAYLIGHT
TZOFFSETFROM:+1000
TZOFFSETTO:+1100
TZNAME:AEDT
DTSTART:19701004T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU
END:DAYLIGHT
END:VTIMEZONE""",
}

kAlarm15 = """BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Reminder
TRIGGER:-PT15M
END:VALARM"""

# (collection, uid, timezones used, VEVENT/VTODO bodies)
kEvents = [
    ("calendar", "easgate-seed-weekly-team", ["Europe/Berlin"], [
        """BEGIN:VEVENT
UID:easgate-seed-weekly-team
DTSTAMP:{stamp}
SEQUENCE:2
SUMMARY:Weekly team meeting
LOCATION:Room 4.12
DESCRIPTION:Status round\\, blockers\\, next steps.
DTSTART;TZID=Europe/Berlin:20261005T100000
DTEND;TZID=Europe/Berlin:20261005T103000
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=20
EXDATE;TZID=Europe/Berlin:20261109T100000
ORGANIZER;CN=Alice Example:mailto:alice@example.test
ATTENDEE;CN=Bob Example;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:bob@example.test
ATTENDEE;CN=Carol Partner;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:carol@partner.example
CATEGORIES:Meetings
{alarm}
END:VEVENT""",
        # The 16 November occurrence moved to the afternoon, in another room.
        """BEGIN:VEVENT
UID:easgate-seed-weekly-team
DTSTAMP:{stamp}
SEQUENCE:2
RECURRENCE-ID;TZID=Europe/Berlin:20261116T100000
SUMMARY:Weekly team meeting (moved)
LOCATION:Room 2.03
DTSTART;TZID=Europe/Berlin:20261116T140000
DTEND;TZID=Europe/Berlin:20261116T143000
ORGANIZER;CN=Alice Example:mailto:alice@example.test
ATTENDEE;CN=Bob Example;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:bob@example.test
END:VEVENT"""]),
    ("calendar", "easgate-seed-holiday", [], ["""BEGIN:VEVENT
UID:easgate-seed-holiday
DTSTAMP:{stamp}
SUMMARY:Office closed
DTSTART;VALUE=DATE:20261224
DTEND;VALUE=DATE:20261225
TRANSP:TRANSPARENT
END:VEVENT"""]),
    ("calendar", "easgate-seed-conference", [], ["""BEGIN:VEVENT
UID:easgate-seed-conference
DTSTAMP:{stamp}
SUMMARY:MailCon 2026
LOCATION:Hamburg
DTSTART;VALUE=DATE:20261209
DTEND;VALUE=DATE:20261212
TRANSP:OPAQUE
END:VEVENT"""]),
    ("calendar", "easgate-seed-contract-review", ["America/New_York"], ["""BEGIN:VEVENT
UID:easgate-seed-contract-review
DTSTAMP:{stamp}
SUMMARY:Contract review with partners
LOCATION:NYC office\\, 5th floor
DTSTART;TZID=America/New_York:20261201T090000
DTEND;TZID=America/New_York:20261201T103000
ORGANIZER;CN=Alice Example:mailto:alice@example.test
ATTENDEE;CN=Bob Example;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:bob@example.test
ATTENDEE;CN=Carol Partner;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED:mailto:carol@partner.example
ATTENDEE;CN=田中 雪;ROLE=OPT-PARTICIPANT;PARTSTAT=TENTATIVE:mailto:yuki.tanaka@example.jp
ATTENDEE;CN=Room NYC-5;CUTYPE=RESOURCE;PARTSTAT=ACCEPTED:mailto:room-nyc5@example.test
{alarm}
END:VEVENT"""]),
    ("calendar", "easgate-seed-sydney-call", ["Australia/Sydney"], ["""BEGIN:VEVENT
UID:easgate-seed-sydney-call
DTSTAMP:{stamp}
SUMMARY:Partner call Sydney
DTSTART;TZID=Australia/Sydney:20261203T083000
DTEND;TZID=Australia/Sydney:20261203T091500
END:VEVENT"""]),
    ("calendar", "easgate-seed-workshop-muenchen", ["Europe/Berlin"], ["""BEGIN:VEVENT
UID:easgate-seed-workshop-muenchen
DTSTAMP:{stamp}
SUMMARY:Workshop in München: Übergabe
LOCATION:Büro München\\, Straße 5
DESCRIPTION:Agenda:\\n1. Übergabe\\n2. Größe der Teams
DTSTART;TZID=Europe/Berlin:20261208T130000
DTEND;TZID=Europe/Berlin:20261208T170000
END:VEVENT"""]),
    ("calendar", "easgate-seed-release-deploy", [], ["""BEGIN:VEVENT
UID:easgate-seed-release-deploy
DTSTAMP:{stamp}
SUMMARY:Release deploy (UTC)
DTSTART:20261130T220000Z
DTEND:20261130T233000Z
CLASS:PRIVATE
END:VEVENT"""]),
    ("calendar", "easgate-seed-invitation", ["Europe/Berlin"], ["""BEGIN:VEVENT
UID:easgate-seed-invitation
DTSTAMP:{stamp}
SUMMARY:Budget sync (invited by Bob)
DTSTART;TZID=Europe/Berlin:20261202T160000
DTEND;TZID=Europe/Berlin:20261202T163000
ORGANIZER;CN=Bob Example:mailto:bob@example.test
ATTENDEE;CN=Alice Example;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@example.test
END:VEVENT"""]),
    ("work", "easgate-seed-sprint-planning", ["Europe/Berlin"], ["""BEGIN:VEVENT
UID:easgate-seed-sprint-planning
DTSTAMP:{stamp}
SUMMARY:Sprint planning
DTSTART;TZID=Europe/Berlin:20261102T091500
DTEND;TZID=Europe/Berlin:20261102T103000
RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20270329T080000Z
END:VEVENT"""]),
    ("tasks", "easgate-seed-task-report", [], ["""BEGIN:VTODO
UID:easgate-seed-task-report
DTSTAMP:{stamp}
SUMMARY:Prepare quarterly report
DTSTART;VALUE=DATE:20261123
DUE;VALUE=DATE:20261204
PRIORITY:1
STATUS:IN-PROCESS
PERCENT-COMPLETE:40
CATEGORIES:Work
END:VTODO"""]),
    ("tasks", "easgate-seed-task-certs", ["Europe/Berlin"], ["""BEGIN:VTODO
UID:easgate-seed-task-certs
DTSTAMP:{stamp}
SUMMARY:Renew TLS certificates
DESCRIPTION:mail.example.test and the gateway.
DUE;TZID=Europe/Berlin:20261215T170000
PRIORITY:5
STATUS:NEEDS-ACTION
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Renew TLS certificates
TRIGGER;RELATED=END:-P1D
END:VALARM
END:VTODO"""]),
    ("tasks", "easgate-seed-task-flights", [], ["""BEGIN:VTODO
UID:easgate-seed-task-flights
DTSTAMP:{stamp}
SUMMARY:Book flights to Hamburg
DUE;VALUE=DATE:20261120
PRIORITY:9
STATUS:COMPLETED
COMPLETED:20261118T101500Z
PERCENT-COMPLETE:100
END:VTODO"""]),
    ("tasks", "easgate-seed-task-plants", [], ["""BEGIN:VTODO
UID:easgate-seed-task-plants
DTSTAMP:{stamp}
SUMMARY:Water the office plants
DTSTART;VALUE=DATE:20261102
DUE;VALUE=DATE:20261102
RRULE:FREQ=WEEKLY;BYDAY=MO
STATUS:NEEDS-ACTION
END:VTODO"""]),
    ("tasks", "easgate-seed-task-call", [], ["""BEGIN:VTODO
UID:easgate-seed-task-call
DTSTAMP:{stamp}
SUMMARY:Jürgen zurückrufen
STATUS:NEEDS-ACTION
CLASS:PRIVATE
END:VTODO"""]),
]

# (uid, vCard 3.0 properties after VERSION, photo colour or None)
kContacts = [
    ("easgate-seed-bob", """N:Example;Bob;;;
FN:Bob Example
ORG:Example Corp;Engineering
TITLE:Team lead
EMAIL;TYPE=INTERNET,WORK,PREF:bob@example.test
EMAIL;TYPE=INTERNET,HOME:bob.home@mail.example
TEL;TYPE=WORK,VOICE:+49 30 1234567
TEL;TYPE=CELL:+49 170 7654321
TEL;TYPE=HOME,VOICE:+49 30 7654321
ADR;TYPE=WORK:;Floor 4;Friedrichstraße 1;Berlin;;10117;Germany
ADR;TYPE=HOME:;;Lindenweg 7;Potsdam;;14467;Germany
BDAY:1985-04-12
URL:https://bob.example.test/
NOTE:Prefers calls before noon.
CATEGORIES:Colleagues""", (40, 90, 200)),
    ("easgate-seed-carol", """N:Partner;Carol;;;
FN:Carol Partner
ORG:Partner Ltd
TITLE:Account manager
EMAIL;TYPE=INTERNET,WORK:carol@partner.example
EMAIL;TYPE=INTERNET:carol.p@partner-mail.example
EMAIL;TYPE=INTERNET,HOME:carol@home.example
TEL;TYPE=WORK:+44 20 7946 0000
TEL;TYPE=CELL:+44 7700 900123
TEL;TYPE=FAX:+44 20 7946 0001
ADR;TYPE=WORK:;;1 King's Road;London;;SW3 4XX;United Kingdom
CATEGORIES:Partners,VIP""", (200, 60, 60)),
    ("easgate-seed-yuki", """N:田中;雪;;;
FN:田中 雪
X-PHONETIC-FIRST-NAME:ゆき
X-PHONETIC-LAST-NAME:たなか
ORG:サンプル株式会社
EMAIL;TYPE=INTERNET,WORK:yuki.tanaka@example.jp
TEL;TYPE=CELL:+81 90 1234 5678
ADR;TYPE=WORK:;;千代田区丸の内1-1;東京都;;100-0005;日本""", (230, 180, 40)),
    ("easgate-seed-juergen", """N:Müller;Jürgen;;Dr.;
FN:Dr. Jürgen Müller
NICKNAME:Jogi
ORG:Müller & Söhne GmbH
EMAIL;TYPE=INTERNET,WORK:juergen.mueller@example.de
TEL;TYPE=WORK:+49 89 555 0100
ADR;TYPE=WORK:;;Maximilianstraße 12;München;Bayern;80539;Deutschland
BDAY:1970-01-01""", None),
    ("easgate-seed-zoe", """N:Lefèvre;Zoë;;;
FN:Zoë Lefèvre
EMAIL;TYPE=INTERNET:zoe.lefevre@example.fr
TEL;TYPE=CELL:+33 6 12 34 56 78
ADR;TYPE=HOME:;;12 rue de l'Église;Lyon;;69002;France""", (120, 200, 120)),
    ("easgate-seed-dave", """N:Ops;Dave;;;
FN:Dave Ops
ORG:Ops Example
EMAIL;TYPE=INTERNET,WORK:dave@ops.example
TEL;TYPE=WORK:+1 212 555 0142
TEL;TYPE=PAGER:+1 212 555 0199
ADR;TYPE=WORK:;;350 5th Ave;New York;NY;10118;USA""", None),
    ("easgate-seed-sophie", """N:Weiß;Sophie;;;
FN:Sophie Weiß
EMAIL;TYPE=INTERNET:sophie.weiss@example.at
TEL;TYPE=HOME:+43 1 5555 000""", None),
    ("easgate-seed-erin", """N:Sales;Erin;;;
FN:Erin Sales
ORG:Sales Example;EMEA
TITLE:Sales director
EMAIL;TYPE=INTERNET,WORK:erin@sales.example
TEL;TYPE=WORK:+61 2 5550 1234
ADR;TYPE=WORK:;;1 Martin Place;Sydney;NSW;2000;Australia""", None),
    ("easgate-seed-company", """N:;;;;
FN:Example Helpdesk
ORG:Example Corp;IT
X-ABShowAs:COMPANY
EMAIL;TYPE=INTERNET,WORK:helpdesk@example.test
TEL;TYPE=WORK:+49 30 1234500""", None),
]


def png(rgb, size=48):
    """A small valid PNG (RFC 2083) used as contact PHOTO."""
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data)))

    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def fold(text):
    """CRLF line ends and 75-octet folding (RFC 5545 3.1, RFC 2425 5.8.1)."""
    out = []
    for line in text.split("\n"):
        data = line.encode("utf-8")
        while len(data) > 75:
            cut = 75
            while cut > 0 and (data[cut] & 0xC0) == 0x80:  # do not split a UTF-8 sequence
                cut -= 1
            out.append(data[:cut])
            data = b" " + data[cut:]
        out.append(data)
    return b"\r\n".join(out) + b"\r\n"


def calendar_object(zones, components):
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//easgate//dev seed//EN",
             "CALSCALE:GREGORIAN"]
    parts += [kTimezones[zone] for zone in zones]
    parts += [c.format(stamp=kStamp, alarm=kAlarm15) for c in components]
    parts.append("END:VCALENDAR")
    return fold("\n".join(parts))


def vcard(uid, body, colour):
    lines = ["BEGIN:VCARD", "VERSION:3.0", "UID:" + uid, "PRODID:-//easgate//dev seed//EN",
             "REV:" + kStamp, body]
    if colour:
        lines.append("PHOTO;ENCODING=b;TYPE=PNG:" + base64.b64encode(png(colour)).decode())
    lines.append("END:VCARD")
    return fold("\n".join(lines))


class Dav:
    def __init__(self, base, user, password):
        host_port = base.split("://", 1)[1].rstrip("/")
        host, port = host_port.split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        self.auth = "Basic " + token
        self.user = user

    def put(self, collection, name, body, content_type):
        path = "/%s/%s/%s" % (self.user, collection, name)
        self.conn.request("PUT", path, body=body, headers={
            "Authorization": self.auth, "Content-Type": content_type + "; charset=utf-8"})
        response = self.conn.getresponse()
        detail = response.read()
        if response.status not in (201, 204):
            raise RuntimeError("PUT %s: HTTP %d %s" % (path, response.status,
                                                       detail[:200].decode("utf-8", "replace")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:15232")
    parser.add_argument("--user", default="alice")
    parser.add_argument("--password", default="secret")
    args = parser.parse_args()
    dav = Dav(args.base, args.user, args.password)
    try:
        for collection, uid, zones, components in kEvents:
            dav.put(collection, uid + ".ics", calendar_object(zones, components),
                    "text/calendar")
        for uid, body, colour in kContacts:
            dav.put("contacts", uid + ".vcf", vcard(uid, body, colour), "text/vcard")
    except (OSError, RuntimeError, http.client.HTTPException) as error:
        print("seed_dav: %s" % error, file=sys.stderr)
        return 1
    print("seed_dav: %d calendar objects, %d contacts for %s" %
          (len(kEvents), len(kContacts), args.user))
    return 0


if __name__ == "__main__":
    sys.exit(main())
