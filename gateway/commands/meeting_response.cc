#include "gateway/commands/meeting_response.h"

#include <algorithm>
#include <optional>
#include <cctype>
#include <chrono>
#include <ctime>
#include <random>

#include "backends/api/collection_store.h"
#include "backends/api/mail_submitter.h"
#include "backends/api/mail_store.h"
#include "backends/ical/ical_calendar.h"
#include "backends/ical/ical_support.h"
#include "backends/mime/mime_message.h"
#include "gateway/commands/mail_item_ref.h"
#include "gateway/commands/sync_dav.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"

namespace easgate {
namespace {

namespace mr = tag::meeting_response;
using ical::detail::ComponentPtr;

constexpr char kLog[] = "meeting_response";

// MS-ASCMD 2.2.3.177.8 MeetingResponse Status.
enum MeetingResponseStatus : int {
  kMrSuccess = 1,         // success
  kMrInvalidRequest = 2,  // the meeting request is invalid (unknown item, not an attendee)
  kMrMailboxError = 3,    // an error occurred on the mailbox server (backend)
  kMrServerError = 4,     // an error occurred on the server
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string strip_mailto(std::string_view v) {
  if (v.size() >= 7 && lower(v.substr(0, 7)) == "mailto:") v.remove_prefix(7);
  return std::string(v);
}

icalparameter_partstat partstat_of(MeetingAnswer a) {
  switch (a) {
    case MeetingAnswer::kAccepted: return ICAL_PARTSTAT_ACCEPTED;
    case MeetingAnswer::kTentative: return ICAL_PARTSTAT_TENTATIVE;
    case MeetingAnswer::kDeclined: return ICAL_PARTSTAT_DECLINED;
  }
  return ICAL_PARTSTAT_ACCEPTED;
}

icalproperty* find_attendee(icalcomponent* ev, const std::string& user) {
  for (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p;
       p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
    const char* v = icalproperty_get_attendee(p);
    if (v && lower(strip_mailto(v)) == user) return p;
  }
  return nullptr;
}

// One request of the MeetingResponse body.
struct MeetingRequest {
  MeetingAnswer answer = MeetingAnswer::kAccepted;  // UserResponse
  std::string collection_id;                        // CollectionId
  std::string request_id;                           // RequestId (the item's ServerId)
  bool send_response = true;                        // 16.x SendResponse present (or < 16)
  bool valid = false;                               // all required elements were read
};

struct MeetingRun {
  std::shared_ptr<RequestContext> request;
  std::vector<MeetingRequest> requests;
  std::vector<FolderEntry> folders;
  size_t next = 0;
  WbxmlElement root{mr::kMeetingResponse};
  int attempts = 0;  // PUT attempts for the current request (a 412 is re-read once)
  // Set while answering from a meeting request mail: the mail, moved to Deleted Items
  // once answered, and where the calendar object lives.
  std::optional<MailItemRef> mail;
  std::string invite_ics;               // the mail's text/calendar part
  std::vector<std::string> calendars;   // the user's calendars, default first
  size_t next_calendar = 0;             // probe position in `calendars`
  std::string object_name;              // "<uid>.ics": where the object is looked for
};
using Run = std::shared_ptr<MeetingRun>;

void run_next(const Run& run);

void answer(const Run& run, int status, const std::string& calendar_id = {}) {
  const MeetingRequest& r = run->requests[run->next];
  WbxmlElement& res = run->root.add_child(mr::kResult);
  res.add_text(mr::kRequestId, r.request_id);
  res.add_text(mr::kStatus, std::to_string(status));
  // MS-ASCMD 2.2.3.18: no CalendarId when the meeting was declined.
  if (status == kMrSuccess && r.answer != MeetingAnswer::kDeclined && !calendar_id.empty())
    res.add_text(mr::kCalendarId, calendar_id);
  ++run->next;
  run->attempts = 0;
  run->mail.reset();
  run->calendars.clear();
  run->next_calendar = 0;
  run_next(run);
}

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string reply_mail(const std::string& from, const MeetingReply& reply, MeetingAnswer a,
                       std::chrono::system_clock::time_point now) {
  std::mt19937_64 rng(static_cast<uint64_t>(now.time_since_epoch().count()));
  char token[40];
  std::snprintf(token, sizeof token, "%016llx", static_cast<unsigned long long>(rng()));
  std::string boundary = std::string("=_easgate_") + token;
  const char* verb = a == MeetingAnswer::kAccepted ? "Accepted"
                     : a == MeetingAnswer::kTentative ? "Tentative" : "Declined";
  std::string ics = reply.reply_ics;
  std::string m;
  m += "From: <" + from + ">\r\n";
  m += "To: <" + reply.organizer + ">\r\n";
  m += std::string("Subject: ") + verb + ": " + reply.summary + "\r\n";
  m += "Date: " + rfc5322_date(now) + "\r\n";
  m += std::string("Message-ID: <") + token + ".mr@easgate>\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  m += from + " " + lower(verb) + " this invitation.\r\n";
  // RFC 6047 2.4: the iCalendar part names its method.
  m += "--" + boundary + "\r\nContent-Type: text/calendar; charset=utf-8; method=REPLY\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n\r\n";
  m += ics;
  if (ics.empty() || ics.back() != '\n') m += "\r\n";
  m += "--" + boundary + "--\r\n";
  return m;
}

// Exchange removes a meeting request from the Inbox once it is answered (it goes to
// Deleted Items whatever the answer); a failed move leaves it and still reports success,
// since the answer itself was recorded and sent.
void succeed(const Run& run, const std::string& calendar_id) {
  const FolderEntry* trash = nullptr;
  for (const auto& f : run->folders)
    if (f.type == 4 && imap_mailbox_of(f)) trash = &f;
  if (!run->mail || !trash || *imap_mailbox_of(*trash) == run->mail->mailbox.name)
    return answer(run, kMrSuccess, calendar_id);
  run->request->services.mail_store->move_messages(
      run->request->credentials, run->mail->mailbox, {run->mail->uid}, *imap_mailbox_of(*trash),
      [run, calendar_id](Result<MessageMoveResult> r) {
    if (!run->request->client_alive()) return;
    if (!r.is_ok()) log_warn(kLog).msg("request mail not moved").kv("error", r.status().to_string());
    answer(run, kMrSuccess, calendar_id);
  });
}

// The device's ServerId of `href` in the calendar folder of `collection_href`, when it has
// synced that folder; empty otherwise (the item reaches it with the next Sync).
std::string calendar_id_for(const Run& run, const std::string& collection_href,
                            const std::string& href) {
  for (const auto& f : run->folders) {
    if (f.backend_ref != "dav:" + collection_href) continue;
    CollectionKey key{run->request->credentials.user, run->request->eas->device_id, f.server_id};
    StateStore& store = *run->request->services.store;
    auto current = store.load_current_collection_state(key);
    if (!current.is_ok()) return {};
    auto ids = store.lookup_by_backend_ids(key, current->generation, {href});
    if (ids.is_ok() && !ids->empty() && (*ids)[0]) return *(*ids)[0];
  }
  return {};
}

void send_reply(const Run& run, const MeetingReply& reply, const std::string& calendar_id) {
  const MeetingRequest& r = run->requests[run->next];
  const std::string user = lower(run->request->credentials.user);
  WorkerServices& s = run->request->services;
  if (!r.send_response || reply.organizer.empty() || lower(reply.organizer) == user ||
      !s.mail_submitter)
    return succeed(run, calendar_id);
  OutgoingMessage msg;
  msg.envelope_from = run->request->credentials.user;
  msg.envelope_to = {reply.organizer};
  msg.rfc822 = reply_mail(run->request->credentials.user, reply, r.answer, s.clock->wall_now());
  s.mail_submitter->submit(run->request->credentials, std::move(msg),
                           [run, calendar_id](Status st) {
    if (!run->request->client_alive()) return;
    if (!st.is_ok()) {
      // The calendar already holds the answer; the organizer just was not told. The
      // client is told the mailbox server failed so the user can retry.
      log_warn(kLog).msg("REPLY not sent").kv("error", st.to_string());
      return answer(run, kMrMailboxError);
    }
    succeed(run, calendar_id);
  });
}

void answer_from_calendar(const Run& run, const std::string& collection_href,
                          const std::string& href) {
  CollectionStore& dav = *run->request->services.collection_store;
  const Credentials& creds = run->request->credentials;
  dav.fetch_items(creds, collection_href, CollectionKind::kCalendar, {href},
                  [run, collection_href, href](Result<std::vector<DavItem>> got) {
    if (!run->request->client_alive()) return;
    if (!got.is_ok()) return answer(run, kMrMailboxError);
    if (got->empty()) return answer(run, kMrInvalidRequest);
    const MeetingRequest& r = run->requests[run->next];
    auto now = run->request->services.clock->wall_now();
    std::time_t tt = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char stamp[20];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    auto reply = answer_meeting(got->front().body, run->request->credentials.user, r.answer, stamp);
    if (!reply.is_ok()) {
      log_info(kLog).msg("cannot answer").kv("error", reply.status().message());
      return answer(run, kMrInvalidRequest);
    }
    DavPut put;
    put.href_or_name = href;
    put.body = reply->updated_ics;
    put.content_type = "text/calendar; charset=utf-8";
    put.if_match = got->front().etag;
    auto shared = std::make_shared<MeetingReply>(std::move(reply).value());
    run->request->services.collection_store->put_item(
        run->request->credentials, collection_href, std::move(put),
        [run, collection_href, href, shared](Result<DavItemRef> r) {
      if (!run->request->client_alive()) return;
      if (!r.is_ok()) {
        // Changed meanwhile (412): read it again and answer on the new version, once.
        if (r.status().kind() == ErrorKind::kConflict && ++run->attempts < 2)
          return answer_from_calendar(run, collection_href, href);
        log_warn(kLog).msg("PARTSTAT not written").kv("error", r.status().to_string());
        return answer(run, kMrMailboxError);
      }
      std::string calendar_id = run->mail ? calendar_id_for(run, collection_href, href)
                                          : run->requests[run->next].request_id;
      send_reply(run, *shared, calendar_id);
    });
  });
}

// A resource name for the meeting's UID: what this gateway creates and looks for.
std::string object_name_for(std::string_view uid) {
  std::string out;
  for (char c : uid)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '@')
               ? c : '_';
  return out + ".ics";
}

// Not in any calendar yet (no server-side scheduling put it there): like Exchange, the
// answer puts the meeting into the default calendar (MS-ASCMD 2.2.3.18).
void create_from_invite(const Run& run) {
  if (run->calendars.empty()) return answer(run, kMrInvalidRequest);
  const MeetingRequest& r = run->requests[run->next];
  auto now = run->request->services.clock->wall_now();
  std::time_t tt = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char stamp[20];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  auto reply = answer_meeting(run->invite_ics, run->request->credentials.user, r.answer, stamp);
  if (!reply.is_ok()) return answer(run, kMrInvalidRequest);
  const std::string collection = run->calendars.front();
  DavPut put;
  put.href_or_name = run->object_name;
  put.body = reply->updated_ics;
  put.content_type = "text/calendar; charset=utf-8";  // If-None-Match: * (if_match empty)
  auto shared = std::make_shared<MeetingReply>(std::move(reply).value());
  run->request->services.collection_store->put_item(
      run->request->credentials, collection, std::move(put),
      [run, collection, shared](Result<DavItemRef> put_result) {
    if (!run->request->client_alive()) return;
    if (!put_result.is_ok()) {
      log_warn(kLog).msg("meeting not added").kv("error", put_result.status().to_string());
      return answer(run, kMrMailboxError);
    }
    send_reply(run, *shared, calendar_id_for(run, collection, put_result->href));
  });
}

// Looks for "<uid>.ics" in each calendar in turn; the first hit is answered like a
// calendar item, no hit creates the object.
void probe_calendars(const Run& run) {
  if (run->next_calendar == run->calendars.size()) return create_from_invite(run);
  std::string collection = run->calendars[run->next_calendar++];
  std::string href = collection + run->object_name;
  run->request->services.collection_store->fetch_items(
      run->request->credentials, collection, CollectionKind::kCalendar, {href},
      [run, collection, href](Result<std::vector<DavItem>> got) {
    if (!run->request->client_alive()) return;
    if (got.is_ok() && !got->empty()) return answer_from_calendar(run, collection, href);
    probe_calendars(run);
  });
}

// MeetingResponse on a meeting request mail (MS-ASCMD 2.2.1.11: RequestId is the mail's
// ServerId): its text/calendar part names the meeting by UID.
void answer_from_mail(const Run& run) {
  const MeetingRequest& r = run->requests[run->next];
  DeviceKey device{run->request->credentials.user, run->request->eas->device_id};
  auto ref = resolve_mail_item(*run->request->services.store, device, r.collection_id, r.request_id);
  if (!ref.is_ok() || !run->request->services.mail_store) return answer(run, kMrInvalidRequest);
  run->mail = *ref;
  run->request->services.mail_store->fetch_messages(
      run->request->credentials, ref->mailbox, {ref->uid}, 0,
      [run](Result<std::vector<FetchedMessage>> got) {
    if (!run->request->client_alive()) return;
    if (!got.is_ok()) return answer(run, kMrMailboxError);
    if (got->empty()) return answer(run, kMrInvalidRequest);
    auto message = mime::MimeMessage::parse(got->front().bytes);
    if (!message.is_ok() || !message->calendar()) return answer(run, kMrInvalidRequest);
    run->invite_ics = mime::decoded_text(message->calendar()->object);
    ical::ConversionContext ctx;
    ctx.user_email = run->request->credentials.user;
    auto item = ical::calendar_item_from_ical(run->invite_ics, ctx);
    if (!item.is_ok() || item->uid.empty()) return answer(run, kMrInvalidRequest);
    run->object_name = object_name_for(item->uid);
    run->request->services.collection_store->list_collections(
        run->request->credentials, [run](Result<std::vector<DavCollection>> list) {
      if (!run->request->client_alive()) return;
      if (!list.is_ok()) return answer(run, kMrMailboxError);
      for (const DavCollection& c : *list) {
        if (c.kind != CollectionKind::kCalendar) continue;
        std::string href = c.href.empty() || c.href.back() == '/' ? c.href : c.href + '/';
        if (c.is_default) run->calendars.insert(run->calendars.begin(), href);
        else run->calendars.push_back(href);
      }
      probe_calendars(run);
    });
  });
}

void run_next(const Run& run) {
  if (!run->request->client_alive()) return;
  if (run->next == run->requests.size()) {
    WbxmlDocument doc;
    doc.root = std::move(run->root);
    run->request->reply_wbxml(doc, kMrSuccess);
    return;
  }
  const MeetingRequest& r = run->requests[run->next];
  if (!r.valid) return answer(run, kMrInvalidRequest);
  const FolderEntry* folder = nullptr;
  for (const auto& f : run->folders)
    if (f.server_id == r.collection_id) folder = &f;
  if (!run->request->services.collection_store) return answer(run, kMrServerError);
  if (folder && imap_mailbox_of(*folder)) return answer_from_mail(run);
  auto target = folder ? dav_target_for_folder(*folder, SyncCollectionRequest{}, 0) : std::nullopt;
  if (!target || target->kind != CollectionKind::kCalendar) {
    log_info(kLog).msg("request not in a calendar or mail folder").kv("collection", r.collection_id);
    return answer(run, kMrInvalidRequest);
  }
  CollectionKey key{run->request->credentials.user, run->request->eas->device_id, r.collection_id};
  StateStore& store = *run->request->services.store;
  auto current = store.load_current_collection_state(key);
  if (!current.is_ok()) return answer(run, kMrInvalidRequest);
  auto found = store.lookup_by_server_ids(key, current->generation, {r.request_id});
  if (!found.is_ok() || found->empty() || !(*found)[0]) return answer(run, kMrInvalidRequest);
  answer_from_calendar(run, target->href, *(*found)[0]);
}

}  // namespace

Result<MeetingReply> answer_meeting(std::string_view ics, std::string_view user,
                                    MeetingAnswer answer, std::string_view now_utc) {
  std::lock_guard lock(ical::detail::libical_mutex());
  ical::detail::init_libical();
  std::string text(ics);
  ComponentPtr root(icalparser_parse_string(text.c_str()));
  if (!root || icalcomponent_isa(root.get()) != ICAL_VCALENDAR_COMPONENT)
    return Status::malformed("not an iCalendar object");
  std::string me = lower(user);
  MeetingReply out;
  ComponentPtr reply(icalcomponent_new(ICAL_VCALENDAR_COMPONENT));
  icalcomponent_add_property(reply.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(reply.get(), icalproperty_new_prodid("-//easgate//EAS gateway//EN"));
  icalcomponent_add_property(reply.get(), icalproperty_new_method(ICAL_METHOD_REPLY));
  bool found = false;
  for (icalcomponent* ev = icalcomponent_get_first_component(root.get(), ICAL_VEVENT_COMPONENT); ev;
       ev = icalcomponent_get_next_component(root.get(), ICAL_VEVENT_COMPONENT)) {
    icalproperty* att = find_attendee(ev, me);
    if (!att) continue;
    found = true;
    icalproperty_remove_parameter_by_kind(att, ICAL_PARTSTAT_PARAMETER);
    icalproperty_add_parameter(att, icalparameter_new_partstat(partstat_of(answer)));
    // RFC 5546 3.2.3: the attendee answered; RSVP no longer applies.
    icalproperty_remove_parameter_by_kind(att, ICAL_RSVP_PARAMETER);
    icalcomponent* r = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    // RFC 5546 3.2.3 REPLY: ATTENDEE, DTSTAMP, ORGANIZER, UID required; SEQUENCE and
    // RECURRENCE-ID when the request had them; DTSTART/DTEND/SUMMARY for the reader.
    for (icalproperty_kind k : {ICAL_UID_PROPERTY, ICAL_ORGANIZER_PROPERTY, ICAL_SEQUENCE_PROPERTY,
                                ICAL_RECURRENCEID_PROPERTY, ICAL_DTSTART_PROPERTY,
                                ICAL_DTEND_PROPERTY, ICAL_SUMMARY_PROPERTY}) {
      if (icalproperty* p = icalcomponent_get_first_property(ev, k))
        icalcomponent_add_property(r, icalproperty_new_clone(p));
    }
    icalcomponent_add_property(r, icalproperty_new_clone(att));
    icaltimetype stamp = icaltime_from_string(std::string(now_utc).c_str());
    icalcomponent_add_property(r, icalproperty_new_dtstamp(stamp));
    if (out.organizer.empty()) {
      if (icalproperty* o = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY))
        if (const char* v = icalproperty_get_organizer(o)) out.organizer = strip_mailto(v);
    }
    if (out.summary.empty())
      if (const char* s = icalcomponent_get_summary(ev)) out.summary = s;
    icalcomponent_add_component(reply.get(), r);
  }
  if (!found) return Status::not_found("the user is not an attendee");
  // RFC 4791 4.1: a stored calendar object carries no METHOD (an invitation's does).
  while (icalproperty* m = icalcomponent_get_first_property(root.get(), ICAL_METHOD_PROPERTY)) {
    icalcomponent_remove_property(root.get(), m);
    icalproperty_free(m);
  }
  // The zones the reply's times use travel with it (RFC 5545 3.6.5).
  for (icalcomponent* tz = icalcomponent_get_first_component(root.get(), ICAL_VTIMEZONE_COMPONENT); tz;
       tz = icalcomponent_get_next_component(root.get(), ICAL_VTIMEZONE_COMPONENT))
    icalcomponent_add_component(reply.get(), icalcomponent_new_clone(tz));
  char* updated = icalcomponent_as_ical_string_r(root.get());
  char* replied = icalcomponent_as_ical_string_r(reply.get());
  out.updated_ics = updated ? updated : "";
  out.reply_ics = replied ? replied : "";
  free(updated);
  free(replied);
  return out;
}

void MeetingResponseHandler::handle(std::shared_ptr<RequestContext> request) {
  auto run = std::make_shared<MeetingRun>();
  run->request = request;
  if (!request->body || !request->body->root.is(mr::kMeetingResponse)) {
    request->reply_error(Status::malformed("MeetingResponse body expected"));
    return;
  }
  bool v16 = !(request->eas->version < ProtocolVersion::v16_0());
  for (const WbxmlElement* e : request->body->root.children_named(mr::kRequest)) {
    MeetingRequest r;
    r.collection_id = std::string(e->child_text(mr::kCollectionId));
    r.request_id = std::string(e->child_text(mr::kRequestId));
    std::string_view ur = e->child_text(mr::kUserResponse);
    r.valid = !r.request_id.empty() && (ur == "1" || ur == "2" || ur == "3");
    if (r.valid) r.answer = static_cast<MeetingAnswer>(ur[0] - '0');
    // MS-ASCMD 2.2.3.164 SendResponse (16.0+): the server sends the response only when
    // asked. Before 16.0 the protocol has no such element; like Z-Push, the gateway sends
    // the iMIP REPLY itself, since a DAV backend has no other way to tell the organizer.
    r.send_response = !v16 || e->child(mr::kSendResponse) != nullptr;
    run->requests.push_back(std::move(r));
  }
  auto hierarchy = request->services.store->load_current_folder_hierarchy(
      DeviceKey{request->credentials.user, request->eas->device_id});
  if (hierarchy.is_ok()) run->folders = std::move(hierarchy->folders);
  run_next(run);
}

}  // namespace easgate
