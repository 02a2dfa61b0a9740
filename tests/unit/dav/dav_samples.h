#pragma once
// Multistatus bodies as real servers send them, for the XML and discovery tests.

namespace easgate::testing {

// Radicale 3.1.8, PROPFIND Depth:1 on /alice/ (captured from the dev stack): default
// namespace without prefix, the home itself first with 404 propstats, an address book that
// still reports a component set.
inline constexpr const char kRadicaleHomeListing[] =
    R"(<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CR="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/"><response><href>/alice/</href><propstat><prop><resourcetype><principal /><collection /></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat><propstat><prop><displayname /><C:supported-calendar-component-set /><sync-token /><CS:getctag /></prop><status>HTTP/1.1 404 Not Found</status></propstat></response><response><href>/alice/tasks/</href><propstat><prop><resourcetype><C:calendar /><collection /></resourcetype><displayname>Tasks</displayname><C:supported-calendar-component-set><C:comp name="VTODO" /></C:supported-calendar-component-set><sync-token>http://radicale.org/ns/sync/e3b0c442</sync-token><CS:getctag>"e8253faa"</CS:getctag></prop><status>HTTP/1.1 200 OK</status></propstat></response><response><href>/alice/contacts/</href><propstat><prop><resourcetype><CR:addressbook /><collection /></resourcetype><displayname>Contacts</displayname><C:supported-calendar-component-set><C:comp name="VTODO" /><C:comp name="VEVENT" /><C:comp name="VJOURNAL" /></C:supported-calendar-component-set><sync-token>http://radicale.org/ns/sync/e3b0c443</sync-token><CS:getctag>"50542834"</CS:getctag></prop><status>HTTP/1.1 200 OK</status></propstat></response><response><href>/alice/work/</href><propstat><prop><resourcetype><C:calendar /><collection /></resourcetype><displayname>Work</displayname><C:supported-calendar-component-set><C:comp name="VEVENT" /></C:supported-calendar-component-set><sync-token>http://radicale.org/ns/sync/e3b0c444</sync-token><CS:getctag>"e5c2c912"</CS:getctag></prop><status>HTTP/1.1 200 OK</status></propstat></response><response><href>/alice/calendar/</href><propstat><prop><resourcetype><C:calendar /><collection /></resourcetype><displayname>Calendar</displayname><C:supported-calendar-component-set><C:comp name="VEVENT" /></C:supported-calendar-component-set><sync-token>http://radicale.org/ns/sync/e3b0c445</sync-token><CS:getctag>"7bd8c989"</CS:getctag></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>)";

// Nextcloud (sabre/dav) calendar home: "d:"/"cal:"/"cs:" prefixes, pretty-printed, a
// VEVENT+VTODO default calendar, a VTODO-only list, scheduling inbox/outbox, trash bin,
// getctag in the CalendarServer namespace, one href given as an absolute URL.
inline constexpr const char kNextcloudCalendarHome[] = R"(<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
 <d:response>
  <d:href>/remote.php/dav/calendars/alice/</d:href>
  <d:propstat>
   <d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status>
  </d:propstat>
  <d:propstat>
   <d:prop><d:displayname/><cal:supported-calendar-component-set/><d:sync-token/><cs:getctag/></d:prop>
   <d:status>HTTP/1.1 404 Not Found</d:status>
  </d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/calendars/alice/personal/</d:href>
  <d:propstat>
   <d:prop>
    <d:resourcetype><d:collection/><cal:calendar/></d:resourcetype>
    <d:displayname>Personal</d:displayname>
    <cal:supported-calendar-component-set>
     <cal:comp name="VEVENT"/>
     <cal:comp name="VTODO"/>
    </cal:supported-calendar-component-set>
    <d:sync-token>http://sabre.io/ns/sync/17</d:sync-token>
    <cs:getctag>http://sabre.io/ns/sync/17</cs:getctag>
   </d:prop>
   <d:status>HTTP/1.1 200 OK</d:status>
  </d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/calendars/alice/app-generated--deck--board-1/</d:href>
  <d:propstat>
   <d:prop>
    <d:resourcetype><d:collection/><cal:calendar/></d:resourcetype>
    <d:displayname>Deck: Board</d:displayname>
    <cal:supported-calendar-component-set><cal:comp name="VTODO"/></cal:supported-calendar-component-set>
    <d:sync-token>http://sabre.io/ns/sync/3</d:sync-token>
    <cs:getctag>http://sabre.io/ns/sync/3</cs:getctag>
   </d:prop>
   <d:status>HTTP/1.1 200 OK</d:status>
  </d:propstat>
 </d:response>
 <d:response>
  <d:href>http://HOST/remote.php/dav/calendars/alice/a-tasks/</d:href>
  <d:propstat>
   <d:prop>
    <d:resourcetype><d:collection/><cal:calendar/></d:resourcetype>
    <d:displayname>Errands</d:displayname>
    <cal:supported-calendar-component-set><cal:comp name="VTODO"/></cal:supported-calendar-component-set>
    <cs:getctag>http://sabre.io/ns/sync/9</cs:getctag>
   </d:prop>
   <d:status>HTTP/1.1 200 OK</d:status>
  </d:propstat>
  <d:propstat>
   <d:prop><d:sync-token/></d:prop>
   <d:status>HTTP/1.1 404 Not Found</d:status>
  </d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/calendars/alice/inbox/</d:href>
  <d:propstat>
   <d:prop><d:resourcetype><d:collection/><cal:schedule-inbox/></d:resourcetype></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status>
  </d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/calendars/alice/outbox/</d:href>
  <d:propstat>
   <d:prop><d:resourcetype><d:collection/><cal:schedule-outbox/></d:resourcetype></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status>
  </d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/calendars/alice/trashbin/</d:href>
  <d:propstat>
   <d:prop><d:resourcetype><d:collection/><nc:trash-bin/></d:resourcetype></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status>
  </d:propstat>
 </d:response>
</d:multistatus>
)";

// Nextcloud address book home.
inline constexpr const char kNextcloudAddressbookHome[] = R"(<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/">
 <d:response>
  <d:href>/remote.php/dav/addressbooks/users/alice/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/addressbooks/users/alice/contacts/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Contacts</d:displayname><d:sync-token>http://sabre.io/ns/sync/4</d:sync-token><cs:getctag>http://sabre.io/ns/sync/4</cs:getctag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/addressbooks/users/alice/z-app-generated--contactsinteraction--recent/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Recently contacted</d:displayname></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
</d:multistatus>
)";

}  // namespace easgate::testing
