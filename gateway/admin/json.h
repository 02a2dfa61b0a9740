#pragma once
// A small JSON value, a writer that always emits valid UTF-8 JSON, and a strict parser
// (RFC 8259) for admin API request bodies and the CLI's view of responses. No exceptions:
// parse errors are a Status with the byte offset.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/status.h"

namespace easgate {

class JsonValue {
 public:
  // The JSON types; integers and non-integers are kept apart so ids and counts round-trip.
  enum class Type : uint8_t {
    kNull,     // null
    kBool,     // true / false
    kInteger,  // a number without fraction or exponent that fits int64
    kDouble,   // any other number
    kString,   // UTF-8 text
    kArray,    // ordered values
    kObject,   // members in insertion order, keys unique
  };
  using Array = std::vector<JsonValue>;
  using Member = std::pair<std::string, JsonValue>;
  using Object = std::vector<Member>;

  JsonValue() = default;  // null
  JsonValue(bool b) : type_(Type::kBool), bool_(b) {}                      // NOLINT
  JsonValue(int v) : type_(Type::kInteger), int_(v) {}                    // NOLINT
  JsonValue(int64_t v) : type_(Type::kInteger), int_(v) {}                 // NOLINT
  JsonValue(uint64_t v);                                                   // NOLINT
  JsonValue(uint32_t v) : type_(Type::kInteger), int_(v) {}                // NOLINT
  JsonValue(double v) : type_(Type::kDouble), double_(v) {}               // NOLINT
  JsonValue(std::string s) : type_(Type::kString), string_(std::move(s)) {}  // NOLINT
  JsonValue(std::string_view s) : type_(Type::kString), string_(s) {}        // NOLINT
  JsonValue(const char* s) : type_(Type::kString), string_(s) {}             // NOLINT

  static JsonValue array() { JsonValue v; v.type_ = Type::kArray; return v; }
  static JsonValue object() { JsonValue v; v.type_ = Type::kObject; return v; }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_integer() const { return type_ == Type::kInteger; }
  bool is_number() const { return type_ == Type::kInteger || type_ == Type::kDouble; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Accessors return a neutral value (false, 0, "", empty) for the wrong type.
  bool as_bool() const { return type_ == Type::kBool && bool_; }
  int64_t as_integer() const { return type_ == Type::kInteger ? int_ : 0; }
  double as_double() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  const Object& as_object() const;

  // Array building; turns a null into an empty array first.
  JsonValue& push(JsonValue v);
  // Object building: replaces an existing member of the same key; turns a null into an
  // empty object first. Returns *this for chaining.
  JsonValue& set(std::string key, JsonValue v);
  // The member `key` of an object, or nullptr.
  const JsonValue* find(std::string_view key) const;
  size_t size() const;  // members or elements; 0 for scalars

  // Compact JSON. Invalid UTF-8 in strings becomes U+FFFD, so the output always parses.
  std::string dump() const;
  // Two-space indented JSON with a trailing newline, for people.
  std::string dump_pretty() const;

  friend bool operator==(const JsonValue& a, const JsonValue& b);

 private:
  void dump_to(std::string& out, int indent, int depth) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  int64_t int_ = 0;
  double double_ = 0;
  std::string string_;
  Array array_;
  Object object_;
};

// Limits of parse_json; request bodies are tiny, so anything bigger is hostile.
struct JsonParseLimits {
  size_t max_bytes = 1024 * 1024;  // whole document
  int max_depth = 32;              // nested arrays/objects
};

// Parses exactly one JSON document (RFC 8259), surrounding whitespace allowed. Strict:
// no comments, no trailing commas, no duplicate object keys, no lone surrogates, strings
// must be valid UTF-8 without raw control characters. Errors are kMalformed with
// "JSON: <what> at offset N".
Result<JsonValue> parse_json(std::string_view text, const JsonParseLimits& limits = {});

// Appends `text` as a quoted JSON string (escaping quotes, backslash, controls; invalid
// UTF-8 replaced by U+FFFD).
void append_json_string(std::string& out, std::string_view text);

}  // namespace easgate
