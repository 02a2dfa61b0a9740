"""Issue 5 "Done when": table-driven round trips against real Radicale, per protocol version.

DAV -> EAS -> DAV: an object written over CalDAV/CardDAV reaches the device; the device sends
the very ApplicationData it got back as a Change; the listed properties of the object on the
server are unchanged.
EAS -> DAV -> EAS: a device Adds an item; a second device syncs the collection and receives
the same elements.

The data table is written once (ROWS) and run for 12.1, 14.1 and 16.1; every test works in
its own uniquely named collection and deletes it.
"""
import base64
import re
import struct
import uuid
import xml.etree.ElementTree as ET

import pytest

import test_dav_sync
from mailhelpers import VTZ_BERLIN
from test_dav_sync import coll, cmds, collection_id, key_of, status_of, sync

VERSIONS = ["12.1", "14.1", "16.1"]

# The DAV collections fixture of test_dav_sync (collections it made are deleted afterwards).
dav = test_dav_sync.dav


def vevent(body, tz=True):
    return ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//easgate rt//EN\n" + (VTZ_BERLIN if tz else "")
            + "BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260101T000000Z\n" + body
            + "END:VEVENT\nEND:VCALENDAR\n")


EVENT_FULL = vevent(
    "DTSTART;TZID=Europe/Berlin:20300115T100000\nDTEND;TZID=Europe/Berlin:20300115T113000\n"
    "SUMMARY:Quarterly review\nLOCATION:Room 7\nDESCRIPTION:Agenda: numbers\n"
    "ORGANIZER;CN=Bob:mailto:bob@example.test\n"
    "ATTENDEE;CN=Alice;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:alice@example.test\n"
    "ATTENDEE;CN=Carol;ROLE=OPT-PARTICIPANT;PARTSTAT=TENTATIVE:mailto:carol@example.test\n"
    "CLASS:PRIVATE\nTRANSP:OPAQUE\nCATEGORIES:Work,Finance\n"
    "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:Reminder\nTRIGGER:-PT15M\nEND:VALARM\n")

CAL_ROWS = {
    "full": (EVENT_FULL, ["SUMMARY", "LOCATION", "DESCRIPTION", "DTSTART", "DTEND", "ORGANIZER",
                          "ATTENDEE", "CLASS", "TRANSP", "CATEGORIES", "TRIGGER", "UID"]),
    "all_day": (vevent("DTSTART;VALUE=DATE:20300120\nDTEND;VALUE=DATE:20300121\n"
                       "SUMMARY:Holiday\nTRANSP:TRANSPARENT\n", tz=False),
                ["DTSTART", "DTEND", "SUMMARY", "TRANSP"]),
    "daily_count": (vevent("DTSTART:20300201T090000Z\nDTEND:20300201T093000Z\nSUMMARY:Standup\n"
                           "RRULE:FREQ=DAILY;INTERVAL=2;COUNT=10\n", tz=False), ["RRULE"]),
    "weekly_until": (vevent("DTSTART:20300204T090000Z\nDTEND:20300204T100000Z\nSUMMARY:Weekly\n"
                            "RRULE:FREQ=WEEKLY;UNTIL=20300601T090000Z;BYDAY=MO,WE;WKST=MO\n",
                            tz=False), ["RRULE"]),
    "monthly_day": (vevent("DTSTART:20300215T090000Z\nDTEND:20300215T100000Z\nSUMMARY:Rent\n"
                           "RRULE:FREQ=MONTHLY;BYMONTHDAY=15\n", tz=False), ["RRULE"]),
    "monthly_nth": (vevent("DTSTART:20300212T090000Z\nDTEND:20300212T100000Z\nSUMMARY:Board\n"
                           "RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=6\n", tz=False), ["RRULE"]),
    "yearly": (vevent("DTSTART;VALUE=DATE:20300310\nDTEND;VALUE=DATE:20300311\nSUMMARY:Birthday\n"
                      "RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=10\n", tz=False), ["RRULE"]),
    "yearly_nth": (vevent("DTSTART:20301128T120000Z\nDTEND:20301128T130000Z\nSUMMARY:Feast\n"
                          "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH\n", tz=False), ["RRULE"]),
    "exceptions": (vevent("DTSTART:20300401T090000Z\nDTEND:20300401T100000Z\nSUMMARY:Series\n"
                          "RRULE:FREQ=DAILY;COUNT=5\nEXDATE:20300402T090000Z\n", tz=False)
                   + "", ["RRULE", "EXDATE"]),
    "sydney": ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//easgate rt//EN\n"
               "BEGIN:VTIMEZONE\nTZID:Australia/Sydney\nBEGIN:STANDARD\nTZOFFSETFROM:+1100\n"
               "TZOFFSETTO:+1000\nTZNAME:AEST\nDTSTART:19700405T030000\n"
               "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\nEND:STANDARD\nBEGIN:DAYLIGHT\n"
               "TZOFFSETFROM:+1000\nTZOFFSETTO:+1100\nTZNAME:AEDT\nDTSTART:19701004T020000\n"
               "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\nEND:DAYLIGHT\nEND:VTIMEZONE\n"
               "BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260101T000000Z\n"
               "DTSTART;TZID=Australia/Sydney:20300110T090000\n"
               "DTEND;TZID=Australia/Sydney:20300110T100000\nSUMMARY:Sydney standup\n"
               "RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20300620T230000Z\nEND:VEVENT\nEND:VCALENDAR\n",
               ["DTSTART", "DTEND", "RRULE", "SUMMARY"]),
    # A bare weekly rule comes back with the BYDAY its DTSTART implies (RFC 5545 3.3.10,
    # the same rule; EAS always names the days), so the row names it.
    "modified_occurrence": (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//easgate rt//EN\nBEGIN:VEVENT\nUID:{uid}\n"
        "DTSTAMP:20260101T000000Z\nDTSTART:20300501T090000Z\nDTEND:20300501T100000Z\n"
        "SUMMARY:Sync-up\nRRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=4\nEXDATE:20300508T090000Z\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260101T000000Z\nRECURRENCE-ID:20300515T090000Z\n"
        "DTSTART:20300515T140000Z\nDTEND:20300515T150000Z\nSUMMARY:Sync-up (moved)\n"
        "END:VEVENT\nEND:VCALENDAR\n",
        ["RRULE", "EXDATE", "RECURRENCE-ID", "DTSTART", "DTEND", "SUMMARY"]),
}

CARD = """BEGIN:VCARD
VERSION:3.0
UID:{uid}
N:Doe;Jane;Q.;Dr.;Jr.
FN:Dr. Jane Q. Doe Jr.
EMAIL;TYPE=INTERNET,WORK:jane@work.example
EMAIL;TYPE=INTERNET,HOME:jane@home.example
EMAIL;TYPE=INTERNET:jane@other.example
TEL;TYPE=WORK,VOICE:+1 555 0100
TEL;TYPE=HOME,VOICE:+1 555 0101
TEL;TYPE=CELL:+1 555 0102
ADR;TYPE=WORK:;;1 Main St;Springfield;IL;62701;USA
ADR;TYPE=HOME:;;2 Elm St;Shelbyville;IL;62565;USA
ORG:Acme Inc.;R&D
TITLE:Engineer
BDAY:1980-05-17
X-ANNIVERSARY:2005-06-18
NOTE:Met at the conference
CATEGORIES:Friends,Work
X-AIM:janeaim
URL:https://jane.example/
PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==
END:VCARD
"""
CARD_PROPS = ["N", "EMAIL", "TEL", "ADR", "ORG", "TITLE", "BDAY", "X-ANNIVERSARY", "NOTE",
              "CATEGORIES", "X-AIM", "URL", "PHOTO", "UID"]

TODO = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//easgate rt//EN
BEGIN:VTODO
UID:{uid}
DTSTAMP:20260101T000000Z
SUMMARY:File taxes
DESCRIPTION:Bring receipts
DTSTART:20300301T090000Z
DUE:20300415T170000Z
PRIORITY:1
CLASS:CONFIDENTIAL
CATEGORIES:Home
RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Reminder
TRIGGER;VALUE=DATE-TIME:20300414T090000Z
END:VALARM
END:VTODO
END:VCALENDAR
"""
TODO_PROPS = ["SUMMARY", "DESCRIPTION", "DTSTART", "DUE", "PRIORITY", "CLASS", "CATEGORIES",
              "RRULE", "TRIGGER", "UID"]

# name -> (kind, EAS class, text, properties that must survive)
ROWS = {"cal_" + k: ("calendar", "Calendar", t, p) for k, (t, p) in CAL_ROWS.items()}
ROWS["contact_full"] = ("contacts", "Contacts", CARD, CARD_PROPS)
ROWS["task_full"] = ("tasks", "Tasks", TODO, TODO_PROPS)
ROWS["task_completed"] = ("tasks", "Tasks", TODO.replace(
    "PRIORITY:1\n", "PRIORITY:9\nSTATUS:COMPLETED\nCOMPLETED:20300410T120000Z\n"),
    ["PRIORITY", "STATUS", "COMPLETED", "SUMMARY"])

# Elements a device never sends back in a Change (server-computed or read-only).
READ_ONLY = {"EstimatedDataSize", "Truncated", "Preview", "NativeBodyType", "MeetingStatus",
             "ResponseRequested", "AppointmentReplyTime", "ResponseType", "DisallowNewTimeProposal",
             "Organizer_Name", "Organizer_Email", "UID", "DTStamp"}


def properties(text, names):
    """name -> sorted lines of that property (unfolded; DTSTAMP-like noise ignored)."""
    text = text.replace("\r\n", "\n").replace("\n ", "")
    out = {}
    for n in names:
        found = [normal(l) for l in text.split("\n") if re.match(r"%s[;:]" % re.escape(n), l)]
        if n == "CATEGORIES" and found:
            found = ["CATEGORIES:" + ",".join(sorted(",".join(x[11:] for x in found).split(",")))]
        out[n] = sorted(found)
    return out


def normal(line):
    """CATEGORIES as one sorted value list (RFC 5545 3.8.1.2 allows one property per value or
    a comma list); an RRULE's parts in a fixed order, the RFC 5545 default WKST=MO left out: the same
    rule however it is spelled."""
    if line.startswith("CATEGORIES:"):
        return "CATEGORIES:" + ",".join(sorted(line[11:].split(",")))
    if not line.startswith("RRULE:"):
        return line
    parts = sorted(p for p in line[6:].split(";") if p and p != "WKST=MO")
    return "RRULE:" + ";".join(parts)


def strip_read_only(e):
    for child in list(e):
        local = child.tag.split("}")[-1]
        if local in READ_ONLY:
            e.remove(child)
        else:
            strip_read_only(child)


def as_request_xml(e):
    """ApplicationData as it came back, ready to send (namespaces become prefixes)."""
    text = ET.tostring(e, encoding="unicode")
    return text


def primed(client, cid, cls):
    r = sync(client, cid, 0, cls=cls)
    assert status_of(r) == "1", r.xml
    return sync(client, cid, key_of(r), cls=cls)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("row", sorted(ROWS))
def test_dav_to_eas_to_dav(client_factory, dav, version, row):
    kind, cls, text, props = ROWS[row]
    name = "rt-%s" % uuid.uuid4().hex[:8]
    path = dav.make(kind, name)
    uid = uuid.uuid4().hex
    ext = ".vcf" if kind == "contacts" else ".ics"
    dav.put(path + uid + ext, text.format(uid=uid))
    original = dav.get(path + uid + ext)[1]
    before = properties(original, props)
    c = client_factory(version=version, device_id="RT" + uuid.uuid4().hex[:10])
    cid, _ = collection_id(c, name)
    r = primed(c, cid, cls)
    adds = cmds(r, "Add")
    assert len(adds) == 1, r.xml
    sid = adds[0].find("{AirSync:}ServerId").text
    ad = adds[0].find("{AirSync:}ApplicationData")
    strip_read_only(ad)
    change = "<Change><ServerId>%s</ServerId>%s</Change>" % (sid, as_request_xml(ad))
    r = sync(c, cid, key_of(r), commands=change, cls=cls)
    assert status_of(r) == "1", r.xml
    responses = coll(r).findall("{AirSync:}Responses/{AirSync:}Change")
    assert all(x.find("{AirSync:}Status").text == "1" for x in responses), r.xml
    written = dav.get(path + uid + ext)[1]
    if kind != "contacts":
        # The iCalendar writer stamps the write; the vCard merge of an unchanged contact is
        # byte-identical to the original, so there the properties alone tell.
        assert written != original, "the Change was not written to the server"
    after = properties(written, props)
    assert after == before


# Items as a device writes them: row -> (kind, class, ApplicationData inner XML). Element
# names are libwbxml's spelling of the code pages (Recurrence_Type for Calendar:Type...).
EAS_ROWS = {
    "calendar": ("calendar", "Calendar",
                 "<cal:Subject>Lunch</cal:Subject><cal:StartTime>20300115T120000Z</cal:StartTime>"
                 "<cal:EndTime>20300115T130000Z</cal:EndTime><cal:Location>Cafe</cal:Location>"
                 "<cal:AllDayEvent>0</cal:AllDayEvent><cal:BusyStatus>1</cal:BusyStatus>"
                 "<cal:Sensitivity>2</cal:Sensitivity><cal:Reminder>10</cal:Reminder>"
                 "<cal:Categories><cal:Category>Food</cal:Category></cal:Categories>"
                 "<cal:Recurrence><cal:Recurrence_Type>1</cal:Recurrence_Type>"
                 "<cal:Recurrence_Interval>1</cal:Recurrence_Interval>"
                 "<cal:Recurrence_DayOfWeek>4</cal:Recurrence_DayOfWeek>"
                 "<cal:Recurrence_Occurrences>5</cal:Recurrence_Occurrences>"
                 "</cal:Recurrence>"),
    "contact": ("contacts", "Contacts",
                "<con:FirstName>Max</con:FirstName><con:LastName>Muster</con:LastName>"
                "<con:Email1Address>max@a.example</con:Email1Address>"
                "<con:Email2Address>max@b.example</con:Email2Address>"
                "<con:MobilePhoneNumber>+49 170 1</con:MobilePhoneNumber>"
                "<con:BusinessPhoneNumber>+49 30 2</con:BusinessPhoneNumber>"
                "<con:CompanyName>Beispiel AG</con:CompanyName><con:JobTitle>Chef</con:JobTitle>"
                "<con:BusinessCity>Berlin</con:BusinessCity>"
                "<con:WebPage>https://max.example/</con:WebPage>"
                "<con:Categories><con:Category>VIP</con:Category></con:Categories>"),
    "task": ("tasks", "Tasks",
             "<task:Subject>Renew passport</task:Subject><task:Importance>2</task:Importance>"
             "<task:Complete>0</task:Complete><task:Sensitivity>0</task:Sensitivity>"
             "<task:UTCStartDate>2030-03-01T09:00:00.000Z</task:UTCStartDate>"
             "<task:StartDate>2030-03-01T09:00:00.000Z</task:StartDate>"
             "<task:UTCDueDate>2030-04-01T09:00:00.000Z</task:UTCDueDate>"
             "<task:DueDate>2030-04-01T09:00:00.000Z</task:DueDate>"
             "<task:Categories><task:Category>Admin</task:Category></task:Categories>"),
}



def berlin_blob():
    """MS-ASDTYPE 2.6.4 TIME_ZONE_INFORMATION of Europe/Berlin (CET/CEST, EU rules)."""
    def name(n):
        return n.encode("utf-16-le").ljust(64, b"\0")

    def systemtime(month, hour):  # last Sunday of the month (wDay 5 = last)
        return struct.pack("<8H", 0, month, 0, 5, hour, 0, 0, 0)
    return base64.b64encode(struct.pack("<i", -60) + name("") + systemtime(10, 3)
                            + struct.pack("<i", 0) + name("") + systemtime(3, 2)
                            + struct.pack("<i", -60)).decode()


PIXEL = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJ"
         "RU5ErkJggg==")

EAS_ROWS.update({
    "calendar_meeting": ("calendar", "Calendar",
                         "<cal:TimeZone>" + berlin_blob() + "</cal:TimeZone>"
                         "<cal:Subject>Planning</cal:Subject>"
                         "<cal:StartTime>20300204T090000Z</cal:StartTime>"
                         "<cal:EndTime>20300204T100000Z</cal:EndTime>"
                         "<cal:AllDayEvent>0</cal:AllDayEvent><cal:BusyStatus>2</cal:BusyStatus>"
                         "<cal:Sensitivity>0</cal:Sensitivity><cal:Reminder>30</cal:Reminder>"
                         "<cal:MeetingStatus>1</cal:MeetingStatus>"
                         "<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>"
                         "<airsyncbase:Data>Agenda</airsyncbase:Data></airsyncbase:Body>"
                         "<cal:Attendees><cal:Attendee><cal:Attendee_Email>bob@example.test"
                         "</cal:Attendee_Email><cal:Attendee_Name>Bob</cal:Attendee_Name>"
                         "<cal:Attendee_Type>1</cal:Attendee_Type></cal:Attendee>"
                         "<cal:Attendee><cal:Attendee_Email>carol@example.test</cal:Attendee_Email>"
                         "<cal:Attendee_Name>Carol</cal:Attendee_Name>"
                         "<cal:Attendee_Type>2</cal:Attendee_Type></cal:Attendee></cal:Attendees>"
                         "<cal:Recurrence><cal:Recurrence_Type>0</cal:Recurrence_Type>"
                         "<cal:Recurrence_Interval>1</cal:Recurrence_Interval>"
                         "<cal:Recurrence_Occurrences>4</cal:Recurrence_Occurrences>"
                         "</cal:Recurrence>"
                         "<cal:Exceptions><cal:Exception><cal:Exception_Deleted>1"
                         "</cal:Exception_Deleted><cal:Exception_StartTime>20300205T090000Z"
                         "</cal:Exception_StartTime></cal:Exception></cal:Exceptions>"),
    "contact_more": ("contacts", "Contacts",
                     "<con:FirstName>Erika</con:FirstName><con:MiddleName>M.</con:MiddleName>"
                     "<con:LastName>Musterfrau</con:LastName><con:Suffix>PhD</con:Suffix>"
                     "<con:Title>Prof.</con:Title><con:Department>Physics</con:Department>"
                     "<con:Email1Address>erika@a.example</con:Email1Address>"
                     "<con:Email2Address>erika@b.example</con:Email2Address>"
                     "<con:Email3Address>erika@c.example</con:Email3Address>"
                     "<con:HomePhoneNumber>+49 30 3</con:HomePhoneNumber>"
                     "<con:HomeStreet>Hauptstr. 1</con:HomeStreet><con:HomeCity>Potsdam</con:HomeCity>"
                     "<con:Birthday>1970-03-04T00:00:00.000Z</con:Birthday>"
                     "<con:Anniversary>1999-09-09T00:00:00.000Z</con:Anniversary>"
                     "<con:Picture>" + PIXEL + "</con:Picture>"
                     "<con2:IMAddress>erika@im.example</con2:IMAddress>"
                     "<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>"
                     "<airsyncbase:Data>Notes on Erika</airsyncbase:Data></airsyncbase:Body>"),
    "contact_email3_only": ("contacts", "Contacts",
                            "<con:FirstName>Solo</con:FirstName>"
                            "<con:Email3Address>solo@c.example</con:Email3Address>"),
    "task_more": ("tasks", "Tasks",
                  "<task:Subject>Water plants</task:Subject><task:Importance>0</task:Importance>"
                  "<task:Complete>0</task:Complete><task:Sensitivity>2</task:Sensitivity>"
                  "<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>"
                  "<airsyncbase:Data>All of them</airsyncbase:Data></airsyncbase:Body>"
                  "<task:UTCStartDate>2030-03-01T09:00:00.000Z</task:UTCStartDate>"
                  "<task:StartDate>2030-03-01T09:00:00.000Z</task:StartDate>"
                  "<task:UTCDueDate>2030-03-02T09:00:00.000Z</task:UTCDueDate>"
                  "<task:DueDate>2030-03-02T09:00:00.000Z</task:DueDate>"
                  "<task:Recurrence><task:Recurrence_Type>0</task:Recurrence_Type>"
                  "<task:Recurrence_Start>2030-03-01T09:00:00.000Z</task:Recurrence_Start>"
                  "<task:Recurrence_Interval>3</task:Recurrence_Interval></task:Recurrence>"
                  "<task:ReminderSet>1</task:ReminderSet>"
                  "<task:ReminderTime>2030-03-02T08:00:00.000Z</task:ReminderTime>"),
})

# Rows the gateway does not carry yet (a finding of this table, kept visible). The
# Email3-only contact used to be one: vCard EMAILs now keep their EAS slot (X-EAS-SLOT).
KNOWN_GAPS = {}


def without_names(blob):
    """A TimeZone blob with StandardName/DaylightName blanked: the names are informational
    (MS-ASDTYPE 2.6.4) and the server fills them from the zone."""
    raw = bytearray(base64.b64decode(blob))
    raw[4:68] = bytes(64)
    raw[88:152] = bytes(64)
    return base64.b64encode(bytes(raw)).decode()


def leaves(e, prefix=""):
    """(path, text) of every leaf element below e."""
    out = set()
    for child in e:
        local = prefix + "/" + child.tag.split("}")[-1]
        if len(child):
            out |= leaves(child, local)
        else:
            text = (child.text or "").strip()
            out.add((local, without_names(text) if local == "/TimeZone" else text))
    return out


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("row", sorted(EAS_ROWS))
def test_eas_to_dav_to_eas(client_factory, dav, request, version, row):
    if row in KNOWN_GAPS:
        # Runs, and must fail: fixing the gap turns this into an error until it is removed.
        request.applymarker(pytest.mark.xfail(reason=KNOWN_GAPS[row], strict=True))
    kind, cls, inner = EAS_ROWS[row]
    if version >= "16.0":
        # MS-ASCAL 2.2.2.20: from 16.0 an exception is named by AirSyncBase:InstanceId.
        inner = inner.replace("<cal:Exception_StartTime>20300205T090000Z</cal:Exception_StartTime>",
                              "<airsyncbase:InstanceId>20300205T090000Z</airsyncbase:InstanceId>")
        # MS-ASCAL 2.2.2.27: from 16.0 the location is AirSyncBase:Location.
        inner = inner.replace("<cal:Location>Cafe</cal:Location>",
                              "<airsyncbase:Location><airsyncbase:DisplayName>Cafe"
                              "</airsyncbase:DisplayName></airsyncbase:Location>")
    name = "rt-%s" % uuid.uuid4().hex[:8]
    dav.make(kind, name)
    a = client_factory(version=version, device_id="RA" + uuid.uuid4().hex[:10])
    cid, _ = collection_id(a, name)
    r = primed(a, cid, cls)
    add = "<Add><ClientId>rt1</ClientId><ApplicationData>%s</ApplicationData></Add>" % inner
    r = sync(a, cid, key_of(r), commands=add, cls=cls)
    resp = coll(r).findall("{AirSync:}Responses/{AirSync:}Add")
    assert len(resp) == 1 and resp[0].find("{AirSync:}Status").text == "1", r.xml
    sent = ET.fromstring(
        '<ApplicationData xmlns:cal="Calendar:" xmlns:con="Contacts:" xmlns:task="Tasks:" '
        'xmlns:airsyncbase="AirSyncBase:" xmlns:con2="Contacts2:">%s'
        '</ApplicationData>' % inner)
    b = client_factory(version=version, device_id="RB" + uuid.uuid4().hex[:10])
    cid_b, _ = collection_id(b, name)
    r = primed(b, cid_b, cls)
    adds = cmds(r, "Add")
    assert len(adds) == 1, r.xml
    got = leaves(adds[0].find("{AirSync:}ApplicationData"))
    missing = leaves(sent) - got
    assert not missing, "lost or changed on the way: %s; got %s" % (sorted(missing), sorted(got))
