"""Issue 4 items 9, 11, 12 end to end against the real Dovecot, Postfix and Radicale:
meeting request mails (Email MeetingRequest), SMS items in the Inbox, and 16.x draft Changes.

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

import mailhelpers
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


def prime(client, cid, window=512, options=None):
    """SyncKey 0, then every window: the key after the last one and all Adds seen."""
    r = sync(client, cid, 0)
    key, adds = key_of(r), []
    while True:
        r = sync(client, cid, key, window=window, options=options)
        adds += commands_of(r, "Add")
        key = key_of(r)
        if coll(r).find("{AirSync:}MoreAvailable") is None:
            return key, adds


def text(e, path):
    f = e.find(path)
    return None if f is None else f.text


# --- item 9: meeting requests arriving by mail --------------------------------------------

# The dev stack seeder's Europe/Berlin VTIMEZONE, one copy for every test.
VTIMEZONE = mailhelpers.VTZ_BERLIN

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


# --- item 11: SMS items in the Inbox (MS-ASMS, 14.0+) -------------------------------------

SMS_OPTIONS = ('<Options><Class>SMS</Class><airsyncbase:BodyPreference><airsyncbase:Type>1'
               '</airsyncbase:Type></airsyncbase:BodyPreference></Options>'
               '<Options><airsyncbase:BodyPreference><airsyncbase:Type>1</airsyncbase:Type>'
               '</airsyncbase:BodyPreference></Options>')


def sms_add(client_id, marker, sender="[MOBILE:+14255550100]", read=0):
    return ('<Add><Class>SMS</Class><ClientId>%s</ClientId><ApplicationData>'
            '<email:To>[MOBILE:+14255550199]</email:To><email:From>%s</email:From>'
            '<email:DateReceived>2026-11-27T10:00:00.000Z</email:DateReceived>'
            '<email:Read>%d</email:Read><airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>'
            '<airsyncbase:Data>%s</airsyncbase:Data></airsyncbase:Body></ApplicationData></Add>'
            % (client_id, sender, read, marker))


def inbox_uids_with(conn, marker):
    conn.select("INBOX")
    return conn.uid("SEARCH", None, "BODY", '"%s"' % marker)[1][0].split()


def purge_marker(conn, marker):
    for box in ("INBOX", "Trash"):
        conn.select(box)
        for u in conn.uid("SEARCH", None, "BODY", '"%s"' % marker)[1][0].split():
            conn.uid("STORE", u, "+FLAGS", "(\\Deleted)")
        conn.expunge()


def sms_adds(r):
    """ServerId -> Add element of the SMS items (Class SMS) in a response."""
    return {text(a, "{AirSync:}ServerId"): a for a in commands_of(r, "Add")
            if text(a, "{AirSync:}Class") == "SMS"}


def test_sms_both_ways_in_the_inbox(client_factory):
    marker = "sms-%s" % uuid.uuid4().hex
    conn = imap("bob")
    try:
        phone = client_factory(user="bob@example.test", version="14.1")
        cid, _ = by_type(phone, "2")
        key, _ = prime(phone, cid)
        # The phone uploads a received SMS (unread).
        r = sync(phone, cid, key, commands=sms_add("sms-1", marker + " one"), options=SMS_OPTIONS)
        resp = response_of(r, "Add")
        assert resp and text(resp[0], "{AirSync:}Status") == "1", r.xml
        sid = text(resp[0], "{AirSync:}ServerId")
        uids = inbox_uids_with(conn, marker + " one")
        assert len(uids) == 1
        typ, data = conn.uid("FETCH", uids[0], "(FLAGS INTERNALDATE BODY.PEEK[HEADER])")
        head = data[0][0].decode() + data[0][1].decode()
        assert "X-EAS-Message-Class: IPM.Note.Mobile.SMS" in head
        assert "\\Seen" not in head and "\\Draft" not in head
        assert "27-Nov-2026 10:00:00 +0000" in head
        r = sync(phone, cid, key_of(r), options=SMS_OPTIONS)
        assert sid not in sms_adds(r), "the phone's own SMS echoed back"
        # Read on the phone reaches IMAP.
        r = sync(phone, cid, key_of(r), options=SMS_OPTIONS,
                 commands='<Change><ServerId>%s</ServerId><ApplicationData><email:Read>1'
                          '</email:Read></ApplicationData></Change>' % sid)
        typ, data = conn.uid("FETCH", uids[0], "(FLAGS)")
        assert b"\\Seen" in data[0]
        # Another device gets it as an SMS with the sender as the phone wrote it.
        tablet = client_factory(user="bob@example.test", version="16.1")
        tcid, _ = by_type(tablet, "2")
        tkey, tadds = prime(tablet, tcid, options=SMS_OPTIONS)
        got = [a for a in tadds if text(a, "{AirSync:}Class") == "SMS" and
               marker in (text(a, "{AirSync:}ApplicationData/" + ASB + "Body/" + ASB + "Data") or "")]
        assert len(got) == 1
        data_e = got[0].find("{AirSync:}ApplicationData")
        assert text(data_e, EM + "MessageClass") == "IPM.Note.Mobile.SMS"
        assert text(data_e, EM + "From") == "[MOBILE:+14255550100]"
        assert text(data_e, EM + "Read") == "1"
        # An SMS stored server-side (another device, an SMS gateway) reaches the phone.
        raw = ("From: +14255550111\r\nTo: bob@example.test\r\nSubject: \r\n"
               "X-EAS-Message-Class: IPM.Note.Mobile.SMS\r\nX-EAS-SMS-From: [MOBILE:+14255550111]\r\n"
               "Date: Fri, 27 Nov 2026 11:00:00 +0000\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n%s two\r\n" % marker)
        conn.append("INBOX", None, None, raw.encode())
        r = sync(phone, cid, key_of(r), options=SMS_OPTIONS)
        new = sms_adds(r)
        assert len(new) == 1, r.xml
        (nsid, nadd), = new.items()
        nd = nadd.find("{AirSync:}ApplicationData")
        assert text(nd, EM + "From") == "[MOBILE:+14255550111]"
        assert marker + " two" in text(nd, ASB + "Body/" + ASB + "Data")
        # Delete on the phone: out of the Inbox (DeletesAsMoves: into Trash).
        r = sync(phone, cid, key_of(r), options=SMS_OPTIONS,
                 commands="<Delete><ServerId>%s</ServerId></Delete>" % nsid)
        assert not inbox_uids_with(conn, marker + " two")
    finally:
        purge_marker(conn, marker)
        conn.logout()


def test_sms_sent_from_the_phone_can_go_to_sent_items(client_factory):
    marker = "sms-sent-%s" % uuid.uuid4().hex
    conn = imap("bob")
    try:
        phone = client_factory(user="bob@example.test", version="16.1")
        cid, name = by_type(phone, "5")
        key, _ = prime(phone, cid)
        r = sync(phone, cid, key, commands=sms_add("sms-s", marker, sender="", read=1),
                 options=SMS_OPTIONS)
        resp = response_of(r, "Add")
        assert resp and text(resp[0], "{AirSync:}Status") == "1", r.xml
        conn.select('"%s"' % name)
        uids = conn.uid("SEARCH", None, "BODY", '"%s"' % marker)[1][0].split()
        assert len(uids) == 1
        typ, data = conn.uid("FETCH", uids[0], "(FLAGS BODY.PEEK[HEADER])")
        assert b"\\Seen" in data[0][0] and b"IPM.Note.Mobile.SMS" in data[0][1]
    finally:
        if conn.select('"Sent"')[0] == "OK":
            for u in conn.uid("SEARCH", None, "BODY", '"%s"' % marker)[1][0].split():
                conn.uid("STORE", u, "+FLAGS", "(\\Deleted)")
            conn.expunge()
        conn.logout()


def server_sms(marker):
    return ("From: +14255550122\r\nTo: bob@example.test\r\nSubject: \r\n"
            "X-EAS-Message-Class: IPM.Note.Mobile.SMS\r\nX-EAS-SMS-From: [MOBILE:+14255550122]\r\n"
            "Date: Fri, 27 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n" % marker).encode()


def adds_with(r, marker):
    """Class of each Add in `r` whose body carries `marker` (None: a plain mail)."""
    return [text(a, "{AirSync:}Class") for a in commands_of(r, "Add")
            if marker in (text(a, "{AirSync:}ApplicationData/" + ASB + "Body/" + ASB + "Data")
                          or "")]


def test_sms_only_to_devices_that_ask_for_them(client_factory):
    """MS-ASCMD 2.2.3.125.6 / MS-ASMS: SMS go only to a device whose Options name Class SMS;
    the choice persists while later Syncs send no Options; a device that starts asking gets
    the SMS it lacks as Adds, once (and again for a retried SyncKey)."""
    marker = "sms-opt-%s" % uuid.uuid4().hex
    conn = imap("bob")
    try:
        phone = client_factory(user="bob@example.test", version="14.1")
        tablet = client_factory(user="bob@example.test", version="16.1")
        cid, _ = by_type(phone, "2")
        tcid, _ = by_type(tablet, "2")
        key, _ = prime(phone, cid, options=SMS_OPTIONS)
        tkey, _ = prime(tablet, tcid)
        conn.append("INBOX", None, None, server_sms(marker + " one"))
        conn.append("INBOX", None, None, (
            "From: carol@example.test\r\nTo: bob@example.test\r\nSubject: %s mail\r\n"
            "Date: Fri, 27 Nov 2026 12:01:00 +0000\r\n\r\n%s mail\r\n" % (marker, marker)
        ).encode())
        r = sync(phone, cid, key, options=SMS_OPTIONS)
        assert sorted(adds_with(r, marker), key=str) == sorted(["SMS", None], key=str), r.xml
        key = key_of(r)
        r = sync(tablet, tcid, tkey)
        assert adds_with(r, marker) == [None], r.xml  # the mail, not the SMS
        tkey = key_of(r)
        # A flag change on the SMS it never got does not reach the tablet either.
        uid = inbox_uids_with(conn, marker + " one")[0]
        conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        r = sync(tablet, tcid, tkey, options="")
        assert adds_with(r, marker) == [] and not commands_of(r, "Change"), r.xml
        tkey = key_of(r)
        # Options persist: Syncs without any Options keep each device's choice.
        conn.append("INBOX", None, None, server_sms(marker + " two"))
        r = sync(phone, cid, key, options="")
        assert adds_with(r, marker) == ["SMS"], r.xml
        r = sync(tablet, tcid, tkey, options="")
        assert adds_with(r, marker) == [], r.xml
        tkey = key_of(r)
        # The tablet starts asking for SMS: the two it lacks arrive, once.
        r = sync(tablet, tcid, tkey, options=SMS_OPTIONS)
        assert adds_with(r, marker) == ["SMS", "SMS"], r.xml
        retried = sync(tablet, tcid, tkey, options=SMS_OPTIONS)  # the response was lost
        assert adds_with(retried, marker) == ["SMS", "SMS"], retried.xml
        assert key_of(retried) == key_of(r)
        r = sync(tablet, tcid, key_of(retried), options="")
        assert adds_with(r, marker) == [], r.xml
        conn.append("INBOX", None, None, server_sms(marker + " three"))
        r = sync(tablet, tcid, key_of(r), options="")
        assert adds_with(r, marker) == ["SMS"], r.xml
    finally:
        purge_marker(conn, marker)
        conn.logout()


@pytest.mark.parametrize("version", ["12.1", "14.1"])
def test_sms_refused_where_the_spec_has_none(client_factory, version):
    """MS-ASMS: SMS sync is 14.0+ and lives in the Inbox; elsewhere an SMS Add is Status 6
    and nothing is stored."""
    marker = "sms-no-%s" % uuid.uuid4().hex
    conn = imap("bob")
    try:
        c = client_factory(user="bob@example.test", version=version)
        # 12.1: the Inbox refuses; 14.1: Drafts (not the Inbox) refuses.
        cid, _ = by_type(c, "2" if version == "12.1" else "3")
        key, _ = prime(c, cid)
        r = sync(c, cid, key, commands=sms_add("sms-x", marker))
        resp = response_of(r, "Add")
        assert resp and text(resp[0], "{AirSync:}Status") == "6", r.xml
        assert not inbox_uids_with(conn, marker)
    finally:
        purge_marker(conn, marker)
        conn.logout()


# --- MIME bodies: BodyPreference TruncationSize vs MIMETruncation ---------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_mime_body_is_cut_by_the_type4_truncation_size(client_factory, version):
    """MS-ASAIRS 2.2.2.40.2 (12.0+): the Type 4 BodyPreference TruncationSize cuts the MIME
    body; MIMETruncation (MS-ASCMD 2.2.3.111, whose MIMEData result is 2.5 only) does not
    override it, and applies only when the preference has no TruncationSize."""
    marker = "mime-trunc-%s" % uuid.uuid4().hex
    conn = imap("bob")
    try:
        c = client_factory(user="bob@example.test", version=version)
        cid, _ = by_type(c, "2")
        key, _ = prime(c, cid)
        raw = ("From: carol@example.test\r\nTo: bob@example.test\r\nSubject: %s\r\n"
               "Date: Fri, 27 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
               % (marker, "line of text %s\r\n" % marker * 400))
        conn.append("INBOX", None, None, raw.encode())

        def options(truncation_size, mime_truncation):
            size = ("<airsyncbase:TruncationSize>%d</airsyncbase:TruncationSize>" % truncation_size
                    if truncation_size is not None else "")
            return ("<Options><MIMESupport>2</MIMESupport><MIMETruncation>%d</MIMETruncation>"
                    "<airsyncbase:BodyPreference><airsyncbase:Type>4</airsyncbase:Type>%s"
                    "</airsyncbase:BodyPreference></Options>" % (mime_truncation, size))

        def body(r):
            adds = [a for a in commands_of(r, "Add")
                    if text(a, "{AirSync:}ApplicationData/" + EM + "Subject") == marker]
            assert len(adds) == 1, r.xml
            b = adds[0].find("{AirSync:}ApplicationData/" + ASB + "Body")
            return text(b, ASB + "Type"), text(b, ASB + "Truncated"), text(b, ASB + "Data") or ""

        # MIMETruncation 8 (whole MIME) with TruncationSize 300: cut at 300.
        r = sync(c, cid, key, options=options(300, 8))
        typ, truncated, data = body(r)
        assert typ == "4" and truncated == "1" and 0 < len(data.encode()) <= 300, (typ, truncated)
        assert data.startswith("From: carol@example.test")
        # The retried SyncKey with TruncationSize 100000 and MIMETruncation 1 (4096): whole.
        r = sync(c, cid, key, options=options(100000, 1))
        typ, truncated, data = body(r)
        assert typ == "4" and truncated in (None, "0") and len(data) > 8000
        # No TruncationSize: MIMETruncation 1 (4,096 characters) applies.
        r = sync(c, cid, key, options=options(None, 1))
        typ, truncated, data = body(r)
        assert typ == "4" and truncated == "1" and 0 < len(data.encode()) <= 4096
    finally:
        purge(conn, "INBOX", marker)
        conn.logout()


# --- item 12: draft Change and attachment removal (16.0+) ---------------------------------

def draft_add(client_id, subject, body, attachments=""):
    return ('<Add><ClientId>%s</ClientId><ApplicationData>'
            '<email:To>carol@example.test</email:To><email:Subject>%s</email:Subject>'
            '<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>'
            '<airsyncbase:Data>%s</airsyncbase:Data></airsyncbase:Body>%s'
            '</ApplicationData></Add>' % (client_id, subject, body, attachments))


def attachment_add(client_id, name, content):
    return ('<airsyncbase:Add><airsyncbase:ClientId>%s</airsyncbase:ClientId>'
            '<airsyncbase:DisplayName>%s</airsyncbase:DisplayName>'
            '<airsyncbase:Content>%s</airsyncbase:Content><airsyncbase:Method>1</airsyncbase:Method>'
            '<airsyncbase:ContentType>text/plain</airsyncbase:ContentType></airsyncbase:Add>'
            % (client_id, name, content))


def drafts_by_subject(conn, mailbox, subject):
    conn.select('"%s"' % mailbox)
    return conn.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)[1][0].split()


def test_draft_change_reappends_keeps_server_id_and_removes_an_attachment(client_factory):
    tag = uuid.uuid4().hex
    subject, subject2 = "draft %s" % tag, "draft changed %s" % tag
    conn = imap("bob")
    c = client_factory(user="bob@example.test", version="16.1")
    cid, name = by_type(c, "3")
    try:
        key, _ = prime(c, cid)
        atts = ("<airsyncbase:Attachments>%s%s</airsyncbase:Attachments>"
                % (attachment_add("a1", "keep.txt", "kept bytes"),
                   attachment_add("a2", "drop.txt", "dropped bytes")))
        r = sync(c, cid, key, commands=draft_add("d1", subject, "First words.", atts))
        resp = response_of(r, "Add")
        assert text(resp[0], "{AirSync:}Status") == "1", r.xml
        sid = text(resp[0], "{AirSync:}ServerId")
        # MS-ASAIRS 2.2.2.14: the response names each added attachment's FileReference.
        added = {text(a, ASB + "ClientId"): text(a, ASB + "FileReference") for a in resp[0].findall(
            "{AirSync:}ApplicationData/" + ASB + "Attachments/" + ASB + "Attachment")}
        assert set(added) == {"a1", "a2"}, r.xml
        old_uids = drafts_by_subject(conn, name, subject)
        assert len(old_uids) == 1
        # The device learns the attachments' FileReferences by fetching its draft.
        r = sync(c, cid, key_of(r), commands="<Fetch><ServerId>%s</ServerId></Fetch>" % sid)
        fetched = response_of(r, "Fetch")[0].find("{AirSync:}ApplicationData")
        refs = {text(a, ASB + "DisplayName"): text(a, ASB + "FileReference")
                for a in fetched.findall(ASB + "Attachments/" + ASB + "Attachment")}
        assert set(refs) == {"keep.txt", "drop.txt"}, r.xml
        assert refs == {"keep.txt": added["a1"], "drop.txt": added["a2"]}
        change = ('<Change><ServerId>%s</ServerId><ApplicationData>'
                  '<email:To>dave@example.test</email:To><email:Subject>%s</email:Subject>'
                  '<email:Flag><email:Status>2</email:Status><email:FlagType>Follow up'
                  '</email:FlagType></email:Flag>'
                  '<email:Categories><email:Category>Work</email:Category></email:Categories>'
                  '<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>'
                  '<airsyncbase:Data>Second words.</airsyncbase:Data></airsyncbase:Body>'
                  '<airsyncbase:Attachments><airsyncbase:Delete><airsyncbase:FileReference>%s'
                  '</airsyncbase:FileReference></airsyncbase:Delete>%s</airsyncbase:Attachments>'
                  '</ApplicationData></Change>'
                  % (sid, subject2, refs["drop.txt"], attachment_add("a3", "new.txt", "new bytes")))
        r = sync(c, cid, key_of(r), commands=change)
        # Answered only because it added an attachment: its ClientId and FileReference.
        resp = response_of(r, "Change")
        assert len(resp) == 1 and text(resp[0], "{AirSync:}Status") == "1", r.xml
        assert text(resp[0], "{AirSync:}ServerId") == sid
        new_att = resp[0].findall("{AirSync:}ApplicationData/" + ASB + "Attachments/" + ASB + "Attachment")
        assert [text(a, ASB + "ClientId") for a in new_att] == ["a3"], r.xml
        new_ref = text(new_att[0], ASB + "FileReference")
        assert new_ref.startswith(sid + ":")
        assert not drafts_by_subject(conn, name, subject), "the old draft stayed"
        new_uids = drafts_by_subject(conn, name, subject2)
        assert len(new_uids) == 1 and new_uids != old_uids
        typ, data = conn.uid("FETCH", new_uids[0], "(FLAGS BODY.PEEK[])")
        raw = data[0][1].decode("utf-8", "replace")
        assert b"\\Draft" in data[0][0] and b"\\Flagged" in data[0][0] and b"Work" in data[0][0]
        assert "Second words." in raw and "dave@example.test" in raw
        assert "keep.txt" in raw and "drop.txt" not in raw and "new.txt" in raw
        # Same ServerId, no echo of the new UID nor a Delete of the old one.
        r = sync(c, cid, key_of(r))
        assert not commands_of(r, "Add") and not commands_of(r, "Delete"), r.xml
        r = sync(c, cid, key_of(r), commands="<Fetch><ServerId>%s</ServerId></Fetch>" % sid)
        got = response_of(r, "Fetch")[0]
        assert text(got, "{AirSync:}Status") == "1", r.xml
        assert text(got, "{AirSync:}ApplicationData/" + EM + "Subject") == subject2
        now = {text(a, ASB + "DisplayName"): text(a, ASB + "FileReference") for a in got.findall(
            "{AirSync:}ApplicationData/" + ASB + "Attachments/" + ASB + "Attachment")}
        assert now.get("new.txt") == new_ref and "drop.txt" not in now, r.xml
        # A second Change with Send: submitted, copied to Sent, removed from Drafts.
        change = ('<Change><ServerId>%s</ServerId><ApplicationData>'
                  '<email:To>bob@example.test</email:To><email2:Send/></ApplicationData></Change>'
                  % sid)
        r = sync(c, cid, key_of(r), commands=change)
        assert not response_of(r, "Change"), r.xml
        assert wait_uids(conn, "INBOX", subject2), "the changed draft was not delivered"
        assert drafts_by_subject(conn, "Sent", subject2)
        assert not drafts_by_subject(conn, name, subject2)
        r = sync(c, cid, key_of(r))
        assert sid in [text(d, "{AirSync:}ServerId") for d in commands_of(r, "Delete")], r.xml
    finally:
        for box in ("INBOX", "Sent", name):
            purge(conn, box, tag)
        conn.logout()


def test_draft_change_refused_before_16_and_for_unknown_attachment(client_factory):
    tag = uuid.uuid4().hex
    subject = "draft keep %s" % tag
    conn = imap("bob")
    c16 = client_factory(user="bob@example.test", version="16.1")
    cid, name = by_type(c16, "3")
    try:
        key, _ = prime(c16, cid)
        r = sync(c16, cid, key, commands=draft_add("d1", subject, "Stay."))
        sid = text(response_of(r, "Add")[0], "{AirSync:}ServerId")
        uids = drafts_by_subject(conn, name, subject)
        # A FileReference that names no attachment of this draft: Status 6, draft untouched.
        bad = ('<Change><ServerId>%s</ServerId><ApplicationData><airsyncbase:Attachments>'
               '<airsyncbase:Delete><airsyncbase:FileReference>%s:9</airsyncbase:FileReference>'
               '</airsyncbase:Delete></airsyncbase:Attachments></ApplicationData></Change>' % (sid, sid))
        r = sync(c16, cid, key_of(r), commands=bad)
        resp = response_of(r, "Change")
        assert resp and text(resp[0], "{AirSync:}Status") == "6", r.xml
        assert drafts_by_subject(conn, name, subject) == uids
        # 14.1: a draft's content is not the device's to change.
        c14 = client_factory(user="bob@example.test", version="14.1")
        cid14, _ = by_type(c14, "3")
        key14, adds = prime(c14, cid14)
        sid14 = [text(a, "{AirSync:}ServerId") for a in adds
                 if text(a, "{AirSync:}ApplicationData/" + EM + "Subject") == subject][0]
        change = ('<Change><ServerId>%s</ServerId><ApplicationData><email:Subject>changed %s'
                  '</email:Subject></ApplicationData></Change>' % (sid14, subject))
        r = sync(c14, cid14, key14, commands=change)
        resp = response_of(r, "Change")
        assert resp and text(resp[0], "{AirSync:}Status") == "6", r.xml
        assert drafts_by_subject(conn, name, subject) == uids
    finally:
        purge(conn, name, tag)
        conn.logout()
