#pragma once
// Interpretation of FETCH responses (RFC 3501 7.4.2; MODSEQ RFC 7162 3.1.4): flags,
// INTERNALDATE, ENVELOPE and BODYSTRUCTURE (with extension data) into the plain structs of
// backends/api/mail_store.h. Strict: a value that does not follow the grammar is an
// error, never guessed at. Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/api/mail_store.h"
#include "backends/imap/imap_parser.h"
#include "gateway/core/status.h"

namespace easgate {

// The attributes of one untagged FETCH response that easgate asks for.
struct ImapFetchData {
  // Message sequence number.
  uint64_t seq = 0;
  // UID; 0 when absent (always present in a UID FETCH reply).
  uint32_t uid = 0;
  // FLAGS, when present.
  std::optional<MessageFlags> flags;
  // MODSEQ; 0 when absent.
  uint64_t modseq = 0;
  // INTERNALDATE in epoch seconds, when present.
  std::optional<int64_t> internal_date;
  // RFC822.SIZE, when present.
  std::optional<uint64_t> size;
  // ENVELOPE, when present and parseable.
  std::optional<Envelope> envelope;
  // BODYSTRUCTURE (or BODY), when present and parseable.
  std::optional<BodyStructure> body;
  // Why ENVELOPE or BODYSTRUCTURE could not be parsed; empty when fine. The rest of the
  // response is still usable.
  std::string parse_error;
  // BODY[section]<origin> data: (section spec as sent, e.g. "HEADER" or "1.2", data);
  // NIL data is an empty string.
  std::vector<std::pair<std::string, std::string>> sections;
};

// Parses an untagged "* n FETCH (...)" response. Malformed when the attribute list
// itself is broken; an unparseable ENVELOPE / BODYSTRUCTURE only sets parse_error.
Result<ImapFetchData> parse_fetch_response(const ImapResponse& response);

// FLAGS list -> MessageFlags. \Recent is dropped (session-local); unknown system flags
// (\Something) are rejected by RFC 3501 9 flag-extension rules only when not atoms.
Result<MessageFlags> parse_flags(const ImapValue& list);
// ENVELOPE list (RFC 3501 7.4.2 / 9 "envelope").
Result<Envelope> parse_envelope(const ImapValue& value);
// BODYSTRUCTURE list (RFC 3501 9 "body"), with part numbers filled in.
Result<BodyStructure> parse_body_structure(const ImapValue& value);
// INTERNALDATE "30-Jul-2026 09:37:26 +0000" (RFC 3501 9 date-time) -> epoch seconds.
Result<int64_t> parse_internal_date(std::string_view text);

// IMAP flag list text for `flags`, e.g. "\Seen \Flagged $Forwarded work"; invalid_argument
// when a keyword is not a valid atom (RFC 3501 9 flag-keyword).
Result<std::string> imap_flag_list(const MessageFlags& flags);
// True when `flags` names no flag at all.
bool flags_empty(const MessageFlags& flags);

// "1-Feb-1994" for SEARCH SINCE / BEFORE (RFC 3501 9 date), UTC day of `epoch`.
std::string imap_search_date(int64_t epoch);
// "01-Feb-1994 21:52:25 +0000" for APPEND (RFC 3501 9 date-time), UTC.
std::string imap_date_time(int64_t epoch);

}  // namespace easgate
