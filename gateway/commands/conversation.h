#pragma once
// Conversations as the mail commands need them (MS-ASCON): which conversation a message
// belongs to, and how to find the other messages of that conversation in an IMAP folder.
//
// The ConversationId the gateway sends (backends/mime/email_fields.cc) is a hash of the
// thread root's Message-ID (or Outlook's Thread-Index GUID); IMAP cannot search by a hash,
// so a thread is found by its root instead: UID SEARCH for HEADER Message-ID/References/
// In-Reply-To <root> (RFC 3501 6.4.4; a substring match, so every hit is checked again by
// its computed ConversationId). Pure; GMime parses the header block only.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/mail_store.h"

namespace easgate {

// How one message names its conversation.
struct ConversationKeys {
  // email2:ConversationId exactly as Sync sends it (16 raw bytes); empty when unparsable.
  std::string conversation_id;
  // Message-ID of the thread root without <>: first References entry, else In-Reply-To,
  // else the message's own Message-ID; empty when the message has none of them.
  std::string root_message_id;
  // First 28 base64 characters of Thread-Index (its 21 leading bytes: the conversation
  // GUID every reply repeats, MS-OXOMSG 2.2.1.3) when Thread-Index names the conversation.
  std::string thread_index_prefix;
  // The message answers another one (References or In-Reply-To present): older messages
  // of its conversation may exist.
  bool has_parent = false;
};

// An "always move" rule not applied for this long has lapsed (MS-OXOCFG 2.2.8: conversation
// actions expire after a period of disuse); the store prunes it on the user's next rule.
inline constexpr std::chrono::hours kConversationRuleIdleLimit{24 * 30};

// The keys of a message from its bytes (the header block is enough). nullopt when no
// header can be parsed at all.
std::optional<ConversationKeys> conversation_keys_of(std::string_view message);

// HEADER criteria (name, value) that find every message of the conversation of `keys`
// (a superset: check hits with conversation_keys_of). Empty when the message names no
// root (a conversation made of its subject alone is not searchable).
std::vector<std::pair<std::string, std::string>> thread_search_criteria(
    const ConversationKeys& keys);

// Hex form of a ConversationId (store keys, logs).
std::string conversation_hex(std::string_view conversation_id);

}  // namespace easgate
