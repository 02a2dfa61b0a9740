#pragma once
// Strict, incremental parser for IMAP4rev1 server responses (RFC 3501 section 9 "Formal
// Syntax"; literals RFC 3501 4.3, literal8 RFC 3516, LITERAL+ RFC 7888). Pure: bytes in,
// response trees out, no I/O. Higher layers (LIST, STATUS, later FETCH / ENVELOPE /
// BODYSTRUCTURE) interpret the generic ImapValue tree.
// Not thread-safe; one parser per connection.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace easgate {

// What one value in a response is.
enum class ImapValueKind : uint8_t {
  kAtom,    // atom or number, e.g. "\HasNoChildren", "UIDNEXT", "42", "BODY[TEXT]<0>"
  kString,  // quoted string or literal, unescaped
  kNil,     // NIL
  kList,    // parenthesised list
};

struct ImapValue {
  // What this value is.
  ImapValueKind kind = ImapValueKind::kAtom;
  // Atom text or string contents; empty for NIL and lists.
  std::string text;
  // Members of a list, in order; empty for other kinds.
  std::vector<ImapValue> items;
  // True when the string arrived as a literal {n} (or literal8 ~{n}).
  bool literal = false;

  // Case-insensitive comparison of an atom with `s`; false for other kinds.
  bool is_atom(std::string_view s) const;
  // Atom or string: an "astring" (RFC 3501 9), e.g. a mailbox name.
  bool is_astring() const { return kind == ImapValueKind::kAtom || kind == ImapValueKind::kString; }
  bool is_list() const { return kind == ImapValueKind::kList; }
  // The value as an unsigned number (number / number64 in RFC 3501 9, RFC 7162 3.1.1),
  // nullopt when it is not an atom made of at most 20 digits that fits in 64 bits.
  std::optional<uint64_t> as_number() const;
};

// Which of the three response shapes (RFC 3501 2.2.2) a response has.
enum class ImapResponseKind : uint8_t {
  kTagged,        // "A1 OK ..." completes the command with that tag
  kUntagged,      // "* ..." server data or status
  kContinuation,  // "+ ..." the server wants the rest of the command
};

// Condition of a status response (RFC 3501 7.1); kNone for data responses.
enum class ImapCondition : uint8_t {
  kNone,     // a data response such as "* LIST ..." or "* 3 EXISTS"
  kOk,       // OK
  kNo,       // NO: the operation failed
  kBad,      // BAD: protocol error in the command
  kPreauth,  // PREAUTH greeting: already authenticated
  kBye,      // BYE: the server is closing the connection
};

struct ImapResponse {
  // Tagged, untagged or continuation.
  ImapResponseKind kind = ImapResponseKind::kUntagged;
  // Tag of a tagged response, as sent; empty otherwise.
  std::string tag;
  // OK / NO / BAD / PREAUTH / BYE for status responses; kNone for data responses.
  ImapCondition condition = ImapCondition::kNone;
  // resp-text-code atom upper-cased, e.g. "CAPABILITY", "AUTHENTICATIONFAILED"; empty if none.
  std::string code;
  // Arguments of the resp-text-code, e.g. the capability names; atoms, lists or strings.
  std::vector<ImapValue> code_args;
  // Human-readable text of a status response, or the text after "+ " (may be base64).
  std::string text;
  // True for numeric data such as "* 23 EXISTS" or "* 5 FETCH (...)".
  bool has_number = false;
  // The number of numeric data ("23" in "* 23 EXISTS"); 0 otherwise.
  uint64_t number = 0;
  // Data keyword upper-cased: "CAPABILITY", "LIST", "STATUS", "ENABLED", "EXISTS", ...;
  // for status responses the condition word ("OK", "BYE", ...).
  std::string keyword;
  // Data after the keyword, e.g. for LIST: attribute list, delimiter, mailbox, [extended].
  std::vector<ImapValue> values;
};

// Limits that keep a hostile or broken server from exhausting memory or stack.
struct ImapParserLimits {
  // Longest line (text between literals, CRLF included).
  size_t max_line = 64 * 1024;
  // Largest single literal.
  size_t max_literal = 64 * 1024 * 1024;
  // Largest complete response, literals included.
  size_t max_response = 128 * 1024 * 1024;
  // Deepest list nesting; BODYSTRUCTURE of real mail rarely exceeds 10.
  size_t max_depth = 64;
  // Most values in one response, summed over all lists.
  size_t max_values = 1'000'000;
};

// Incremental framing plus parsing: feed() whatever arrived, then call next() until it
// yields no response. A literal split across reads is waited for, not re-scanned.
class ImapResponseParser {
 public:
  explicit ImapResponseParser(ImapParserLimits limits = {});

  // Appends bytes read from the connection.
  void feed(std::string_view bytes);
  // The next complete response; nullopt when more bytes are needed. An error
  // (kMalformed, kTooLarge) means the stream is unusable: the caller disconnects.
  Result<std::optional<ImapResponse>> next();
  // Bytes held but not yet returned as responses.
  size_t buffered() const { return buf_.size() - head_; }

 private:
  ImapParserLimits limits_;
  std::string buf_;             // received bytes; [head_, size) not yet consumed
  size_t head_ = 0;             // start of the response being framed
  size_t scan_ = 0;             // first byte not yet scanned for CRLF / literal framing
  size_t line_start_ = 0;       // start of the current line segment (after a literal)
  size_t literal_left_ = 0;     // bytes of a literal still to arrive
  bool broken_ = false;         // a previous error; the stream cannot be resynchronised
};

// Parses exactly one complete response (ending in CRLF, literals inline). Used by the
// incremental parser, by tests and by the fuzz target.
Result<ImapResponse> parse_imap_response(std::string_view wire, const ImapParserLimits& limits);

// Name of a response condition, for logs ("OK", "NO", ...).
const char* imap_condition_name(ImapCondition condition);

}  // namespace easgate
