"""Issue 5: Calendar, Contacts and Tasks collections in Sync, end to end: the real gateway
against real Radicale.

Every test makes its own uniquely named collection under /alice/ (MKCALENDAR / extended
MKCOL over plain HTTP), works in it and deletes it afterwards; alice's seeded collections
are only read by FolderSync.
"""
import base64
import http.client
import re
import uuid

import pytest

AS = "AirSync"
FH = "FolderHierarchy"
VERSIONS = ["12.1", "14.1", "16.1"]
DAV = ("127.0.0.1", 15232)


class Dav:
    """A minimal WebDAV client, independent of the gateway's."""

    def __init__(self, user="alice"):
        self.user = user
        self.auth = "Basic " + base64.b64encode(("%s:secret" % user).encode()).decode()

    def req(self, method, path, body=b"", headers=None):
        c = http.client.HTTPConnection(*DAV, timeout=30)
        h = {"Authorization": self.auth}
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        out = (r.status, {k.lower(): v for k, v in r.getheaders()}, data.decode("utf-8", "replace"))
        c.close()
        return out

    def make(self, kind, name, path=None):
        path = path or "/%s/%s/" % (self.user, uuid.uuid4().hex[:12])
        if kind == "contacts":
            body = ('<?xml version="1.0"?><D:mkcol xmlns:D="DAV:" '
                    'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype>'
                    '<D:collection/><C:addressbook/></D:resourcetype><D:displayname>%s'
                    '</D:displayname></D:prop></D:set></D:mkcol>' % name)
            st = self.req("MKCOL", path, body.encode(), {"Content-Type": "application/xml"})[0]
        else:
            comp = {"tasks": "VTODO", "notes": "VJOURNAL"}.get(kind, "VEVENT")
            body = ('<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" '
                    'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>%s'
                    '</D:displayname><C:supported-calendar-component-set><C:comp name="%s"/>'
                    '</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>'
                    % (name, comp))
            st = self.req("MKCALENDAR", path, body.encode(), {"Content-Type": "application/xml"})[0]
        assert st in (200, 201), st
        return path

    def put(self, path, text, etag=None):
        ct = "text/vcard" if path.endswith(".vcf") else "text/calendar"
        h = {"Content-Type": ct + "; charset=utf-8"}
        if etag:
            h["If-Match"] = etag
        st, headers, _ = self.req("PUT", path, text.replace("\n", "\r\n").encode(), h)
        assert st in (201, 204), st
        return headers.get("etag")

    def get(self, path):
        st, headers, body = self.req("GET", path)
        return st, body.replace("\r\n ", "").replace("\r\n", "\n")

    def members(self, coll):
        st, _, body = self.req("PROPFIND", coll, b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:">'
                               b'<D:prop><D:getetag/></D:prop></D:propfind>', {"Depth": "1"})
        hrefs = re.findall(r"<(?:\w+:)?href>([^<]+)</(?:\w+:)?href>", body)
        return [h for h in hrefs if h.rstrip("/") != coll.rstrip("/")]

    def delete(self, path):
        return self.req("DELETE", path)[0]


@pytest.fixture
def dav():
    d = Dav()
    made = []
    orig = d.make

    def make(kind, name, path=None):
        p = orig(kind, name, path)
        made.append(p)
        return p
    d.make = make
    yield d
    for p in made:
        d.delete(p)


def collection_id(client, name):
    r = client.folder_sync(0)
    assert r.status == 200
    for add in r.findall("Changes/Add", FH):
        if add.find("{FolderHierarchy:}DisplayName").text == name:
            return add.find("{FolderHierarchy:}ServerId").text, add.find("{FolderHierarchy:}Type").text
    raise AssertionError("collection %s not in FolderSync: %s" % (name, r.xml))


def sync(client, cid, key, commands="", window=100, extra="", cls=None):
    ns = ('xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:" xmlns:cal="Calendar:" '
          'xmlns:con="Contacts:" xmlns:task="Tasks:" xmlns:notes="Notes:" '
          'xmlns:con2="Contacts2:"')
    if str(key) == "0":
        xml = ('<Sync %s><Collections><Collection>%s<SyncKey>0</SyncKey><CollectionId>%s'
               '</CollectionId></Collection></Collections></Sync>'
               % (ns, "<Class>%s</Class>" % cls if cls and client.version < "14" else "", cid))
    else:
        xml = ('<Sync %s><Collections><Collection>%s<SyncKey>%s</SyncKey><CollectionId>%s'
               '</CollectionId><GetChanges>1</GetChanges><WindowSize>%d</WindowSize>%s%s'
               '</Collection></Collections></Sync>'
               % (ns, "<Class>%s</Class>" % cls if cls and client.version < "14" else "", key,
                  cid, window, extra, ("<Commands>%s</Commands>" % commands) if commands else ""))
    r = client.command("Sync", xml)
    assert r.status == 200, r.body
    return r


def coll(r):
    return r.root.find("{AirSync:}Collections/{AirSync:}Collection")


def key_of(r):
    return coll(r).find("{AirSync:}SyncKey").text


def status_of(r):
    return coll(r).find("{AirSync:}Status").text


def cmds(r, op):
    return coll(r).findall("{AirSync:}Commands/{AirSync:}%s" % op)


def data(e, ns, name):
    x = e.find("{AirSync:}ApplicationData/{%s:}%s" % (ns, name))
    return None if x is None else x.text


def prime(client, cid, cls):
    r = sync(client, cid, 0, cls=cls)
    assert status_of(r) == "1" and key_of(r) == "1", r.xml
    return sync(client, cid, "1", cls=cls)


EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//easgate tests//EN
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20260101T000000Z
DTSTART:20300115T100000Z
DTEND:20300115T113000Z
SUMMARY:{summary}
LOCATION:Room 7
X-EASGATE-TEST:keep me
END:VEVENT
END:VCALENDAR
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_event_created_over_caldav_appears_with_its_fields(client_factory, dav, version):
    name = "it-cal-%s" % uuid.uuid4().hex[:6]
    coll_path = dav.make("calendar", name)
    c = client_factory(version=version)
    cid, typ = collection_id(c, name)
    assert typ == "13"
    r = prime(c, cid, "Calendar")
    assert status_of(r) == "1" and not cmds(r, "Add")
    uid = uuid.uuid4().hex
    dav.put(coll_path + uid + ".ics", EVENT.format(uid=uid, summary="Planning " + uid[:6]))
    r = sync(c, cid, key_of(r), cls="Calendar")
    assert status_of(r) == "1", r.xml
    adds = cmds(r, "Add")
    assert len(adds) == 1, r.xml
    assert data(adds[0], "Calendar", "Subject") == "Planning " + uid[:6]
    assert data(adds[0], "Calendar", "StartTime") == "20300115T100000Z"
    assert data(adds[0], "Calendar", "EndTime") == "20300115T113000Z"
    assert data(adds[0], "Calendar", "UID") == uid
    if version < "16.0":
        assert data(adds[0], "Calendar", "Location") == "Room 7"
    # Nothing new: same key, no commands (no echo, no resend).
    key = key_of(r)
    r = sync(c, cid, key, cls="Calendar")
    assert key_of(r) == key and not cmds(r, "Add") and not cmds(r, "Change")
    # Deleted on the server -> Delete to the device.
    sid = adds[0].find("{AirSync:}ServerId").text
    assert dav.delete(coll_path + uid + ".ics") in (200, 204)
    r = sync(c, cid, key, cls="Calendar")
    assert [d.find("{AirSync:}ServerId").text for d in cmds(r, "Delete")] == [sid]


CARD = """BEGIN:VCARD
VERSION:3.0
UID:{uid}
FN:Dana Example
N:Example;Dana;;;
EMAIL;TYPE=INTERNET:dana@example.test
X-SOCIALPROFILE;TYPE=twitter:https://example.test/dana
NOTE:first note
END:VCARD
"""


@pytest.mark.parametrize("version", ["12.1", "16.1"])
def test_contact_changed_on_device_keeps_unknown_vcard_properties(client_factory, dav, version):
    name = "it-con-%s" % uuid.uuid4().hex[:6]
    coll_path = dav.make("contacts", name)
    uid = uuid.uuid4().hex
    dav.put(coll_path + uid + ".vcf", CARD.format(uid=uid))
    c = client_factory(version=version)
    cid, typ = collection_id(c, name)
    assert typ == "14"
    r = prime(c, cid, "Contacts")
    adds = cmds(r, "Add")
    assert len(adds) == 1, r.xml
    assert data(adds[0], "Contacts", "Email1Address") is not None
    assert data(adds[0], "Contacts", "LastName") == "Example"
    sid = adds[0].find("{AirSync:}ServerId").text
    change = ('<Change><ServerId>%s</ServerId><ApplicationData><con:FirstName>Dana'
              '</con:FirstName><con:LastName>Example</con:LastName><con:JobTitle>Engineer'
              '</con:JobTitle><con:Email1Address>dana@example.test</con:Email1Address>'
              '</ApplicationData></Change>' % sid)
    r = sync(c, cid, key_of(r), commands=change, cls="Contacts")
    assert status_of(r) == "1", r.xml
    assert not cmds(r, "Change"), "the device's own change was echoed: " + r.xml
    st, card = dav.get(coll_path + uid + ".vcf")
    assert st == 200
    assert "TITLE:Engineer" in card
    assert "X-SOCIALPROFILE;TYPE=twitter:https://example.test/dana" in card
    assert "UID:" + uid in card


@pytest.mark.parametrize("version", VERSIONS)
def test_task_round_trip(client_factory, dav, version):
    name = "it-task-%s" % uuid.uuid4().hex[:6]
    coll_path = dav.make("tasks", name)
    c = client_factory(version=version)
    cid, typ = collection_id(c, name)
    assert typ == "15"
    r = prime(c, cid, "Tasks")
    add = ('<Add><ClientId>c1</ClientId><ApplicationData><task:Subject>Buy milk</task:Subject>'
           '<task:Importance>2</task:Importance><task:Complete>0</task:Complete>'
           '<task:DueDate>2030-02-01T12:00:00.000Z</task:DueDate></ApplicationData></Add>')
    r = sync(c, cid, key_of(r), commands=add, cls="Tasks")
    assert status_of(r) == "1", r.xml
    resp = coll(r).findall("{AirSync:}Responses/{AirSync:}Add")
    assert len(resp) == 1 and resp[0].find("{AirSync:}Status").text == "1", r.xml
    sid = resp[0].find("{AirSync:}ServerId").text
    assert not cmds(r, "Add"), "the device's own Add was echoed"
    hrefs = [h for h in dav.members(coll_path) if h.endswith(".ics")]
    assert len(hrefs) == 1
    st, ics = dav.get(hrefs[0])
    assert "BEGIN:VTODO" in ics and "SUMMARY:Buy milk" in ics
    # Completed on the server -> Change with Complete 1.
    ics = ics.replace("SUMMARY:Buy milk", "SUMMARY:Buy oat milk")
    ics = ics.replace("END:VTODO", "STATUS:COMPLETED\nCOMPLETED:20300101T090000Z\nEND:VTODO")
    dav.put(hrefs[0], ics)
    key = key_of(r)
    r = sync(c, cid, key, cls="Tasks")
    ch = cmds(r, "Change")
    assert len(ch) == 1 and ch[0].find("{AirSync:}ServerId").text == sid, r.xml
    assert data(ch[0], "Tasks", "Subject") == "Buy oat milk"
    assert data(ch[0], "Tasks", "Complete") == "1"
    # Deleted on the device -> gone on the server.
    r = sync(c, cid, key_of(r), commands="<Delete><ServerId>%s</ServerId></Delete>" % sid, cls="Tasks")
    assert status_of(r) == "1"
    assert dav.get(hrefs[0])[0] == 404


@pytest.mark.parametrize("conflict", [None, "1", "0"])
def test_conflict_follows_the_conflict_option(client_factory, dav, conflict):
    name = "it-cfl-%s" % uuid.uuid4().hex[:6]
    coll_path = dav.make("calendar", name)
    uid = uuid.uuid4().hex
    path = coll_path + uid + ".ics"
    dav.put(path, EVENT.format(uid=uid, summary="Original"))
    c = client_factory(version="14.1")
    cid, _ = collection_id(c, name)
    r = prime(c, cid, "Calendar")
    sid = cmds(r, "Add")[0].find("{AirSync:}ServerId").text
    # The server changes the event meanwhile.
    dav.put(path, EVENT.format(uid=uid, summary="Server edit"))
    change = ('<Change><ServerId>%s</ServerId><ApplicationData><cal:Subject>Device edit'
              '</cal:Subject><cal:StartTime>20300115T100000Z</cal:StartTime><cal:EndTime>'
              '20300115T113000Z</cal:EndTime><cal:TimeZone>' % sid +
              base64.b64encode(b"\0" * 172).decode() +
              '</cal:TimeZone><cal:BusyStatus>2</cal:BusyStatus></ApplicationData></Change>')
    opt = "<Options><Conflict>%s</Conflict></Options>" % conflict if conflict else ""
    r = sync(c, cid, key_of(r), commands=change, extra=opt, cls="Calendar")
    assert status_of(r) == "1", r.xml
    st, ics = dav.get(path)
    resp = coll(r).findall("{AirSync:}Responses/{AirSync:}Change")
    if conflict == "0":
        assert "SUMMARY:Device edit" in ics
        assert "X-EASGATE-TEST:keep me" in ics
        assert not resp or resp[0].find("{AirSync:}Status").text == "1"
    else:
        # Server wins: Status 7 and the server's version comes back.
        assert "SUMMARY:Server edit" in ics
        assert resp and resp[0].find("{AirSync:}Status").text == "7", r.xml
        ch = cmds(r, "Change")
        assert len(ch) == 1 and data(ch[0], "Calendar", "Subject") == "Server edit", r.xml


SERIES = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//easgate tests//EN
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20260101T000000Z
DTSTART:20300107T090000Z
DTEND:20300107T093000Z
SUMMARY:Standup
RRULE:FREQ=DAILY;COUNT=10
EXDATE:20300109T090000Z
END:VEVENT
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20260101T000000Z
RECURRENCE-ID:20300110T090000Z
DTSTART:20300110T110000Z
DTEND:20300110T113000Z
SUMMARY:Standup moved
END:VEVENT
END:VCALENDAR
"""


def test_recurring_meeting_with_deleted_and_modified_occurrence_both_ways(client_factory, dav):
    name = "it-rec-%s" % uuid.uuid4().hex[:6]
    coll_path = dav.make("calendar", name)
    uid = uuid.uuid4().hex
    path = coll_path + uid + ".ics"
    dav.put(path, SERIES.format(uid=uid))
    c = client_factory(version="14.1")
    cid, _ = collection_id(c, name)
    r = prime(c, cid, "Calendar")
    adds = cmds(r, "Add")
    assert len(adds) == 1, r.xml
    a = adds[0]
    assert a.find("{AirSync:}ApplicationData/{Calendar:}Recurrence") is not None
    exc = a.findall("{AirSync:}ApplicationData/{Calendar:}Exceptions/{Calendar:}Exception")
    assert exc, r.xml
    # libwbxml spells the Exception children Exception_StartTime / Exception_Deleted.
    by_start = {e.find("{Calendar:}Exception_StartTime").text: e for e in exc}
    assert by_start["20300109T090000Z"].find("{Calendar:}Exception_Deleted").text == "1"
    assert by_start["20300110T090000Z"].find("{Calendar:}Subject").text == "Standup moved"
    # Device side: delete one more occurrence (12th) and keep the others, as a Change.
    sid = a.find("{AirSync:}ServerId").text
    change = ('<Change><ServerId>%s</ServerId><ApplicationData><cal:Subject>Standup</cal:Subject>'
              '<cal:StartTime>20300107T090000Z</cal:StartTime><cal:EndTime>20300107T093000Z'
              '</cal:EndTime><cal:Recurrence><cal:Recurrence_Type>0</cal:Recurrence_Type><cal:Recurrence_Interval>1</cal:Recurrence_Interval>'
              '<cal:Recurrence_Occurrences>10</cal:Recurrence_Occurrences></cal:Recurrence><cal:Exceptions>'
              '<cal:Exception><cal:Exception_Deleted>1</cal:Exception_Deleted><cal:Exception_StartTime>20300109T090000Z'
              '</cal:Exception_StartTime></cal:Exception>'
              '<cal:Exception><cal:Exception_Deleted>1</cal:Exception_Deleted><cal:Exception_StartTime>20300112T090000Z'
              '</cal:Exception_StartTime></cal:Exception>'
              '<cal:Exception><cal:Exception_StartTime>20300110T090000Z</cal:Exception_StartTime>'
              '<cal:Subject>Standup moved</cal:Subject><cal:StartTime>20300110T110000Z'
              '</cal:StartTime><cal:EndTime>20300110T113000Z</cal:EndTime></cal:Exception>'
              '</cal:Exceptions></ApplicationData></Change>' % sid)
    r = sync(c, cid, key_of(r), commands=change, cls="Calendar")
    assert status_of(r) == "1", r.xml
    st, ics = dav.get(path)
    assert "20300112T090000Z" in ics and "20300109T090000Z" in ics, ics
    assert "RECURRENCE-ID:20300110T090000Z" in ics and "SUMMARY:Standup moved" in ics, ics


MEETING = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//easgate tests//EN
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20260101T000000Z
DTSTART:20300201T140000Z
DTEND:20300201T150000Z
SUMMARY:{summary}
SEQUENCE:2
ORGANIZER;CN=Bob:mailto:bob@example.test
ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.test
ATTENDEE;CN=Alice;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@example.test
END:VEVENT
END:VCALENDAR
"""


def bob_inbox_find(subject, timeout=15.0):
    import imaplib
    import time as _t
    deadline = _t.time() + timeout
    while _t.time() < deadline:
        c = imaplib.IMAP4("127.0.0.1", 10143, timeout=30)
        c.login("bob", "secret")
        c.select("INBOX")
        typ, data = c.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
        uids = data[0].split()
        if uids:
            typ, msg = c.uid("FETCH", uids[0], "(RFC822)")
            for u in uids:
                c.uid("STORE", u, "+FLAGS", "(\\Deleted)")
            c.expunge()
            c.logout()
            return msg[0][1].decode("utf-8", "replace")
        c.logout()
        _t.sleep(0.3)
    return None


@pytest.mark.parametrize("version", ["14.1", "16.1"])
def test_meeting_response_accept_sets_partstat_and_replies_to_organizer(client_factory, dav, version):
    name = "it-mr-%s" % uuid.uuid4().hex[:6]
    coll_path = dav.make("calendar", name)
    uid = uuid.uuid4().hex
    summary = "Review " + uid[:8]
    path = coll_path + uid + ".ics"
    dav.put(path, MEETING.format(uid=uid, summary=summary))
    c = client_factory(version=version)
    cid, _ = collection_id(c, name)
    r = prime(c, cid, "Calendar")
    sid = cmds(r, "Add")[0].find("{AirSync:}ServerId").text
    send = "<SendResponse/>" if version >= "16" else ""
    xml = ('<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>1</UserResponse>'
           '<CollectionId>%s</CollectionId><RequestId>%s</RequestId>%s</Request>'
           '</MeetingResponse>' % (cid, sid, send))
    resp = c.command("MeetingResponse", xml)
    assert resp.status == 200, resp.body
    assert resp.find("Result/Status", "MeetingResponse") == "1", resp.xml
    assert resp.find("Result/RequestId", "MeetingResponse") == sid
    assert resp.find("Result/CalendarId", "MeetingResponse") == sid
    st, ics = dav.get(path)
    alice = [l for l in ics.splitlines() if "alice@example.test" in l]
    assert alice and "PARTSTAT=ACCEPTED" in alice[0], ics
    bob = [l for l in ics.splitlines() if l.startswith("ATTENDEE") and "bob@" in l]
    assert "PARTSTAT=ACCEPTED" in bob[0]
    mail = bob_inbox_find("Accepted: " + summary)
    assert mail is not None, "no REPLY in bob's INBOX"
    flat = mail.replace("\r\n ", "").replace("\r\n", "\n")
    assert "METHOD:REPLY" in flat and "UID:" + uid in flat
    assert "PARTSTAT=ACCEPTED" in flat and "mailto:alice@example.test" in flat.lower()
    assert "ATTENDEE;CN=Bob" not in flat, "a REPLY carries only the answering attendee"


def test_meeting_response_for_unknown_item_is_status_2(client_factory, dav):
    name = "it-mr-%s" % uuid.uuid4().hex[:6]
    dav.make("calendar", name)
    c = client_factory(version="14.1")
    cid, _ = collection_id(c, name)
    prime(c, cid, "Calendar")
    xml = ('<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>3</UserResponse>'
           '<CollectionId>%s</CollectionId><RequestId>%s:999</RequestId></Request>'
           '</MeetingResponse>' % (cid, cid))
    resp = c.command("MeetingResponse", xml)
    assert resp.status == 200
    assert resp.find("Result/Status", "MeetingResponse") == "2", resp.xml
    assert resp.find("Result/CalendarId", "MeetingResponse") is None


def test_meeting_response_from_the_request_mail(client_factory, dav):
    import imaplib
    name = "it-mrm-%s" % uuid.uuid4().hex[:6]
    coll_path = dav.make("calendar", name)
    uid = uuid.uuid4().hex
    summary = "Mail invite " + uid[:8]
    invite = MEETING.format(uid=uid, summary=summary)
    # The object the CalDAV server already holds (as server-side scheduling would put it),
    # under a name of the server's choosing: the gateway finds it by UID (calendar-query).
    path = coll_path + "sched-" + uuid.uuid4().hex[:8] + ".ics"
    dav.put(path, invite)
    folder = "it-mrm-%s" % uuid.uuid4().hex[:8]
    mail = ("From: Bob <bob@example.test>\r\nTo: Alice <alice@example.test>\r\n"
            "Subject: Invitation: %s\r\nMessage-ID: <%s@example.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/alternative; boundary=b1\r\n\r\n--b1\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nPlease come.\r\n--b1\r\n"
            "Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n"
            "%s\r\n--b1--\r\n" % (summary, uid,
                                  invite.replace("VERSION:2.0\n", "VERSION:2.0\nMETHOD:REQUEST\n")
                                  .replace("\n", "\r\n")))
    im = imaplib.IMAP4("127.0.0.1", 10143, timeout=30)
    im.login("alice", "secret")
    im.create(folder)
    im.append(folder, None, None, mail.encode())
    try:
        c = client_factory(version="14.1")
        r = c.folder_sync(0)
        ids = {a.find("{FolderHierarchy:}DisplayName").text: a.find("{FolderHierarchy:}ServerId").text
               for a in r.findall("Changes/Add", FH)}
        mail_cid, cal_cid = ids[folder], ids[name]
        cal = prime(c, cal_cid, "Calendar")
        cal_sid = cmds(cal, "Add")[0].find("{AirSync:}ServerId").text
        r = c.command("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>0</SyncKey>'
                      '<CollectionId>%s</CollectionId></Collection></Collections></Sync>' % mail_cid)
        r = c.command("Sync", '<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>1</SyncKey>'
                      '<CollectionId>%s</CollectionId><GetChanges>1</GetChanges></Collection>'
                      '</Collections></Sync>' % mail_cid)
        mail_sid = cmds(r, "Add")[0].find("{AirSync:}ServerId").text
        xml = ('<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>2</UserResponse>'
               '<CollectionId>%s</CollectionId><RequestId>%s</RequestId></Request>'
               '</MeetingResponse>' % (mail_cid, mail_sid))
        resp = c.command("MeetingResponse", xml)
        assert resp.find("Result/Status", "MeetingResponse") == "1", resp.xml
        assert resp.find("Result/CalendarId", "MeetingResponse") == cal_sid
        st, ics = dav.get(path)
        alice = [l for l in ics.splitlines() if "alice@example.test" in l]
        assert "PARTSTAT=TENTATIVE" in alice[0], ics
        assert "METHOD" not in ics
        # Answered in place: no second copy under "<uid>.ics" anywhere.
        assert dav.members(coll_path) == [path]
        assert dav.get("/alice/calendar/%s.ics" % uid)[0] == 404
        reply = bob_inbox_find("Tentative: " + summary)
        assert reply is not None and "METHOD:REPLY" in reply.replace("\r\n ", "")
        # The request mail left the folder (Exchange moves it to Deleted Items).
        im.select(folder)
        typ, data = im.uid("SEARCH", None, "ALL")
        assert data[0].split() == []
    finally:
        im.select()
        im.delete(folder)
        for box in ("Trash", "Deleted Items", "Deleted Messages"):
            if im.select('"%s"' % box)[0] == "OK":
                typ, data = im.uid("SEARCH", None, "SUBJECT", '"Invitation: %s"' % summary)
                for u in data[0].split():
                    im.uid("STORE", u, "+FLAGS", "(\\Deleted)")
                im.expunge()
        im.logout()


def test_retried_sync_key_gets_the_same_changes(client_factory, dav):
    name = "it-rty-%s" % uuid.uuid4().hex[:6]
    coll_path = dav.make("calendar", name)
    c = client_factory(version="14.1")
    cid, _ = collection_id(c, name)
    r = prime(c, cid, "Calendar")
    key = key_of(r)
    uids = [uuid.uuid4().hex for _ in range(3)]
    for u in uids:
        dav.put(coll_path + u + ".ics", EVENT.format(uid=u, summary="Retry " + u[:6]))
    first = sync(c, cid, key, window=2, cls="Calendar")
    got1 = {a.find("{AirSync:}ServerId").text: data(a, "Calendar", "Subject") for a in cmds(first, "Add")}
    assert len(got1) == 2 and coll(first).find("{AirSync:}MoreAvailable") is not None
    # The response was lost: the device sends the same key again and gets the same window.
    again = sync(c, cid, key, window=2, cls="Calendar")
    got2 = {a.find("{AirSync:}ServerId").text: data(a, "Calendar", "Subject") for a in cmds(again, "Add")}
    assert sorted(got2.values()) == sorted(got1.values())
    assert key_of(again) == key_of(first)
    # Then the rest, once.
    rest = sync(c, cid, key_of(again), window=2, cls="Calendar")
    got3 = [data(a, "Calendar", "Subject") for a in cmds(rest, "Add")]
    assert len(got3) == 1 and got3[0] not in got2.values()
    assert coll(rest).find("{AirSync:}MoreAvailable") is None


# --- FolderCreate / FolderUpdate / FolderDelete on DAV collections ------------------------

def folder_cmd(c, cmd, **fields):
    body = "".join("<%s>%s</%s>" % (k, v, k) for k, v in fields.items())
    return c.command(cmd, '<%s xmlns="FolderHierarchy:">%s</%s>' % (cmd, body, cmd))


def dav_collections(d):
    """href -> (displayname, resourcetype text) of alice's collections."""
    _, _, body = d.req("PROPFIND", "/%s/" % d.user,
                       b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:displayname/>'
                       b'<D:resourcetype/></D:prop></D:propfind>', {"Depth": "1"})
    out = {}
    for resp in re.findall(r"<(?:\w+:)?response>(.*?)</(?:\w+:)?response>", body, re.S):
        href = re.search(r"<(?:\w+:)?href>([^<]+)<", resp).group(1)
        name = re.search(r"<(?:\w+:)?displayname>([^<]*)<", resp)
        out[href] = (name.group(1) if name else "", resp)
    return out


@pytest.mark.parametrize("version,typ,marker", [
    ("12.1", 13, "calendar"), ("14.1", 14, "addressbook"), ("16.1", 15, "calendar"),
    ("16.1", 17, "calendar")])
def test_dav_folder_create_rename_delete_reach_radicale(client_factory, dav, version, typ,
                                                        marker):
    tag = uuid.uuid4().hex[:8]
    name, renamed = "DF-%s" % tag, "DR-%s" % tag
    if typ == 17:
        # The user's first notes collection is the default Notes folder (type 10, not
        # deletable); this one sorts first, so the device's is a user notes folder.
        dav.make("notes", "it-notes-" + tag, "/alice/000-%s/" % tag)
    c = client_factory(version=version)
    r = c.folder_sync(0)
    key = r.find("SyncKey", FH)
    made = []
    try:
        r = folder_cmd(c, "FolderCreate", SyncKey=key, ParentId="0", DisplayName=name, Type=typ)
        assert r.find("Status", FH) == "1", r.xml
        key, sid = r.find("SyncKey", FH), r.find("ServerId", FH)
        made = [h for h, (n, _) in dav_collections(dav).items() if n == name]
        assert len(made) == 1
        assert marker in dav_collections(dav)[made[0]][1]
        # The device made it: the next FolderSync reports nothing.
        r = c.folder_sync(key)
        assert r.find("Changes/Count", FH) == "0", r.xml
        # A fresh FolderSync shows it with the type asked for.
        c2 = client_factory(version=version)
        cid, shown = collection_id(c2, name)
        assert shown == str(typ)
        # Same name again, a parent that cannot hold it.
        assert folder_cmd(c, "FolderCreate", SyncKey=key, ParentId="0", DisplayName=name,
                          Type=typ).find("Status", FH) == "2"
        assert folder_cmd(c, "FolderCreate", SyncKey=key, ParentId=sid, DisplayName="x" + tag,
                          Type=typ).find("Status", FH) == "3"

        r = folder_cmd(c, "FolderUpdate", SyncKey=key, ServerId=sid, ParentId="0",
                       DisplayName=renamed)
        assert r.find("Status", FH) == "1", r.xml
        key = r.find("SyncKey", FH)
        assert dav_collections(dav)[made[0]][0] == renamed
        r = c.folder_sync(key)
        assert r.find("Changes/Count", FH) == "0", r.xml

        r = folder_cmd(c, "FolderDelete", SyncKey=key, ServerId=sid)
        assert r.find("Status", FH) == "1", r.xml
        key = r.find("SyncKey", FH)
        assert made[0] not in dav_collections(dav)
        r = c.folder_sync(key)
        assert r.find("Changes/Count", FH) == "0", r.xml
    finally:
        for h in made:
            dav.delete(h)


def test_default_dav_folders_cannot_be_deleted_or_renamed(client_factory):
    c = client_factory(version="14.1")
    r = c.folder_sync(0)
    key = r.find("SyncKey", FH)
    for add in r.findall("Changes/Add", FH):
        if add.find("{FolderHierarchy:}Type").text in ("7", "8", "9"):
            sid = add.find("{FolderHierarchy:}ServerId").text
            assert folder_cmd(c, "FolderDelete", SyncKey=key,
                              ServerId=sid).find("Status", FH) == "3"
            assert folder_cmd(c, "FolderUpdate", SyncKey=key, ServerId=sid, ParentId="0",
                              DisplayName="Nope").find("Status", FH) == "2"


# --- GetItemEstimate on DAV folders ------------------------------------------------------

def estimate(c, cid, key):
    xml = ('<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:"><Collections>'
           '<Collection><airsync:SyncKey>%s</airsync:SyncKey><CollectionId>%s</CollectionId>'
           '</Collection></Collections></GetItemEstimate>' % (key, cid))
    r = c.command("GetItemEstimate", xml)
    assert r.status == 200, r.body
    status = r.find("Response/Status", "GetItemEstimate")
    return status, r.find("Response/Collection/Estimate", "GetItemEstimate")


def test_get_item_estimate_counts_pending_dav_changes(client_factory, dav):
    name = "it-est-%s" % uuid.uuid4().hex[:6]
    coll_path = dav.make("calendar", name)
    uids = [uuid.uuid4().hex for _ in range(3)]
    for u in uids:
        dav.put(coll_path + u + ".ics", EVENT.format(uid=u, summary="Est " + u[:6]))
    c = client_factory(version="14.1")
    cid, _ = collection_id(c, name)
    assert estimate(c, cid, 0) == ("3", None)  # not primed
    r = sync(c, cid, 0)
    assert estimate(c, cid, key_of(r)) == ("1", "3")  # initial sync: every member
    r = sync(c, cid, key_of(r), window=2)
    assert len(cmds(r, "Add")) == 2
    assert estimate(c, cid, key_of(r)) == ("1", "1")  # the rest of the window
    r = sync(c, cid, key_of(r))
    assert estimate(c, cid, key_of(r)) == ("1", "0")
    new = uuid.uuid4().hex
    dav.put(coll_path + new + ".ics", EVENT.format(uid=new, summary="Est new"))
    assert dav.delete(coll_path + uids[0] + ".ics") in (200, 204)
    assert estimate(c, cid, key_of(r)) == ("1", "2")  # one Add, one Delete
    assert estimate(c, cid, "999")[0] == "4"


# --- Notes (MS-ASNOTE, 14.0+) over a VJOURNAL collection -----------------------------------

JOURNAL = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//easgate tests//EN
BEGIN:VJOURNAL
UID:{uid}
DTSTAMP:20260101T000000Z
LAST-MODIFIED:20260102T030405Z
SUMMARY:{summary}
DESCRIPTION:line one\\nline two
CATEGORIES:Work,Ideas
X-EASGATE-TEST:keep me
END:VJOURNAL
END:VCALENDAR
"""


@pytest.mark.parametrize("version", ["14.1", "16.1"])
def test_notes_sync_both_ways(client_factory, dav, version):
    name = "it-notes-%s" % uuid.uuid4().hex[:6]
    coll_path = dav.make("notes", name)
    uid = uuid.uuid4().hex
    dav.put(coll_path + uid + ".ics", JOURNAL.format(uid=uid, summary="Server note"))
    c = client_factory(version=version)
    cid, typ = collection_id(c, name)
    assert typ in ("10", "17")
    r = prime(c, cid, "Notes")
    assert status_of(r) == "1", r.xml
    adds = cmds(r, "Add")
    assert len(adds) == 1, r.xml
    a = adds[0]
    sid = a.find("{AirSync:}ServerId").text
    assert data(a, "Notes", "Subject") == "Server note"
    assert data(a, "Notes", "MessageClass") == "IPM.StickyNote"
    assert data(a, "Notes", "LastModifiedDate") == "2026-01-02T03:04:05.000Z"
    assert a.find("{AirSync:}ApplicationData/{AirSyncBase:}Body/{AirSyncBase:}Data").text == \
        "line one\nline two"
    cats = [x.text for x in a.findall("{AirSync:}ApplicationData/{Notes:}Categories/{Notes:}Category")]
    assert cats == ["Work", "Ideas"]

    # Changed on the device: merged into the server's object, unknown properties kept.
    change = ('<Change><ServerId>%s</ServerId><ApplicationData><notes:Subject>Edited</notes:Subject>'
              '<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type><airsyncbase:Data>new text'
              '</airsyncbase:Data></airsyncbase:Body><notes:MessageClass>IPM.StickyNote'
              '</notes:MessageClass><notes:Categories><notes:Category>Home</notes:Category>'
              '</notes:Categories></ApplicationData></Change>' % sid)
    r = sync(c, cid, key_of(r), commands=change)
    assert status_of(r) == "1", r.xml
    assert not cmds(r, "Change"), "the device's own Change was echoed"
    st, ics = dav.get(coll_path + uid + ".ics")
    assert "SUMMARY:Edited" in ics and "DESCRIPTION:new text" in ics, ics
    assert "CATEGORIES:Home" in ics and "Work" not in ics and "X-EASGATE-TEST:keep me" in ics

    # Added on the device -> a VJOURNAL on the server.
    add = ('<Add><ClientId>n1</ClientId><ApplicationData><notes:Subject>Phone note</notes:Subject>'
           '<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type><airsyncbase:Data>from the '
           'phone</airsyncbase:Data></airsyncbase:Body><notes:MessageClass>IPM.StickyNote'
           '</notes:MessageClass></ApplicationData></Add>')
    r = sync(c, cid, key_of(r), commands=add)
    resp = coll(r).findall("{AirSync:}Responses/{AirSync:}Add")
    assert len(resp) == 1 and resp[0].find("{AirSync:}Status").text == "1", r.xml
    new_sid = resp[0].find("{AirSync:}ServerId").text
    hrefs = [h for h in dav.members(coll_path) if not h.endswith(uid + ".ics")]
    assert len(hrefs) == 1
    st, ics = dav.get(hrefs[0])
    assert "BEGIN:VJOURNAL" in ics and "SUMMARY:Phone note" in ics and "DESCRIPTION:from the phone" in ics

    # Changed on the server -> Change; deleted on the device -> gone on the server.
    ics = dav.get(coll_path + uid + ".ics")[1].replace("SUMMARY:Edited", "SUMMARY:Server edit")
    dav.put(coll_path + uid + ".ics", ics)
    r = sync(c, cid, key_of(r))
    ch = cmds(r, "Change")
    assert len(ch) == 1 and data(ch[0], "Notes", "Subject") == "Server edit", r.xml
    r = sync(c, cid, key_of(r), commands="<Delete><ServerId>%s</ServerId></Delete>" % new_sid)
    assert status_of(r) == "1"
    assert dav.get(hrefs[0])[0] == 404


SERIES_MEETING = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//easgate tests//EN
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20260101T000000Z
DTSTART:20300301T140000Z
DTEND:20300301T150000Z
RRULE:FREQ=DAILY;COUNT=5
SUMMARY:{summary}
SEQUENCE:1
ORGANIZER;CN=Bob:mailto:bob@example.test
ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.test
ATTENDEE;CN=Alice;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@example.test
END:VEVENT
END:VCALENDAR
"""


def meeting_response(c, cid, sid, answer, extra=""):
    xml = ('<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>%s</UserResponse>'
           '<CollectionId>%s</CollectionId><RequestId>%s</RequestId>%s</Request>'
           '</MeetingResponse>' % (answer, cid, sid, extra))
    resp = c.command("MeetingResponse", xml)
    assert resp.status == 200, resp.body
    return resp


@pytest.mark.parametrize("version", ["14.1", "16.1"])
def test_meeting_response_with_instance_id_answers_one_occurrence(client_factory, dav, version):
    name = "it-mri-%s" % uuid.uuid4().hex[:6]
    coll_path = dav.make("calendar", name)
    uid, single_uid = uuid.uuid4().hex, uuid.uuid4().hex
    summary = "Daily " + uid[:8]
    path = coll_path + uid + ".ics"
    dav.put(path, SERIES_MEETING.format(uid=uid, summary=summary))
    dav.put(coll_path + single_uid + ".ics", MEETING.format(uid=single_uid, summary="Single"))
    c = client_factory(version=version)
    cid, _ = collection_id(c, name)
    r = prime(c, cid, "Calendar")
    sids = {data(a, "Calendar", "Subject"): a.find("{AirSync:}ServerId").text for a in cmds(r, "Add")}
    send = "<SendResponse/>" if version >= "16" else ""
    instance = "<InstanceId>2030-03-03T14:00:00.000Z</InstanceId>"
    resp = meeting_response(c, cid, sids[summary], 1, instance + send)
    assert resp.find("Result/Status", "MeetingResponse") == "1", resp.xml
    assert resp.find("Result/InstanceId", "MeetingResponse") == "2030-03-03T14:00:00.000Z"
    assert resp.find("Result/CalendarId", "MeetingResponse") == sids[summary]
    st, ics = dav.get(path)
    events = ics.split("BEGIN:VEVENT")[1:]
    assert len(events) == 2, ics
    master = [e for e in events if "RRULE" in e][0]
    override = [e for e in events if "RECURRENCE-ID:20300303T140000Z" in e]
    assert override, ics
    assert "DTSTART:20300303T140000Z" in override[0] and "DTEND:20300303T150000Z" in override[0]
    alice_line = [l for l in override[0].splitlines() if "alice@example.test" in l][0]
    assert "PARTSTAT=ACCEPTED" in alice_line, ics
    master_alice = [l for l in master.splitlines() if "alice@example.test" in l][0]
    assert "PARTSTAT=NEEDS-ACTION" in master_alice, "the series must stay unanswered: " + ics
    mail = bob_inbox_find("Accepted: " + summary)
    assert mail is not None, "no REPLY in bob's INBOX"
    flat = mail.replace("\r\n ", "").replace("\r\n", "\n")
    assert "METHOD:REPLY" in flat and "RECURRENCE-ID:20300303T140000Z" in flat, flat
    assert flat.count("BEGIN:VEVENT") == 1
    # MS-ASCMD 2.2.3.92.1: not a dateTime -> 104; a meeting without recurrence -> 146;
    # an occurrence the series does not have -> 2.
    assert meeting_response(c, cid, sids[summary], 1, "<InstanceId>soon</InstanceId>").find(
        "Result/Status", "MeetingResponse") == "104"
    assert meeting_response(c, cid, sids["Single"], 1, instance).find(
        "Result/Status", "MeetingResponse") == "146"
    assert meeting_response(c, cid, sids[summary], 1,
                            "<InstanceId>2030-03-09T14:00:00.000Z</InstanceId>").find(
        "Result/Status", "MeetingResponse") == "2"
    assert dav.get(path)[1] == ics, "a refused answer must not touch the object"


def test_meeting_response_instance_id_before_14_1_is_status_2(client_factory, dav):
    c = client_factory(version="14.0")
    resp = meeting_response(c, "1", "1:1", 1, "<InstanceId>2030-03-03T14:00:00.000Z</InstanceId>")
    assert resp.find("Result/Status", "MeetingResponse") == "2", resp.xml
