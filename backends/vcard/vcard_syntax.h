#pragma once
// vCard content lines (RFC 6350 section 3.3, RFC 2426 section 4, vCard 2.1 section 2.1):
// a strict parser that unfolds, splits group / name / parameters / value, undoes the
// QUOTED-PRINTABLE transfer encoding and CHARSET of vCard 2.1 writers, and a serializer
// that folds at 75 octets without splitting a UTF-8 sequence. Pure functions, no I/O,
// thread-safe. Text escapes (\n \, \; \\) stay in VcardProperty::value; the helpers below
// apply and undo them, because whether ',' and ';' separate anything depends on the
// property (RFC 6350 section 3.4).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace easgate::vcard {

// The vCard dialect a card was written in (its VERSION property).
enum class VcardVersion : uint8_t {
  k21,  // vCard 2.1 (old phones, Outlook exports): bare type params, QUOTED-PRINTABLE
  k30,  // vCard 3.0, RFC 2426 (what every CardDAV server accepts, RFC 6352 section 5.1)
  k40,  // vCard 4.0, RFC 6350
};

// Largest card accepted; a 48 KB photo plus text fits many times over.
inline constexpr size_t kMaxVcardBytes = 4 * 1024 * 1024;
// Most content lines one card may have.
inline constexpr size_t kMaxVcardProperties = 5000;
// Most parameters one content line may have.
inline constexpr size_t kMaxVcardParams = 64;

// One parameter: NAME=v1,v2 (or a vCard 2.1 bare "WORK", which has no values).
struct VcardParam {
  // Parameter name, upper-cased ("TYPE", "PREF", "ENCODING", or "WORK" when bare).
  std::string name;
  // Values with DQUOTEs removed, in order; empty for a bare 2.1 parameter.
  std::vector<std::string> values;
};

// One content line.
struct VcardProperty {
  // Group prefix as sent ("item1" of "item1.TEL"); empty when none.
  std::string group;
  // Property name, upper-cased ("TEL", "X-ABLABEL").
  std::string name;
  // Parameters in order.
  std::vector<VcardParam> params;
  // Value after unfolding and transfer decoding (QUOTED-PRINTABLE bytes converted from
  // CHARSET to UTF-8; base64 with whitespace removed), vCard text escapes still in place.
  std::string value;
  // The unfolded line exactly as it arrived, re-emitted verbatim when the property is
  // unchanged (only folding may differ); empty for a property built in code or once the
  // property was changed.
  std::string raw;

  // First value of parameter `name` (case-insensitive), or empty.
  std::string param(std::string_view name) const;
  // True when some TYPE value (or 2.1 bare parameter) equals `type`, case-insensitively;
  // comma lists inside one quoted value ("work,voice", RFC 6350 section 5.6) count too.
  bool has_type(std::string_view type) const;
  // True when the value is base64 (ENCODING=b / BASE64, RFC 2426 section 5.1.3).
  bool is_base64() const;
  // Removes every parameter called `name` (case-insensitive).
  void remove_param(std::string_view name);
};

// A parsed card: VERSION, then every other property in document order (BEGIN, END and
// VERSION themselves are not in `properties`).
struct VcardCard {
  // The card's dialect; a card without VERSION is read as 3.0.
  VcardVersion version = VcardVersion::k30;
  // Content lines in document order.
  std::vector<VcardProperty> properties;
};

// Parses exactly one BEGIN:VCARD ... END:VCARD (CardDAV stores one per resource, RFC 6352
// section 5.1). kMalformed for anything else: text outside the card, a second or nested
// card, a line without ':', a bad name, an unterminated quoted parameter, a VERSION other
// than 2.1/3.0/4.0, bad QUOTED-PRINTABLE; kTooLarge above the limits above.
[[nodiscard]] Result<VcardCard> parse_vcard(std::string_view text);

// The card as CRLF-terminated, folded content lines in `version`'s syntax. A 2.1 card is
// written as 3.0 (CardDAV servers need 3.0 or 4.0): properties keep their decoded value,
// and ENCODING=QUOTED-PRINTABLE / CHARSET are dropped.
std::string serialize_vcard(const VcardCard& card);

// One content line, unfolded, without CRLF, from group/name/params/value (ignores raw).
std::string format_property(const VcardProperty& property);

// Folds one unfolded line into CRLF SPACE continued chunks of at most 75 octets, never
// inside a UTF-8 sequence (RFC 6350 section 3.2). Ends with CRLF.
std::string fold_line(std::string_view line);

// Undoes \n \N \\ \, \; \: (RFC 6350 section 3.4); an unknown escape keeps both characters.
std::string unescape_text(std::string_view value);
// Escapes '\\', newline, ',' and ';' (a CR before a newline is dropped).
std::string escape_text(std::string_view text);
// Splits on every `separator` not preceded by a backslash; the pieces stay escaped.
std::vector<std::string> split_escaped(std::string_view value, char separator);

// Standard base64 (RFC 4648 section 4) with padding, no line breaks.
std::string base64_encode(std::string_view bytes);
// Decodes base64, skipping whitespace; false on any other character or bad padding.
[[nodiscard]] bool base64_decode(std::string_view text, std::string* bytes);

// The X.509 certificates (DER, base64) of the card's KEY properties: 3.0/2.1 inline
// base64 with TYPE=X509 (or no TYPE), 4.0 data:application/pkix-cert;base64 URIs. PGP keys,
// keys by URL and values that are not a DER SEQUENCE are skipped. Implemented in
// vcard_keys.cc.
std::vector<std::string> x509_certificates(const VcardCard& card);

}  // namespace easgate::vcard
