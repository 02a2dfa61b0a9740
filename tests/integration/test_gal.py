"""Issue 5: Search with the GAL store against a CardDAV address book configured as the
directory, and ResolveRecipients, end to end with the real gateway and real Radicale.

The dev stack has no shared GAL collection, so the module makes one under /alice/ with a
few vCards, starts a gateway whose `directory:` names it, and deletes it afterwards.
"""
import base64
import os
import subprocess
import tempfile
import uuid

import pytest

from conftest import Gateway
from easclient import EasClient
from test_dav_sync import Dav

# Varies per run (40..59). A gateway's ports are base+80+o, base+443+o and base+464+o, so two
# gateways collide when their offsets differ by 21; the other tests use offsets 0..17, and
# 40..59 stays clear of all of them. (Bind failures seen while developing came from client
# sockets: keep EASGATE_IT_PORT_BASE below the ephemeral range, 32768, as the default 28000 is.)
PORT_OFFSET = 40 + os.getpid() % 20
SE = "Search"
GAL = "GAL"

# A 1x1 PNG, base64.
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def make_certificate():
    """A real self-signed X.509 certificate (DER, base64) for Carl's vCard KEY."""
    with tempfile.TemporaryDirectory() as d:
        der = os.path.join(d, "c.der")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=carl", "-days", "2",
                        "-keyout", os.path.join(d, "k.pem"), "-outform", "DER", "-out", der],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(der, "rb") as f:
            return base64.b64encode(f.read()).decode()


CERT = make_certificate()

PEOPLE = [
    ("Zed", "Quorra-%s", "zed.q%s@example.test", None),
    ("Amy", "Quorra-%s", "amy.q%s@example.test", PNG),
    ("Bob", "Builder-%s", "bob@example.test", None),
    ("Carl", "Quenby-%s", "carl%s@example.test", PNG),
]


@pytest.fixture(scope="module")
def gal():
    tag = uuid.uuid4().hex[:6]
    dav = Dav()
    path = "/alice/gal-%s/" % tag
    # The gateway first: the DAV calls below leave ephemeral ports in TIME_WAIT that the
    # gateway's listeners could otherwise collide with.
    state = tempfile.mkdtemp(prefix="easgate-it-gal-")
    gw = Gateway(state, extra_yaml="directory:\n  carddav: {href: %s}\n" % path,
                 port_offset=PORT_OFFSET)
    dav.make("contacts", "it-gal-%s" % tag, path)
    for first, last, email, photo in PEOPLE:
        uid = uuid.uuid4().hex
        card = ("BEGIN:VCARD\nVERSION:3.0\nUID:%s\nFN:%s %s\nN:%s;%s;;;\n"
                "EMAIL;TYPE=INTERNET:%s\nTITLE:Staff\nORG:Example\nTEL;TYPE=WORK:+1 555 0100\n"
                % (uid, first, last % tag, last % tag, first, email % tag if "%s" in email else email))
        if photo:
            card += "PHOTO;ENCODING=b;TYPE=PNG:%s\n" % photo
        if first == "Carl":
            card += "KEY;ENCODING=b;TYPE=X509:%s\n" % CERT
        card += "END:VCARD\n"
        dav.put(path + uid + ".vcf", card)
    yield gw, tag
    gw.stop()
    dav.delete(path)


def client(gw, version="14.1"):
    return EasClient("127.0.0.1", gw.eas_port, version=version,
                     device_id="ITGAL%06d" % (uuid.uuid4().int % 10**6))


def search(c, query, options=""):
    xml = ('<Search xmlns="Search:" xmlns:gal="Gal:"><Store><Name>GAL</Name><Query>%s</Query>'
           '%s</Store></Search>' % (query, "<Options>%s</Options>" % options if options else ""))
    r = c.command("Search", xml)
    assert r.status == 200, r.body
    return r


def names(r):
    out = []
    for res in r.findall("Response/Store/Result", SE):
        d = res.find("{Search:}Properties/{Gal:}DisplayName")
        if d is not None:
            out.append(d.text)
    return out


@pytest.mark.parametrize("version", ["12.1", "14.1", "16.1"])
def test_gal_search_partial_name(gal, version):
    gw, tag = gal
    c = client(gw, version)
    r = search(c, "quorra-" + tag[:3])
    assert r.find("Status", SE) == "1"
    assert r.find("Response/Store/Status", SE) == "1", r.xml
    assert names(r) == ["Amy Quorra-%s" % tag, "Zed Quorra-%s" % tag], r.xml
    assert r.find("Response/Store/Total", SE) == "2"
    first = r.findall("Response/Store/Result", SE)[0]
    props = first.find("{Search:}Properties")
    assert props.find("{Gal:}EmailAddress").text == "amy.q%s@example.test" % tag
    assert props.find("{Gal:}FirstName").text == "Amy"
    assert props.find("{Gal:}Title").text == "Staff"
    # First name prefix matches too; nothing for a stranger.
    assert names(search(c, "Carl")) == ["Carl Quenby-%s" % tag]
    r = search(c, "nobody-" + tag)
    assert r.find("Response/Store/Total", SE) == "0"


def test_gal_range_paging(gal):
    gw, tag = gal
    c = client(gw)
    r = search(c, "Q", "<Range>1-1</Range>")
    # Q matches Quorra x2 and Quenby; sorted by display name: Amy, Carl, Zed.
    assert r.find("Response/Store/Range", SE) == "1-1", r.xml
    assert r.find("Response/Store/Total", SE) == "3"
    assert names(r) == ["Carl Quenby-%s" % tag]


def test_gal_picture_when_asked(gal):
    gw, tag = gal
    c = client(gw, "14.1")
    r = search(c, "quorra-" + tag, "<Picture><MaxPictures>5</MaxPictures></Picture>")
    res = r.findall("Response/Store/Result", SE)
    pics = [x.find("{Search:}Properties/{Gal:}Picture") for x in res]
    assert pics[0].find("{Gal:}Status").text == "1"
    # wbxml2xml shows gal:Data base64-encoded once more; the gateway sent the PNG's base64.
    assert base64.b64decode(pics[0].find("{Gal:}Data").text) == PNG.encode()
    assert pics[1].find("{Gal:}Status").text == "173"  # Zed has no photo
    # Not asked: no Picture element.
    r = search(c, "quorra-" + tag)
    assert all(x.find("{Search:}Properties/{Gal:}Picture") is None
               for x in r.findall("Response/Store/Result", SE))
    # MaxPictures 1: the second picture is refused with 175.
    r = search(c, "Q", "<Picture><MaxPictures>1</MaxPictures></Picture>")
    st = [x.find("{Search:}Properties/{Gal:}Picture/{Gal:}Status").text
          for x in r.findall("Response/Store/Result", SE)]
    assert st == ["1", "175", "173"], r.xml


def resolve(c, tos, options=""):
    xml = ('<ResolveRecipients xmlns="ResolveRecipients:">%s%s</ResolveRecipients>'
           % ("".join("<To>%s</To>" % t for t in tos),
              "<Options>%s</Options>" % options if options else ""))
    r = c.command("ResolveRecipients", xml)
    assert r.status == 200, r.body
    assert r.find("Status", "ResolveRecipients") == "1", r.xml
    return r.findall("Response", "ResolveRecipients")


def rr(e, path):
    x = e.find("/".join("{ResolveRecipients:}%s" % p for p in path.split("/")))
    return None if x is None else x.text


def test_resolve_recipients_names_and_addresses(gal):
    gw, tag = gal
    c = client(gw)
    amy, many, nobody, addr = resolve(c, ["Amy Quorra-" + tag, "Quorra-" + tag, "nobody-" + tag,
                                          "amy.q%s@example.test" % tag])
    assert rr(amy, "Status") == "1" and rr(amy, "RecipientCount") == "1"
    assert rr(amy, "Recipient/EmailAddress") == "amy.q%s@example.test" % tag
    assert rr(amy, "Recipient/DisplayName") == "Amy Quorra-%s" % tag
    assert rr(many, "Status") == "2" and rr(many, "RecipientCount") == "2"
    assert rr(nobody, "Status") == "4" and rr(nobody, "RecipientCount") == "0"
    assert rr(addr, "Recipient/DisplayName") == "Amy Quorra-%s" % tag


BUSY = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//easgate tests//EN
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20260101T000000Z
DTSTART:{start}
DTEND:{end}
SUMMARY:fb
STATUS:{status}
END:VEVENT
END:VCALENDAR
"""


def test_availability_matches_each_users_calendar(gal):
    gw, tag = gal
    made = []
    try:
        for user, events in (("alice", [("20310303T100000Z", "20310303T110000Z", "CONFIRMED"),
                                        ("20310303T130000Z", "20310303T133000Z", "TENTATIVE")]),
                             ("bob", [("20310303T091500Z", "20310303T094500Z", "CONFIRMED")])):
            d = Dav(user)
            path = d.make("calendar", "it-fb-%s" % tag)
            made.append((d, path))
            for start, end, status in events:
                uid = uuid.uuid4().hex
                d.put(path + uid + ".ics", BUSY.format(uid=uid, start=start, end=end, status=status))
        window = ("<Availability><StartTime>2031-03-03T09:00:00.000Z</StartTime>"
                  "<EndTime>2031-03-03T15:00:00.000Z</EndTime></Availability>")
        expected = {"alice": "002200001000", "bob": "220000000000"}
        for user in ("alice", "bob"):
            c = EasClient("127.0.0.1", gw.eas_port, user="%s@example.test" % user, version="14.1",
                          device_id="ITFB%06d" % (uuid.uuid4().int % 10**6))
            (resp,) = resolve(c, ["%s@example.test" % user], window)
            assert rr(resp, "Recipient/Availability/Status") == "1", resp
            assert rr(resp, "Recipient/Availability/MergedFreeBusy") == expected[user]
        # Across users, as Exchange shows it: alice asks for bob and herself in one request
        # and gets each one's own calendars (the dev Radicale lets users read each other's
        # calendars; the gateway asks with alice's credentials).
        c = EasClient("127.0.0.1", gw.eas_port, user="alice@example.test", version="16.1",
                      device_id="ITFB%06d" % (uuid.uuid4().int % 10**6))
        for_bob, for_alice = resolve(c, ["bob@example.test", "alice@example.test"], window)
        assert rr(for_bob, "Recipient/EmailAddress") == "bob@example.test"
        assert rr(for_bob, "Recipient/Availability/Status") == "1", for_bob
        assert rr(for_bob, "Recipient/Availability/MergedFreeBusy") == expected["bob"]
        assert rr(for_alice, "Recipient/Availability/MergedFreeBusy") == expected["alice"]
        # A window shorter than 30 minutes is a protocol error (Status 5).
        c = EasClient("127.0.0.1", gw.eas_port, version="14.1", device_id="ITFB000001")
        r = c.command("ResolveRecipients",
                      '<ResolveRecipients xmlns="ResolveRecipients:"><To>Amy</To><Options>'
                      '<Availability><StartTime>2031-03-03T09:00:00.000Z</StartTime><EndTime>'
                      '2031-03-03T09:10:00.000Z</EndTime></Availability></Options>'
                      '</ResolveRecipients>')
        assert r.find("Status", "ResolveRecipients") == "5"
    finally:
        for d, path in made:
            d.delete(path)


def test_resolve_recipients_finds_the_users_own_contacts(gal):
    gw, tag = gal
    d = Dav()
    path = d.make("contacts", "it-rrc-%s" % tag)
    try:
        uid = uuid.uuid4().hex
        d.put(path + uid + ".vcf", "BEGIN:VCARD\nVERSION:3.0\nUID:%s\nFN:Ulrike Private-%s\n"
              "N:Private-%s;Ulrike;;;\nEMAIL:ulrike%s@elsewhere.test\nEND:VCARD\n" % (uid, tag, tag, tag))
        c = client(gw)
        (resp,) = resolve(c, ["Private-" + tag])
        assert rr(resp, "Status") == "1", resp
        assert rr(resp, "Recipient/Type") == "2"
        assert rr(resp, "Recipient/EmailAddress") == "ulrike%s@elsewhere.test" % tag
        # GAL entries keep Type 1.
        (amy,) = resolve(c, ["Amy Quorra-" + tag])
        assert rr(amy, "Recipient/Type") == "1"
    finally:
        d.delete(path)


def test_resolve_recipients_returns_vcard_certificates(gal):
    gw, tag = gal
    c = client(gw)
    tos = ["Carl Quenby-" + tag, "Amy Quorra-" + tag]

    def certs(retrieval, extra=""):
        return [r.find("{ResolveRecipients:}Recipient/{ResolveRecipients:}Certificates")
                for r in resolve(c, tos, "<CertificateRetrieval>%s</CertificateRetrieval>%s"
                                 % (retrieval, extra))]

    def text(e, name):
        x = e.find("{ResolveRecipients:}%s" % name)
        return None if x is None else x.text

    def same_cert(sent):
        # wbxml2xml may show opaque data base64-encoded once more.
        return sent == CERT or base64.b64decode(sent) == CERT.encode()

    carl, amy = certs(2)
    assert text(carl, "Status") == "1" and text(carl, "CertificateCount") == "1"
    assert same_cert(text(carl, "Certificate"))
    # MS-ASCMD 2.2.3.177.12: 7, the recipient has no valid certificate.
    assert text(amy, "Status") == "7" and text(amy, "Certificate") is None
    carl, amy = certs(3)
    assert text(carl, "Status") == "1" and same_cert(text(carl, "MiniCertificate"))
    # MaxCertificates 0: the limit is hit, nothing is sent and the count says what was held.
    carl, amy = certs(2, "<MaxCertificates>0</MaxCertificates>")
    assert text(carl, "Status") == "8" and text(carl, "CertificateCount") == "1"
    assert text(carl, "Certificate") is None
    # Not asked (1, the default): no Certificates element at all.
    assert certs(1) == [None, None]
    r = c.command("ResolveRecipients", '<ResolveRecipients xmlns="ResolveRecipients:"><To>Amy</To>'
                  '<Options><CertificateRetrieval>4</CertificateRetrieval></Options>'
                  '</ResolveRecipients>')
    assert r.find("Status", "ResolveRecipients") == "5"


def backend_calls(gw, operation):
    total = 0
    for line in gw.metrics().splitlines():
        if line.startswith("easgate_backend_calls_total") and 'operation="%s"' % operation in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_gal_search_asks_the_server_instead_of_reading_the_whole_book(gal):
    gw, tag = gal
    c = client(gw)
    queries, listings = backend_calls(gw, "query_items"), backend_calls(gw, "sync_changes")
    assert names(search(c, "quenby-" + tag)) == ["Carl Quenby-%s" % tag]
    (amy,) = resolve(c, ["amy.q%s@example.test" % tag])
    assert rr(amy, "Recipient/DisplayName") == "Amy Quorra-%s" % tag
    # One addressbook-query per book (the GAL, then alice's own books), no listing of the GAL.
    assert backend_calls(gw, "query_items") >= queries + 2
    assert backend_calls(gw, "sync_changes") == listings
