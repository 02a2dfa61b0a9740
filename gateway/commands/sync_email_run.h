#pragma once
// Internal to the Email Sync engine (sync_email*.cc): the state of one collection run and
// the steps the engine's files call in each other. Not an API: use sync_email.h.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "backends/api/mail_store.h"
#include "gateway/commands/sync_email.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"
#include "gateway/sync/email_flag_snapshot.h"
#include "gateway/sync/email_sync_state.h"

namespace easgate::email_sync {

namespace as = tag::air_sync;

inline constexpr char kLog[] = "sync";

// One server change of the window, ready to be written.
struct ServedChange {
  std::string server_id;  // the item's ServerId
  uint32_t uid = 0;       // its UID
  MessageFlags flags;     // flags to show
};

// State of one collection while its backend calls are outstanding.
struct EmailCollectionRun {
  std::shared_ptr<RequestContext> request;
  SyncCollectionRequest req;
  EmailCollectionTarget target;
  std::function<void(WbxmlElement)> done;

  CollectionKey key;
  uint32_t generation = 0;     // the client's SyncKey
  bool retry = false;          // the client holds the previous generation
  uint32_t uidvalidity = 0;    // folder identity at `generation`
  EmailCursor cursor;          // cursor at `generation`, moved by collected changes
  EmailPendingWindow pending;  // list still to send, grown by collected changes
  bool map_changed = false;    // client commands changed the item map
  std::string base_cursor;     // the cursor text stored with `generation`
  std::optional<FlagSnapshot> flags;  // no-CONDSTORE UID->flags the device has, moved with it

  std::map<std::string, uint32_t> uid_of;   // client ServerId -> UID (known ones)
  std::set<uint32_t> client_touched;        // UIDs changed or deleted by this request
  std::map<uint32_t, uint64_t> own_modseq;  // MODSEQ our own flag stores produced
  std::vector<std::string> removed;         // ServerIds leaving the map
  // Drafts the device added and the gateway appended: (ClientId, UID), request order.
  std::vector<std::pair<std::string, uint32_t>> client_adds;
  // Drafts sent and removed by this request: mapped now, deleted by the next window.
  std::vector<uint32_t> sent_drafts;
  // Drafts the device changed, re-appended under a new UID: same ServerId, new UID.
  std::vector<ItemMapping> rebinds;
  // Attachments a draft Add brought: its ClientId -> (attachment ClientId, IMAP section).
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> add_attachments;
  WbxmlElement responses{as::kResponses};               // AirSync:Responses being built
  std::optional<std::map<uint32_t, MessageMeta>> meta;  // per-message metadata, loaded on use
  // Options for Adds ConversationMode brought from outside the window; made on first use.
  std::optional<EmailItemOptions> outside_window_options;
  // reconcile_sms_options changed pending.sms_wanted: the generation must be committed.
  bool sms_choice_changed = false;

  // The window being served.
  std::vector<std::string> deleted_ids;
  std::vector<ServedChange> changed;
  std::vector<FetchedMessage> added;
  size_t served_deletes = 0;  // pending.deletes consumed by this window
  size_t served_changes = 0;  // pending.changes consumed
  size_t served_adds = 0;     // pending.adds consumed
  std::vector<std::string> soft_deleted_ids;  // SoftDelete ServerIds of the window
  size_t served_soft_deletes = 0;             // pending.soft_deletes consumed

  MailStore& mail() { return *request->services.mail_store; }
  StateStore& store() { return *request->services.store; }
  MailboxRef folder() const { return MailboxRef{target.mailbox, uidvalidity}; }
  MessageMetaKey meta_key() const {
    return MessageMetaKey{request->credentials.user, target.mailbox, uidvalidity};
  }
};
using Run = std::shared_ptr<EmailCollectionRun>;

// Answers the collection with `status` (logged when it is a server-side failure).
void fail(const Run& run, int status, const Status& why);
// MS-ASCMD Status 3 after the folder identity changed: drops the state.
void invalid_key_reset(const Run& run, const Status& why);
// A backend error as the collection's answer.
void backend_failed(const Run& run, const Status& s);
// Adds a Responses/<op> entry with ServerId and Status.
void add_response(const Run& run, Tag op, std::string_view server_id, int status);

// sync_email_meta.cc: per-message metadata (follow-up flag details, last verb).
const std::map<uint32_t, MessageMeta>& meta_of(const Run& run);
void show_meta(const Run& run, uint32_t uid, const MessageFlags& flags, WbxmlElement& data);
void save_flag_meta(const Run& run);

// sync_email_adds.cc: client Adds (drafts), then apply_fetches.
void apply_fetches_and_adds(const Run& run);
// sync_email_adds.cc: appends ApplicationData/Attachments (ClientId + FileReference of each
// attachment the Add `client_id` brought, MS-ASAIRS 2.2.2.14) to its Responses/Add `e`.
void add_attachment_references(const Run& run, const std::string& client_id,
                               const std::string& server_id, WbxmlElement& e);
// sync_email_adds.cc: 16.0 draft Changes (re-APPEND + EXPUNGE), then apply_changes.
void apply_draft_changes(const Run& run);
// sync_email.cc: the client's flag Changes, Categories, Deletes, then the Adds.
void apply_changes(const Run& run);
// sync_email.cc: client Fetches, then server changes.
void apply_fetches(const Run& run);
// sync_email.cc: commits the window's generation and answers the collection.
void commit_and_reply(const Run& run);
// sync_email_filter.cc: the age (seconds; 0: all) of the FilterType the request is served
// with, after the policy clamp.
int64_t filter_age_of(const Run& run);
// sync_email_filter.cc: a FilterType the device changed re-evaluates the window (SoftDelete
// what fell out, Adds for what came in), then `next`.
void reconcile_filter_type(const Run& run, std::function<void()> next);
// sync_email_filter.cc: takes the SMS choice of the request's Options (MS-ASCMD
// 2.2.3.125.6) into the pending list; SMS left out earlier are queued as Adds when the
// device starts asking for them.
void reconcile_sms_options(const Run& run);
// sync_email_filter.cc: EmailPendingWindow::sms_wanted of a new collection.
int initial_sms_wanted(const Run& run);
// sync_email_filter.cc: true (and remembered in pending.skipped_sms) when `m` is an SMS the
// device did not ask for, so it is not sent.
bool leave_out_sms(const Run& run, const FetchedMessage& m);
// sync_email_conversation.cc: MoveAlways rules and ConversationMode on the window's new
// messages, then commit_and_reply.
void after_window_fetch(const Run& run);
// sync_email_conversation.cc: the item options of Add `uid`: the collection's, or for a
// message ConversationMode brought from outside the FilterType window the same without
// body data (MS-ASCMD 2.2.3.36.2: previews only).
const EmailItemOptions& add_options(const Run& run, uint32_t uid);

}  // namespace easgate::email_sync
