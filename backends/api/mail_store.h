#pragma once
// The mailbox backend as the command handlers and the sync engine see it. One instance per
// worker event loop; every method is asynchronous and its callback runs later on that
// loop, never inline. Implementations: backends/imap.
//
// Mailbox names: every `mailbox` argument is the backend's own name of a folder exactly as
// list_folders() reports it in MailFolderInfo::name (an opaque identifier, modified UTF-7
// for IMAP). Names a user typed (FolderCreate / FolderUpdate DisplayName) are UTF-8 and
// only appear as `display_name` arguments; the store encodes them.
//
// UIDs are meaningful only together with the folder's UIDVALIDITY (RFC 3501 2.3.1.1): a
// MailboxRef carries both, and a mismatch fails the call with kConflict and EAS status 3
// (MS-ASCMD 2.2.3.177.17 Sync Status 3: the client must resync the collection) instead of
// touching other messages.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backends/api/credentials.h"
#include "gateway/core/status.h"

namespace easgate {

// RFC 6154 special-use role of a mail folder.
enum class SpecialUse : uint8_t {
  kNone,     // an ordinary user folder
  kInbox,    // INBOX (not a special-use attribute, but a role all the same)
  kDrafts,   // \Drafts
  kSent,     // \Sent
  kTrash,    // \Trash
  kJunk,     // \Junk
  kArchive,  // \Archive
  kAll,      // \All (virtual)
  kFlagged,  // \Flagged (virtual)
};

struct MailFolderInfo {
  // Full IMAP mailbox name in its modified UTF-7 wire form, e.g. "Archive/2024".
  std::string name;
  // Display name: last hierarchy level, decoded to UTF-8.
  std::string display_name;
  // Full name of the parent mailbox; empty for top-level folders.
  std::string parent_name;
  // Hierarchy delimiter the server uses ('/' or '.'); 0 when flat.
  char delimiter = '/';
  SpecialUse special_use = SpecialUse::kNone;
  // RFC 8474 MAILBOXID when the server offers OBJECTID; stable across renames.
  std::string mailbox_id;
  // UIDVALIDITY; 0 when unknown. A change means the folder's UIDs were reset.
  uint32_t uidvalidity = 0;
  // \Noselect or \NonExistent: a hierarchy node that holds no messages.
  bool selectable = true;
};

// A folder plus the UIDVALIDITY the caller's UIDs belong to.
struct MailboxRef {
  // Folder name as in MailFolderInfo::name.
  std::string name;
  // Expected UIDVALIDITY; 0 skips the check (only for calls that pass no UIDs).
  uint32_t uidvalidity = 0;
};

// The cheap per-folder numbers that tell whether anything changed (RFC 3501 7.2.4,
// RFC 7162 3.1.2.1).
struct MailFolderState {
  // UIDVALIDITY; a change resets the collection.
  uint32_t uidvalidity = 0;
  // UIDNEXT: the UID the next arriving message will get at least.
  uint32_t uidnext = 0;
  // HIGHESTMODSEQ; 0 when the server has no CONDSTORE (then compare uidnext + messages).
  uint64_t highestmodseq = 0;
  // Number of messages in the folder.
  uint32_t messages = 0;
};

// IMAP system flags and keywords of one message (RFC 3501 2.3.2). As an argument of
// store_flags() the same struct names a set of flags to add or remove.
struct MessageFlags {
  // \Seen: the message was read (EAS Read).
  bool seen = false;
  // \Flagged (EAS Flag status active).
  bool flagged = false;
  // \Answered (EAS LastVerbExecuted reply).
  bool answered = false;
  // $Forwarded keyword (RFC 5788; EAS LastVerbExecuted forward).
  bool forwarded = false;
  // \Deleted: marked for expunge.
  bool deleted = false;
  // \Draft.
  bool draft = false;
  // Other keywords (EAS Categories), as IMAP atoms; system flags never appear here.
  std::vector<std::string> keywords;

  bool operator==(const MessageFlags&) const = default;
};

// One address of an ENVELOPE (RFC 3501 7.4.2 "addr"). Group markers are folded into
// `group` of the member addresses.
struct Address {
  // Display name, raw: may still hold RFC 2047 encoded words; empty when NIL.
  std::string name;
  // Local part ("alice").
  std::string mailbox;
  // Domain ("example.test"); empty for an unqualified or group address.
  std::string host;
  // Display name of the RFC 5322 group this address belongs to; empty for none.
  std::string group;
};

// The parsed ENVELOPE (RFC 3501 7.4.2). Header values are raw (RFC 2047 encoded words
// are left for the MIME layer to decode); absent values are empty.
struct Envelope {
  // Date header, unparsed.
  std::string date;
  // Subject header, raw.
  std::string subject;
  // From addresses.
  std::vector<Address> from;
  // Sender addresses (the server copies From when the header is absent).
  std::vector<Address> sender;
  // Reply-To addresses (the server copies From when the header is absent).
  std::vector<Address> reply_to;
  // To addresses.
  std::vector<Address> to;
  // Cc addresses.
  std::vector<Address> cc;
  // Bcc addresses.
  std::vector<Address> bcc;
  // In-Reply-To header, raw ("<id@host>").
  std::string in_reply_to;
  // Message-ID header, raw ("<id@host>").
  std::string message_id;
};

// One MIME part of a BODYSTRUCTURE (RFC 3501 7.4.2, with extension data). A multipart is
// a node with children; a message/rfc822 part has its envelope and one child (its body).
struct BodyStructure {
  // Media type, lower-cased: "text", "multipart", "image", ...
  std::string type;
  // Media subtype, lower-cased: "plain", "alternative", "rfc822", ...
  std::string subtype;
  // Content-Type parameters in order, names lower-cased ("charset", "boundary", "name").
  std::vector<std::pair<std::string, std::string>> params;
  // Content-ID, raw ("<img1@host>"); empty when absent.
  std::string id;
  // Content-Description, raw.
  std::string description;
  // Content-Transfer-Encoding, lower-cased ("7bit", "base64", "quoted-printable").
  std::string encoding;
  // Size in octets of the encoded body (0 for multiparts).
  uint64_t size = 0;
  // Lines of a text/* or message/rfc822 part; 0 otherwise.
  uint64_t lines = 0;
  // Content-MD5, raw.
  std::string md5;
  // Content-Disposition value, lower-cased ("inline", "attachment"); empty when absent.
  std::string disposition;
  // Content-Disposition parameters, names lower-cased ("filename", "filename*").
  std::vector<std::pair<std::string, std::string>> disposition_params;
  // Content-Language tags.
  std::vector<std::string> language;
  // Content-Location URI.
  std::string location;
  // Section spec that fetches this part's content with fetch_message(): "1", "2.1",
  // "TEXT" for a top-level multipart, "3.TEXT" for a multipart inside message/rfc822 3.
  std::string part;
  // Envelope of an encapsulated message/rfc822 part.
  std::optional<Envelope> message_envelope;
  // Parts of a multipart, or the one body of a message/rfc822.
  std::vector<BodyStructure> children;
};

// One message as the sync engine needs it to build an EAS item.
struct MessageSummary {
  // UID in its folder.
  uint32_t uid = 0;
  // Flags and keywords.
  MessageFlags flags;
  // MODSEQ (RFC 7162); 0 without CONDSTORE.
  uint64_t modseq = 0;
  // INTERNALDATE as seconds since the Unix epoch (UTC); the EAS DateReceived.
  int64_t internal_date = 0;
  // RFC822.SIZE in octets.
  uint64_t size = 0;
  // ENVELOPE.
  Envelope envelope;
  // BODYSTRUCTURE; meaningful only when body_error is empty.
  BodyStructure body;
  // Why BODYSTRUCTURE could not be parsed; such a message is reported, never dropped.
  std::string body_error;
  // Raw header block (BODY.PEEK[HEADER]) when asked for; empty otherwise.
  std::string header;
};

// A message whose flags changed (or that is new) since a MODSEQ.
struct MessageChange {
  // UID in its folder.
  uint32_t uid = 0;
  // Flags now.
  MessageFlags flags;
  // MODSEQ now; 0 on the fallback path.
  uint64_t modseq = 0;
};

// What changed in a folder since a sync cursor.
struct MessageChanges {
  // Messages new or changed since the cursor, ascending UID.
  std::vector<MessageChange> changed;
  // UIDs expunged since the cursor, ascending (VANISHED, or missing from the snapshot).
  std::vector<uint32_t> vanished;
  // The folder's numbers now; store highestmodseq as the next cursor.
  MailFolderState state;
  // True on the degraded path without QRESYNC: `changed` lists every message whose flags
  // differ from the caller's snapshot, and the next call needs a snapshot again.
  bool from_snapshot = false;
};

// Which messages list_messages() returns (one page of an initial sync).
struct MessageListFilter {
  // Only messages with INTERNALDATE on or after this day (UTC seconds; the EAS FilterType
  // age window; IMAP SEARCH SINCE has day granularity, RFC 3501 6.4.4). 0: no limit.
  int64_t since = 0;
  // Lowest UID wanted; 0: no lower bound.
  uint32_t uid_min = 0;
  // Highest UID wanted; 0: no upper bound. The next page passes the last page's lowest
  // UID minus one.
  uint32_t uid_max = 0;
  // Most entries returned; 0: all (avoid on big folders).
  size_t limit = 0;
};

// One message of a listing.
struct MessageListEntry {
  // UID.
  uint32_t uid = 0;
  // INTERNALDATE, seconds since the epoch.
  int64_t internal_date = 0;
  // Flags.
  MessageFlags flags;
  // RFC822.SIZE.
  uint64_t size = 0;
};

// One page of a listing.
struct MessageListing {
  // The page, highest UID (newest arrival) first.
  std::vector<MessageListEntry> messages;
  // How many messages match the filter in all (this page and the rest).
  size_t total = 0;
  // The folder's UIDVALIDITY at listing time.
  uint32_t uidvalidity = 0;
};

// Which bytes fetch_message() returns.
struct MessagePart {
  // Section spec (RFC 3501 6.4.5): empty for the whole message, "1.2", "HEADER", "TEXT",
  // "2.MIME". Taken from BodyStructure::part.
  std::string section;
  // First byte of a partial fetch (EAS ItemOperations Range).
  uint64_t offset = 0;
  // Bytes wanted from offset; 0: to the end.
  uint64_t length = 0;
};

// Flags to add and remove on messages.
struct FlagUpdate {
  // Flags and keywords to set.
  MessageFlags add;
  // Flags and keywords to clear.
  MessageFlags remove;
  // Only change messages whose MODSEQ is still at most this (RFC 7162 3.1.3
  // UNCHANGEDSINCE), for conflict detection; 0: unconditional.
  uint64_t unchanged_since = 0;
};

// Outcome of store_flags().
struct FlagUpdateResult {
  // Messages changed, with their flags and MODSEQ after the change (so the sync engine
  // does not echo its own change back to the device).
  std::vector<MessageChange> updated;
  // UIDs not changed because their MODSEQ exceeded unchanged_since (RFC 7162 MODIFIED):
  // someone else changed them; the Conflict option decides.
  std::vector<uint32_t> modified;
};

// Where moved or appended messages landed (RFC 4315 COPYUID / APPENDUID).
struct MessageMoveResult {
  // UIDVALIDITY of the destination folder; 0 when the server did not say (no UIDPLUS).
  uint32_t uidvalidity = 0;
  // (source UID, destination UID) pairs; empty when the server did not say.
  std::vector<std::pair<uint32_t, uint32_t>> uids;
};

// Where an appended message landed.
struct AppendResult {
  // UIDVALIDITY of the folder; 0 when the server did not say.
  uint32_t uidvalidity = 0;
  // UID of the new message; 0 when the server did not say.
  uint32_t uid = 0;
};

// A mailbox search (EAS Search, Mailbox store). Empty fields do not restrict; all given
// criteria must match.
struct MailSearchQuery {
  // Folders to search (MailFolderInfo::name); empty: every selectable folder.
  std::vector<std::string> mailboxes;
  // Free text anywhere in headers or body (IMAP TEXT).
  std::string text;
  // Substring of From.
  std::string from;
  // Substring of To.
  std::string to;
  // Substring of Subject.
  std::string subject;
  // INTERNALDATE on or after this day (epoch seconds); 0: none.
  int64_t since = 0;
  // INTERNALDATE before this day (epoch seconds); 0: none.
  int64_t before = 0;
  // At least one of these (header name, substring) pairs matches (an OR of IMAP HEADER
  // keys, RFC 3501 6.4.4); empty: no restriction. Finds a conversation's messages.
  std::vector<std::pair<std::string, std::string>> any_header;
};

// One search result.
struct MailSearchHit {
  // Folder name.
  std::string mailbox;
  // UIDVALIDITY of that folder.
  uint32_t uidvalidity = 0;
  // UID of the message.
  uint32_t uid = 0;
};

// One message with its bytes, as fetch_messages() returns it (a Sync window's items).
struct FetchedMessage {
  // UID in its folder.
  uint32_t uid = 0;
  // Flags and keywords at fetch time.
  MessageFlags flags;
  // MODSEQ; 0 without CONDSTORE.
  uint64_t modseq = 0;
  // INTERNALDATE, seconds since the epoch.
  int64_t internal_date = 0;
  // RFC822.SIZE in octets (the whole message, even when `bytes` was cut).
  uint64_t size = 0;
  // The RFC 5322 bytes, at most the max_bytes the caller gave.
  std::string bytes;
  // True when the message is larger than max_bytes and `bytes` holds only its start.
  bool truncated = false;
};

template <typename T>
using MailCallback = std::function<void(Result<T>)>;

class MailStore {
 public:
  virtual ~MailStore() = default;
  // Every mailbox the user can see (LIST with SPECIAL-USE and STATUS), INBOX first.
  virtual void list_folders(
      const Credentials& credentials,
      std::function<void(Result<std::vector<MailFolderInfo>>)> done) = 0;

  // The folder's UIDVALIDITY / UIDNEXT / HIGHESTMODSEQ / MESSAGES in one round trip: the
  // no-change fast path of a Sync. Errors: not_found (folder gone), backend errors.
  virtual void folder_state(const Credentials& credentials, const std::string& mailbox,
                            MailCallback<MailFolderState> done) = 0;

  // Changes since `modseq` (the highestmodseq of the last result). `folder.uidvalidity`
  // is required; a different one fails with kConflict / EAS status 3. Without QRESYNC
  // on the server the store compares a full UID/FLAGS listing against `snapshot` (the
  // caller's uid+flags of every message it knows; only needed when the last result had
  // from_snapshot set or highestmodseq 0).
  virtual void changes_since(const Credentials& credentials, const MailboxRef& folder,
                             uint64_t modseq, const std::vector<MessageChange>& snapshot,
                             MailCallback<MessageChanges> done) = 0;

  // One page of the folder's messages, newest first (UID SEARCH + UID FETCH of the page).
  virtual void list_messages(const Credentials& credentials, const MailboxRef& folder,
                             const MessageListFilter& filter,
                             MailCallback<MessageListing> done) = 0;

  // Summaries of `uids` (missing UIDs are skipped: they were expunged meanwhile), in
  // ascending UID order. `with_header` adds the raw header block.
  virtual void fetch_summaries(const Credentials& credentials, const MailboxRef& folder,
                               const std::vector<uint32_t>& uids, bool with_header,
                               MailCallback<std::vector<MessageSummary>> done) = 0;

  // Raw bytes of a message, a section or a byte range. Errors: not_found (no such UID),
  // too_large (beyond the store's configured maximum).
  virtual void fetch_message(const Credentials& credentials, const MailboxRef& folder,
                             uint32_t uid, const MessagePart& part,
                             MailCallback<std::string> done) = 0;

  // Several whole messages with flags, INTERNALDATE and size in one round trip (IMAP: one
  // UID FETCH of BODY.PEEK[]<0.max_bytes>), ascending UID; expunged UIDs are skipped. The
  // Sync window path: per-message fetch_message() round trips cannot reach thousands of
  // messages per second. `max_bytes` 0: the store's configured maximum.
  virtual void fetch_messages(const Credentials& credentials, const MailboxRef& folder,
                              const std::vector<uint32_t>& uids, uint64_t max_bytes,
                              MailCallback<std::vector<FetchedMessage>> done) = 0;

  // Adds / removes flags and keywords. Errors: invalid_argument (a keyword that is not an
  // IMAP atom).
  virtual void store_flags(const Credentials& credentials, const MailboxRef& folder,
                           const std::vector<uint32_t>& uids, const FlagUpdate& update,
                           MailCallback<FlagUpdateResult> done) = 0;

  // Moves messages to folder `to` (UID MOVE, or COPY + \Deleted + UID EXPUNGE).
  virtual void move_messages(const Credentials& credentials, const MailboxRef& from,
                             const std::vector<uint32_t>& uids, const std::string& to,
                             MailCallback<MessageMoveResult> done) = 0;

  // Stores a new message (RFC 5322 bytes, CRLF line ends) with flags and an
  // INTERNALDATE (epoch seconds; 0: now).
  virtual void append_message(const Credentials& credentials, const std::string& mailbox,
                              const MessageFlags& flags, int64_t internal_date,
                              std::string message, MailCallback<AppendResult> done) = 0;

  // Removes messages for good (\Deleted + UID EXPUNGE of exactly these UIDs).
  virtual void expunge_messages(const Credentials& credentials, const MailboxRef& folder,
                                const std::vector<uint32_t>& uids,
                                std::function<void(Status)> done) = 0;

  // Creates `display_name` (UTF-8) under `parent` (empty: top level); returns the new
  // folder's name. Errors: conflict (exists), invalid_argument (bad name).
  virtual void create_folder(const Credentials& credentials, const std::string& parent,
                             const std::string& display_name,
                             MailCallback<std::string> done) = 0;

  // Deletes a folder. Errors: not_found.
  virtual void delete_folder(const Credentials& credentials, const std::string& mailbox,
                             std::function<void(Status)> done) = 0;

  // Renames / moves a folder to `display_name` (UTF-8) under `new_parent`; returns the
  // new name.
  virtual void rename_folder(const Credentials& credentials, const std::string& mailbox,
                             const std::string& new_parent, const std::string& display_name,
                             MailCallback<std::string> done) = 0;

  // UIDs matching the query, newest first per folder, folders in the order searched.
  virtual void search(const Credentials& credentials, const MailSearchQuery& query,
                      MailCallback<std::vector<MailSearchHit>> done) = 0;
};

}  // namespace easgate
