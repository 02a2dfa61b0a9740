"""A FilterType changed in a later Sync (MS-ASCMD 2.2.3.68.2), the real gateway against real
Dovecot: the server keeps the device's items to the new window without a resync. A
narrowed window sends SoftDelete (MS-ASCMD 2.2.3.172) for the messages now older than it,
which stay in the mailbox; a widened one sends the older messages as Adds. No message is
lost or sent twice, MoreAvailable walks the change at a small WindowSize, and a Sync that
repeats the FilterType changes nothing.

Works in a uniquely named folder of alice's, created and deleted here.
"""
import imaplib
import time
import uuid

import pytest

from test_conversations import DAY, imap, message
from test_email_sync import coll, collection_id, key_of, status_of

AS = "{AirSync:}"
EM = "{Email:}"
AGES = (0, 2, 10, 20, 40)  # days


@pytest.fixture
def aged_folder():
    name = "it-filter-%s" % uuid.uuid4().hex[:8]
    tag = uuid.uuid4().hex[:8]
    c = imap()
    assert c.create(name)[0] == "OK"
    now = time.time()
    subjects = {}
    for age in AGES:
        subject = "aged %d %s" % (age, tag)
        c.append(name, None, imaplib.Time2Internaldate(now - age * DAY - 3600),
                 message(subject, "%s-%d@example.test" % (tag, age)))
        subjects[age] = subject
    c.logout()
    yield name, subjects
    c = imap()
    c.delete(name)
    c.logout()


def sync(client, cid, key, filter_type, window=100, options=True):
    opts = "<Options><FilterType>%d</FilterType></Options>" % filter_type if options else ""
    if str(key) == "0":
        body = ""
    else:
        body = "<GetChanges>1</GetChanges><WindowSize>%d</WindowSize>" % window
    xml = ('<Sync xmlns="AirSync:"><Collections><Collection><SyncKey>%s</SyncKey>'
           '<CollectionId>%s</CollectionId>%s%s</Collection></Collections></Sync>'
           % (key, cid, body, opts))
    r = client.command("Sync", xml)
    assert r.status == 200, r.body
    assert status_of(r) == "1", r.xml
    return r


def walk(client, cid, key, filter_type, window=100, options=True):
    """Syncs until MoreAvailable is gone: key, {subject: ServerId} added, soft, hard deletes."""
    added, soft, hard = {}, [], []
    for _ in range(30):
        r = sync(client, cid, key, filter_type, window, options)
        cmds = coll(r).find(AS + "Commands")
        if cmds is not None:
            for a in cmds.findall(AS + "Add"):
                subject = a.find(AS + "ApplicationData/" + EM + "Subject").text
                assert subject not in added, "sent twice"
                added[subject] = a.find(AS + "ServerId").text
            soft += [e.find(AS + "ServerId").text for e in cmds.findall(AS + "SoftDelete")]
            hard += [e.find(AS + "ServerId").text for e in cmds.findall(AS + "Delete")]
            n = len(list(cmds))
            assert n <= window
        key = key_of(r)
        if coll(r).find(AS + "MoreAvailable") is None:
            return key, added, soft, hard
    raise AssertionError("MoreAvailable never ended")


@pytest.mark.parametrize("version", ["12.1", "14.1", "16.1"])
def test_filter_type_narrowed_and_widened(client_factory, aged_folder, version):
    name, subjects = aged_folder
    c = client_factory(version=version)
    cid = collection_id(c, name)
    key = key_of(sync(c, cid, 0, 3))
    key, added, soft, hard = walk(c, cid, key, 3)  # one week: 0 and 2 days old
    assert set(added) == {subjects[0], subjects[2]} and not soft and not hard
    device = dict(added)  # subject -> ServerId, what the device holds

    def apply(filter_type, window=100, options=True):
        nonlocal key
        key, added, soft, hard = walk(c, cid, key, filter_type, window, options)
        assert not hard
        by_sid = {sid: s for s, sid in device.items()}
        for sid in soft:
            assert sid in by_sid, "SoftDelete of an item the device does not hold"
            del device[by_sid[sid]]
        for s, sid in added.items():
            assert s not in device, "Add of an item the device holds"
            device[s] = sid
        assert len(set(device.values())) == len(device)
        return added, soft

    # Narrowed to one day: the 2-day-old message leaves the device, not the mailbox.
    added, soft = apply(1)
    assert not added and len(soft) == 1
    assert set(device) == {subjects[0]}
    box = imap()
    box.select('"%s"' % name)
    assert len(box.uid("SEARCH", None, "ALL")[1][0].split()) == len(AGES)
    box.logout()
    # Widened to two weeks, one item per window: the 2- and 10-day-old ones come back.
    added, soft = apply(4, window=1)
    assert set(added) == {subjects[2], subjects[10]} and not soft
    # A later Sync without a FilterType keeps the window (devices often leave Options out).
    before = key
    added, soft = apply(4, options=False)
    assert not added and not soft and key == before
    # All: everything.
    added, soft = apply(0)
    assert set(added) == {subjects[20], subjects[40]}
    assert set(device) == set(subjects.values())
    # Narrowed to three days, two per window: three SoftDeletes with MoreAvailable.
    added, soft = apply(2, window=2)
    assert not added and len(soft) == 3
    assert set(device) == {subjects[0], subjects[2]}
    # The same FilterType again: nothing, same SyncKey.
    before = key
    added, soft = apply(2)
    assert not added and not soft and key == before


def test_filter_change_retried_gets_the_same_answer(client_factory, aged_folder):
    """DESIGN.md "Sync engine": a client that repeats the request (the response was lost)
    gets the same changes again, also when that request changed the FilterType."""
    name, subjects = aged_folder
    c = client_factory(version="14.1")
    cid = collection_id(c, name)
    key = key_of(sync(c, cid, 0, 0))
    key, added, _, _ = walk(c, cid, key, 0)
    assert set(added) == set(subjects.values())

    def answer(r):
        cmds = coll(r).find(AS + "Commands")
        return (key_of(r), sorted((e.tag, e.find(AS + "ServerId").text)
                                  for e in (cmds if cmds is not None else [])))

    first = answer(sync(c, cid, key, 3))  # a week: 10, 20, 40 days old leave
    again = answer(sync(c, cid, key, 3))
    assert first == again
    assert sorted(sid for _, sid in first[1]) == sorted(added[subjects[a]] for a in (10, 20, 40))
    assert all(tag == AS + "SoftDelete" for tag, _ in first[1])
    # The device moves on: nothing more, and the messages are still in the mailbox.
    r = sync(c, cid, first[0], 3)
    assert coll(r).find(AS + "Commands") is None
    box = imap()
    box.select('"%s"' % name)
    assert len(box.uid("SEARCH", None, "ALL")[1][0].split()) == len(AGES)
    box.logout()
