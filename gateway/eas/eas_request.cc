#include "gateway/eas/eas_request.h"

#include <array>
#include <charconv>

namespace easgate {
namespace {

// MS-ASHTTP 2.2.1.1.1.2.3: DeviceId is up to 32 characters; real devices send letters and
// digits (some add '-' or '_'); anything else is refused before it reaches a log or the store.
constexpr size_t kMaxDeviceId = 32;
constexpr size_t kMaxDeviceType = 64;
constexpr size_t kMaxParam = 1024;

bool valid_device_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxDeviceId) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool valid_device_type(std::string_view type) {
  if (type.empty() || type.size() > kMaxDeviceType) return false;
  for (unsigned char c : type) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hex_encode(std::string_view bytes) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;  // '-'/'_': URL-safe alphabet some clients use
    else if (c == '/' || c == '_') v = 63;
    else if (c == '=') { ++padding; continue; }
    else return std::nullopt;
    if (padding) return std::nullopt;  // data after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (padding > 2) return std::nullopt;
  return out;
}

Status bad(std::string message) { return Status::malformed(std::move(message)); }

// Reads a length-prefixed field of the base64 query.
class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }
  bool byte(uint8_t* out) {
    if (pos_ >= data_.size()) return false;
    *out = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  bool bytes(size_t n, std::string_view* out) {
    if (data_.size() - pos_ < n) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// MS-ASHTTP 2.2.1.1.1.1: version, command, locale (LE), device id, policy key (LE),
// device type, then tagged command parameters.
Status parse_base64_query(std::string_view query, EasRequest* out) {
  auto decoded = base64_decode(query);
  if (!decoded) return bad("query is neither plain text nor valid base64");
  ByteReader r(*decoded);
  uint8_t version_byte, command_code, lo, hi, len;
  if (!r.byte(&version_byte) || !r.byte(&command_code) || !r.byte(&lo) || !r.byte(&hi)) {
    return bad("base64 query: truncated header");
  }
  auto version = ProtocolVersion::from_byte(version_byte);
  if (!version) return bad("base64 query: unknown protocol version byte " +
                           std::to_string(version_byte));
  if (*version < ProtocolVersion::v12_1()) {
    return bad("base64 query: not allowed with protocol " + version->to_string());
  }
  out->version = *version;
  out->command = find_eas_command(command_code);
  if (!out->command) return bad("base64 query: unknown command code " +
                                std::to_string(command_code));
  out->locale = static_cast<uint16_t>(lo | (hi << 8));

  std::string_view field;
  if (!r.byte(&len) || !r.bytes(len, &field)) return bad("base64 query: truncated device id");
  // Some devices put a binary id here; hex keeps it printable and stable.
  out->device_id = valid_device_id(field) ? std::string(field) : hex_encode(field);
  if (!r.byte(&len)) return bad("base64 query: truncated policy key length");
  if (len == 4) {
    if (!r.bytes(4, &field)) return bad("base64 query: truncated policy key");
    uint32_t key = 0;
    for (int i = 3; i >= 0; --i) key = (key << 8) | static_cast<uint8_t>(field[i]);
    out->policy_key = key;
  } else if (len != 0) {
    return bad("base64 query: policy key length must be 0 or 4, not " + std::to_string(len));
  }
  if (!r.byte(&len) || !r.bytes(len, &field)) return bad("base64 query: truncated device type");
  out->device_type = std::string(field);

  while (!r.done()) {
    uint8_t tag;
    if (!r.byte(&tag) || !r.byte(&len) || !r.bytes(len, &field)) {
      return bad("base64 query: truncated command parameter");
    }
    switch (tag) {  // MS-ASHTTP 2.2.1.1.1.1.3
      case 0: out->attachment_name = field; break;
      case 1: out->collection_id = field; break;
      case 3: out->item_id = field; break;
      case 4: out->long_id = field; break;
      case 6: out->occurrence = field; break;
      case 7:
        if (field.size() != 1) return bad("base64 query: Options must be one byte");
        out->save_in_sent = field[0] & 0x01;
        out->accept_multipart = field[0] & 0x02;
        break;
      case 8: out->query_user = field; break;
      default: break;  // unknown tags are skipped: newer clients may add some
    }
  }
  return Status::ok();
}

Status parse_plain_query(std::string_view query, EasRequest* out) {
  bool have_cmd = false;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!value) return bad("query parameter " + std::string(name) + ": bad percent escape");
    if (value->size() > kMaxParam) {
      return bad("query parameter " + std::string(name) + " is too long");
    }
    if (name == "Cmd") {
      out->command = find_eas_command(*value);
      if (!out->command) return bad("unknown command Cmd=" + value->substr(0, 64));
      have_cmd = true;
    } else if (name == "User") {
      out->query_user = *value;
    } else if (name == "DeviceId") {
      out->device_id = *value;
    } else if (name == "DeviceType") {
      out->device_type = *value;
    } else if (name == "AttachmentName") {
      out->attachment_name = *value;
    } else if (name == "CollectionId") {
      out->collection_id = *value;
    } else if (name == "ItemId") {
      out->item_id = *value;
    } else if (name == "LongId") {
      out->long_id = *value;
    } else if (name == "Occurrence") {
      out->occurrence = *value;
    } else if (name == "SaveInSent") {
      out->save_in_sent = (*value == "T");
    }
    // Other parameters are ignored, as Exchange does.
  }
  if (!have_cmd) return bad("query has no Cmd parameter");
  return Status::ok();
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Result<EasRequest> parse_eas_request(const HttpRequest& request) {
  EasRequest out;
  std::string_view query = request.query;
  if (query.empty()) return bad("request has no query");
  if (query.size() > 4096) return bad("query is longer than 4096 bytes");

  // A plain query always has '='; the base64 form never does except as trailing padding.
  size_t eq = query.find('=');
  bool plain = eq != std::string_view::npos && query.find_first_not_of('=', eq) !=
                                                   std::string_view::npos;
  if (plain) {
    if (Status s = parse_plain_query(query, &out); !s) return s;
    const std::string* v = request.headers.find("MS-ASProtocolVersion");
    if (!v) return bad("MS-ASProtocolVersion header is missing");
    auto version = ProtocolVersion::parse(*v);
    if (!version) return bad("unsupported MS-ASProtocolVersion " + v->substr(0, 16));
    out.version = *version;
    if (const std::string* key = request.headers.find("X-MS-PolicyKey"); key && !key->empty()) {
      uint32_t k = 0;
      auto [p, ec] = std::from_chars(key->data(), key->data() + key->size(), k);
      if (ec != std::errc() || p != key->data() + key->size()) {
        return bad("X-MS-PolicyKey is not a 32-bit unsigned number");
      }
      out.policy_key = k;
    }
    if (const std::string* mp = request.headers.find("MS-ASAcceptMultiPart")) {
      out.accept_multipart = (*mp == "T");
    }
  } else {
    if (Status s = parse_base64_query(query, &out); !s) return s;
    out.base64_query = true;
  }

  if (!valid_device_id(out.device_id)) {
    return bad(out.device_id.empty() ? "DeviceId is missing"
                                     : "DeviceId must be 1-32 letters or digits");
  }
  if (!valid_device_type(out.device_type)) {
    return bad(out.device_type.empty() ? "DeviceType is missing"
                                       : "DeviceType must be 1-64 printable characters");
  }
  if (out.version < out.command->min_version) {
    return Status::invalid_argument(std::string(out.command->name) + " needs protocol " +
                                    out.command->min_version.to_string() + " or later");
  }
  if (const std::string* ua = request.headers.find("User-Agent")) {
    out.user_agent = ua->substr(0, 256);
  }
  return out;
}

}  // namespace easgate
