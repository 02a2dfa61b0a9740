#pragma once
// What a mail collection's SyncKey generation remembers besides its item map
// (CollectionGeneration::cursor and ::pending_window), and its text encoding. Pure.
//
// Windowing (DESIGN.md "Sync engine"): the changes a response could not carry are kept as
// a list in the generation, so the next window walks the same list: a message arriving
// mid-window has a MODSEQ above the cursor and is collected after the list is drained;
// a retried SyncKey rebuilds the same window from the same list. The initial sync is the
// list "every message with UID <= initial_uid_max", walked newest first by UID range, so
// a 10,000-message folder is never listed in full.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/mail_store.h"

namespace easgate {

// The backend cursor of a mail collection.
struct EmailCursor {
  // HIGHESTMODSEQ the collected changes reach (RFC 7162); 0 without CONDSTORE.
  uint64_t highestmodseq = 0;
  // UIDNEXT then: without CONDSTORE, a different value means new mail.
  uint32_t uidnext = 0;
  // MESSAGES then: without CONDSTORE, a different value means new or expunged mail.
  uint32_t messages = 0;
};

// Changes collected but not yet sent.
struct EmailPendingWindow {
  // Initial sync still walking: messages with UID <= this are still to be listed
  // (newest first). 0: the initial walk is over.
  uint32_t initial_uid_max = 0;
  // INTERNALDATE cutoff (epoch seconds) of the FilterType in force; 0: none.
  int64_t since = 0;
  // UIDs expunged on the server, still to be sent as Delete.
  std::vector<uint32_t> deletes;
  // Known messages whose flags changed, still to be sent as Change (flags as collected).
  std::vector<MessageChange> changes;
  // New messages still to be sent as Add, in sending order.
  std::vector<uint32_t> adds;
  // The part of `adds` outside the FilterType window that ConversationMode brought in
  // (MS-ASCMD 2.2.3.36.2: a conversation with a message inside the window comes whole):
  // these are sent although older than `since`.
  std::vector<uint32_t> conversation_adds;

  // Known messages that fell out of a narrowed FilterType window, still to be sent as
  // SoftDelete (MS-ASCMD 2.2.3.172: gone from the device, not from the mailbox).
  std::vector<uint32_t> soft_deletes;
  // Age in seconds of the FilterType the device's items were chosen with (0: all), so a
  // later Sync with another FilterType re-evaluates the window; -1: not recorded (a state
  // written before this field existed: the next FilterType sent is taken as it is).
  int64_t filter_age = -1;
  // Whether the device asked for SMS items (MS-ASCMD 2.2.3.125.6: an Options with Class
  // SMS, 14.0+): 1 yes, 0 no (SMS-class messages are not sent), -1 not recorded (a state
  // from before this field: SMS are sent as they were until the device states its Options).
  int sms_wanted = -1;
  // SMS-class messages left out while sms_wanted was 0, not mapped: they become Adds when
  // the device starts asking for SMS, so none is lost.
  std::vector<uint32_t> skipped_sms;

  // True when nothing is left to send from this list.
  bool empty() const {
    return initial_uid_max == 0 && deletes.empty() && changes.empty() && adds.empty() &&
           soft_deletes.empty();
  }
};

std::string encode_cursor(const EmailCursor& cursor);
// nullopt for text encode_cursor did not make (a corrupt store row: resync).
std::optional<EmailCursor> decode_cursor(std::string_view text);

std::string encode_pending_window(const EmailPendingWindow& window);
// nullopt for text encode_pending_window did not make. Empty text is an empty window.
std::optional<EmailPendingWindow> decode_pending_window(std::string_view text);

// Follow-up flag details a device set (MS-ASEMAIL 2.2.2.34): IMAP only has \Flagged, so
// FlagType, the dates, the reminder and completion are kept as message metadata
// (StateStore::put_message_meta) and shown again to every device of the user.
struct FlagMeta {
  // One child of email:Flag other than Status, as the device sent it.
  struct Field {
    uint8_t page = 0;   // WBXML code page (Email 2 or Tasks 9)
    uint8_t token = 0;  // WBXML token in that page
    std::string text;   // text content
  };
  // Status the device set: 1 complete or 2 active (0 clears: no metadata is kept).
  int status = 0;
  // The other children of the Flag element, in the device's order.
  std::vector<Field> fields;
};

std::string encode_flag_meta(const FlagMeta& meta);
// nullopt for text encode_flag_meta did not make (ignored: the plain IMAP flag shows).
std::optional<FlagMeta> decode_flag_meta(std::string_view text);

// Everything the gateway keeps about one message beside IMAP (one store row).
struct MessageMeta {
  // Follow-up flag details; nullopt: none.
  std::optional<FlagMeta> flag;
  // MS-ASEMAIL 2.2.2.46 LastVerbExecuted the gateway carried out (SmartReply 1, reply all
  // 2, SmartForward 3); 0: none recorded (then \Answered / $Forwarded alone decide).
  int last_verb = 0;
  // When, seconds since the epoch (email2:LastVerbExecutionTime); 0: unknown.
  int64_t last_verb_time = 0;

  // True when there is nothing to keep (the row is deleted).
  bool empty() const { return !flag && last_verb == 0; }
};

// Empty text for an empty MessageMeta.
std::string encode_message_meta(const MessageMeta& meta);
// nullopt for text encode_message_meta did not make.
std::optional<MessageMeta> decode_message_meta(std::string_view text);

// IMAP flags <-> a compact bit set + keywords (used by the encodings; exposed for tests).
uint32_t flag_bits(const MessageFlags& flags);
MessageFlags flags_from_bits(uint32_t bits);

}  // namespace easgate
