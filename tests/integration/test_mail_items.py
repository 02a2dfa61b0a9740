"""Issue 4 item 9 end to end against the real Dovecot, Postfix and Radicale: meeting request
mails (Email MeetingRequest).

Every test works on uniquely named folders, subjects and calendar objects and removes them
afterwards; alice's seeded mail is only read.
"""
import base64
import imaplib
import smtplib
import struct
import time
import uuid

import pytest

from test_dav_sync import Dav, bob_inbox_find

AS = "AirSync"
FH = "FolderHierarchy"
EM = "{Email:}"
EM2 = "{Email2:}"
ASB = "{AirSyncBase:}"
VERSIONS = ["12.1", "14.1", "16.1"]


def imap(user="alice"):
    conn = imaplib.IMAP4("127.0.0.1", 10143, timeout=30)
    conn.login(user, "secret")
    return conn


def wait_uids(conn, mailbox, subject, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        conn.select('"%s"' % mailbox)
        uids = conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)[1][0].split()
        if uids:
            return uids
        time.sleep(0.3)
    return []


def purge(conn, mailbox, subject):
    if conn.select('"%s"' % mailbox)[0] != "OK":
        return
    for u in conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)[1][0].split():
        conn.uid("STORE", u, "+FLAGS", "(\\Deleted)")
    conn.expunge()


def folders(client):
    r = client.folder_sync(0)
    assert r.status == 200
    return {a.find("{FolderHierarchy:}DisplayName").text:
            (a.find("{FolderHierarchy:}ServerId").text, a.find("{FolderHierarchy:}Type").text)
            for a in r.findall("Changes/Add", FH)}


def by_type(client, type_):
    for name, (sid, t) in folders(client).items():
        if t == type_:
            return sid, name
    raise AssertionError("no folder of type %s" % type_)


def coll(r):
    return r.root.find("{AirSync:}Collections/{AirSync:}Collection")


def key_of(r):
    return coll(r).find("{AirSync:}SyncKey").text


def sync(client, cid, key, commands="", window=100, options=None, extra=""):
    if options is None:
        options = ('<Options><airsyncbase:BodyPreference><airsyncbase:Type>1</airsyncbase:Type>'
                   '</airsyncbase:BodyPreference></Options>')
    if str(key) == "0":
        xml = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey>'
               '<CollectionId>%s</CollectionId></Collection></Collections></Sync>' % cid)
    else:
        xml = ('<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:" xmlns:email="Email:" '
               'xmlns:email2="Email2:"><Collections><Collection><SyncKey>%s</SyncKey>'
               '<CollectionId>%s</CollectionId><GetChanges>1</GetChanges>'
               '<WindowSize>%d</WindowSize>%s%s%s</Collection></Collections></Sync>'
               % (key, cid, window, extra, options,
                  ("<Commands>%s</Commands>" % commands) if commands else ""))
    r = client.command("Sync", xml)
    assert r.status == 200, r.body
    assert coll(r).find("{AirSync:}Status").text == "1", r.xml
    return r


def commands_of(r, op):
    return coll(r).findall("{AirSync:}Commands/{AirSync:}%s" % op)


def response_of(r, op):
    return coll(r).findall("{AirSync:}Responses/{AirSync:}%s" % op)


def prime(client, cid, window=512):
    """SyncKey 0, then every window: the key after the last one and all Adds seen."""
    r = sync(client, cid, 0)
    key, adds = key_of(r), []
    while True:
        r = sync(client, cid, key, window=window)
        adds += commands_of(r, "Add")
        key = key_of(r)
        if coll(r).find("{AirSync:}MoreAvailable") is None:
            return key, adds


def text(e, path):
    f = e.find(path)
    return None if f is None else f.text


# --- item 9: meeting requests arriving by mail --------------------------------------------

VTIMEZONE = """BEGIN:VTIMEZONE
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
END:VTIMEZONE
"""

EVENT = """BEGIN:VEVENT
UID:{uid}
SEQUENCE:{seq}
DTSTAMP:20261120T080000Z
DTSTART;TZID=Europe/Berlin:20301205T100000
DTEND;TZID=Europe/Berlin:20301205T113000
RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20310227T090000Z
SUMMARY:{summary}
LOCATION:Room 7
CLASS:PRIVATE
ORGANIZER;CN=Bob Builder:mailto:bob@example.test
ATTENDEE;CN=Bob Builder;PARTSTAT=ACCEPTED:mailto:bob@example.test
ATTENDEE;CN=Alice;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@example.test
X-MICROSOFT-DISALLOW-COUNTER:TRUE
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:reminder
TRIGGER:-PT15M
END:VALARM
END:VEVENT
"""


def calendar(method, uid, summary, seq=0):
    return ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//easgate tests//EN\n"
            + ("METHOD:%s\n" % method if method else "") + VTIMEZONE
            + EVENT.format(uid=uid, seq=seq, summary=summary) + "END:VCALENDAR\n")


def invitation(method, uid, summary, subject, seq=0):
    ics = calendar(method, uid, summary, seq).replace("\n", "\r\n")
    return ("From: Bob Builder <bob@example.test>\r\nTo: Alice <alice@example.test>\r\n"
            "Subject: %s\r\nMessage-ID: <%s.%s@example.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/alternative; boundary=b1\r\n\r\n--b1\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nPlease come.\r\n--b1\r\n"
            "Content-Type: text/calendar; charset=utf-8; method=%s\r\n\r\n%s\r\n--b1--\r\n"
            % (subject, method.lower(), uid, method, ics))


def vcal_uid_of(global_obj_id):
    raw = base64.b64decode(global_obj_id)
    assert raw[:16] == bytes.fromhex("040000008200E00074C5B7101A82E008")
    count = struct.unpack("<I", raw[36:40])[0]
    data = raw[40:40 + count]
    assert data[:8] == b"vCal-Uid" and data[-1:] == b"\0"
    return data[12:-1].decode()


@pytest.fixture
def meeting_folder():
    """A unique folder holding a REQUEST and a CANCEL for the same weekly meeting, both
    delivered to alice over SMTP (Postfix -> LMTP -> Dovecot) and moved there over IMAP."""
    uid = uuid.uuid4().hex
    summary = "Weekly " + uid[:8]
    folder = "it-meet-%s" % uid[:8]
    subjects = {"REQUEST": "Invitation: " + summary, "CANCEL": "Canceled: " + summary}
    conn = imap()
    conn.create(folder)
    with smtplib.SMTP("127.0.0.1", 10025, timeout=30) as s:
        for method, subject in subjects.items():
            s.sendmail("bob@example.test", ["alice@example.test"],
                       invitation(method, uid, summary, subject, 0 if method == "REQUEST" else 1))
    for subject in subjects.values():
        uids = wait_uids(conn, "INBOX", subject)
        assert uids, "the invitation was not delivered"
        conn.uid("MOVE", uids[0], '"%s"' % folder)
    yield folder, uid, summary, subjects
    conn.select()
    conn.delete('"%s"' % folder)
    for box in ("INBOX", "Trash", "Deleted Items", "Deleted Messages"):
        for subject in subjects.values():
            purge(conn, box, subject)
    conn.logout()


@pytest.mark.parametrize("version", VERSIONS)
def test_meeting_request_mail_carries_every_meeting_element(client_factory, meeting_folder,
                                                           version):
    folder, uid, summary, subjects = meeting_folder
    c = client_factory(version=version)
    cid = folders(c)[folder][0]
    key, adds = prime(c, cid)
    items = {text(a, "{AirSync:}ApplicationData/" + EM + "Subject"): a for a in adds}
    req = items[subjects["REQUEST"]].find("{AirSync:}ApplicationData")
    assert text(req, EM + "MessageClass") == "IPM.Schedule.Meeting.Request"
    assert text(req, EM + "ContentClass") == "urn:content-classes:calendarmessage"
    mr = req.find(EM + "MeetingRequest")
    assert mr is not None, "no MeetingRequest"
    assert text(mr, EM + "AllDayEvent") == "0"
    # 10:00 Berlin (CET) is 09:00 UTC.
    assert text(mr, EM + "StartTime") == "2030-12-05T09:00:00.000Z"
    assert text(mr, EM + "EndTime") == "2030-12-05T10:30:00.000Z"
    assert text(mr, EM + "DTStamp") == "2026-11-20T08:00:00.000Z"
    assert text(mr, EM + "InstanceType") == "1"
    assert text(mr, EM + "Organizer") == '"Bob Builder" <bob@example.test>'
    assert text(mr, EM + "Reminder") == "900"
    assert text(mr, EM + "ResponseRequested") == "1"
    assert text(mr, EM + "Sensitivity") == "2"
    assert text(mr, EM + "BusyStatus") == "2"
    assert mr.find(EM + "RecurrenceId") is None
    rec = mr.find(EM + "Recurrences/" + EM + "Recurrence")
    assert rec is not None
    rtext = {child.tag.split("}")[1]: child.text for child in rec}
    assert rtext["Recurrence_Type"] == "1" and rtext["Recurrence_Interval"] == "1"
    assert rtext["Recurrence_DayOfWeek"] == "16"
    assert rtext["Recurrence_Until"].startswith("2031-02-27T09:00:00")
    tz = base64.b64decode(text(mr, EM + "TimeZone"))
    assert len(tz) == 172 and struct.unpack("<i", tz[:4])[0] == -60
    assert struct.unpack("<i", tz[168:172])[0] == -60  # DaylightBias
    assert vcal_uid_of(text(mr, EM + "GlobalObjId")) == uid
    if version >= "16":
        assert mr.find(EM + "Location") is None
        assert text(mr, ASB + "Location/" + ASB + "DisplayName") == "Room 7"
    else:
        assert text(mr, EM + "Location") == "Room 7"
    if version >= "14":
        assert text(mr, EM + "DisallowNewTimeProposal") == "1"
        assert text(mr, EM2 + "MeetingMessageType") == "1"
    else:
        assert mr.find(EM2 + "MeetingMessageType") is None
    # The cancellation: its class, and a MeetingRequest that asks for no answer.
    can = items[subjects["CANCEL"]].find("{AirSync:}ApplicationData")
    assert text(can, EM + "MessageClass") == "IPM.Schedule.Meeting.Canceled"
    cmr = can.find(EM + "MeetingRequest")
    assert cmr is not None and text(cmr, EM + "ResponseRequested") == "0"
    if version >= "14":
        assert text(cmr, EM2 + "MeetingMessageType") == "0"


def test_meeting_request_mail_can_be_answered_with_meeting_response(client_factory,
                                                                   meeting_folder):
    folder, uid, summary, subjects = meeting_folder
    dav = Dav()
    name = "it-meet-%s" % uid[:6]
    coll_path = dav.make("calendar", name)
    try:
        # The calendar copy server-side scheduling would have made, found by its UID.
        path = coll_path + uid + ".ics"
        dav.put(path, calendar(None, uid, summary))
        c = client_factory(version="16.1")
        ids = folders(c)
        cid, cal_cid = ids[folder][0], ids[name][0]
        key, adds = prime(c, cid)
        sid = [text(a, "{AirSync:}ServerId") for a in adds
               if text(a, "{AirSync:}ApplicationData/" + EM + "Subject") == subjects["REQUEST"]][0]
        xml = ('<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>1</UserResponse>'
               '<CollectionId>%s</CollectionId><RequestId>%s</RequestId><SendResponse/></Request>'
               '</MeetingResponse>' % (cid, sid))
        resp = c.command("MeetingResponse", xml)
        assert resp.status == 200, resp.body
        assert resp.find("Result/Status", "MeetingResponse") == "1", resp.xml
        st, ics = dav.get(path)
        alice = [l for l in ics.splitlines() if "alice@example.test" in l]
        assert alice and "PARTSTAT=ACCEPTED" in alice[0], ics
        reply = bob_inbox_find("Accepted: " + summary)
        assert reply is not None and "METHOD:REPLY" in reply.replace("\r\n ", "")
    finally:
        dav.delete(coll_path)
