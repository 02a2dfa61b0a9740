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
#include "backends/ical/eas_time.h"
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
constexpr char kLog[] = "meeting_response";

// MS-ASCMD 2.2.3.177.8 MeetingResponse Status.
enum MeetingResponseStatus : int {
  kMrSuccess = 1,         // success
  kMrInvalidRequest = 2,  // the meeting request is invalid (unknown item, not an attendee)
  kMrMailboxError = 3,    // an error occurred on the mailbox server (backend)
  kMrServerError = 4,     // an error occurred on the server
  // MS-ASCMD 2.2.2 common status codes used by InstanceId (2.2.3.92.1):
  kMrInvalidDateTime = 104,  // InstanceId is not an MS-ASDTYPE dateTime
  kMrNoRecurrence = 146,     // InstanceId names an occurrence of a meeting that does not recur
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// One request of the MeetingResponse body.
struct MeetingRequest {
  MeetingAnswer answer = MeetingAnswer::kAccepted;  // UserResponse
  std::string collection_id;                        // CollectionId
  std::string request_id;                           // RequestId (the item's ServerId)
  bool send_response = true;                        // 16.x SendResponse present (or < 16)
  bool valid = false;                               // all required elements were read
  std::string instance_id;                          // InstanceId as sent (14.1+), echoed
  std::optional<int64_t> instance;                  // InstanceId as UTC seconds, when valid
  int refused = 0;                                  // a Status to answer at once (104, 2)
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
  std::string object_name;              // "<uid>.ics": where the object is created
  std::string uid;                      // the invitation's UID
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
  // MS-ASCMD 2.2.3.155.2: InstanceId follows CalendarId when the request named one.
  if (!r.instance_id.empty()) res.add_text(mr::kInstanceId, r.instance_id);
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
    auto reply = answer_meeting(got->front().body, run->request->credentials.user, r.answer, stamp,
                                r.instance);
    if (!reply.is_ok()) {
      log_info(kLog).msg("cannot answer").kv("error", reply.status().message());
      return answer(run, reply.status().kind() == ErrorKind::kUnsupported ? kMrNoRecurrence
                                                                        : kMrInvalidRequest);
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
  auto reply = answer_meeting(run->invite_ics, run->request->credentials.user, r.answer, stamp,
                              r.instance);
  if (!reply.is_ok()) {
    return answer(run, reply.status().kind() == ErrorKind::kUnsupported ? kMrNoRecurrence
                                                                      : kMrInvalidRequest);
  }
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

// Looks for "<uid>.ics" in `collection`: the name this gateway gives the objects it
// creates, and the fallback for a server without calendar-query.
void probe_by_name(const Run& run, const std::string& collection);

// Finds the meeting by UID in each calendar in turn with a calendar-query REPORT (RFC 4791
// section 7.8.6, text-match on UID), since other clients and server-side scheduling name
// the object as they like; the first hit is answered like a calendar item, no hit
// creates the object.
void probe_calendars(const Run& run) {
  if (run->next_calendar == run->calendars.size()) return create_from_invite(run);
  std::string collection = run->calendars[run->next_calendar++];
  DavTextQuery query;
  query.component = "VEVENT";
  query.terms = {{"UID", run->uid}};
  query.match = DavTextQuery::Match::kEquals;
  run->request->services.collection_store->query_items(
      run->request->credentials, collection, CollectionKind::kCalendar, query,
      [run, collection](Result<std::vector<DavItem>> found) {
    if (!run->request->client_alive()) return;
    if (!found.is_ok()) return probe_by_name(run, collection);
    // CalDAV text-match is a substring match (RFC 4791 section 9.7.5): check the UID.
    for (const DavItem& item : *found) {
      if (meeting_has_uid(item.body, run->uid)) return answer_from_calendar(run, collection, item.href);
    }
    probe_calendars(run);
  });
}

void probe_by_name(const Run& run, const std::string& collection) {
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
    run->uid = item->uid;
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
  if (r.refused) return answer(run, r.refused);
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
    // MS-ASCMD 2.2.3.92.1 InstanceId (14.1+): the original UTC start of the one occurrence
    // answered; Status 2 before 14.1, 104 when it is not a dateTime.
    if (const WbxmlElement* inst = e->child(mr::kInstanceId)) {
      r.instance_id = std::string(inst->text());
      if (request->eas->version < ProtocolVersion::v14_1()) {
        r.refused = kMrInvalidRequest;
      } else if (std::optional<int64_t> t = ical::parse_eas_datetime(r.instance_id)) {
        r.instance = *t;
      } else {
        r.refused = kMrInvalidDateTime;
      }
    }
    run->requests.push_back(std::move(r));
  }
  auto hierarchy = request->services.store->load_current_folder_hierarchy(
      DeviceKey{request->credentials.user, request->eas->device_id});
  if (hierarchy.is_ok()) run->folders = std::move(hierarchy->folders);
  run_next(run);
}

}  // namespace easgate
