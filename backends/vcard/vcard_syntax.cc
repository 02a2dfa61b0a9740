#include "backends/vcard/vcard_syntax.h"

#include <iconv.h>

#include <cctype>
#include <algorithm>
#include <cerrno>

namespace easgate::vcard {

namespace {

constexpr size_t kFoldOctets = 75;

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// RFC 6350 section 3.3: name and group are ALPHA / DIGIT / "-". '_' is accepted too:
// some writers (old Nokia, Kontact) use it in X- names and nothing is ambiguous about it.
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

Status malformed(size_t line, const std::string& what) {
  return Status::malformed("vCard line " + std::to_string(line) + ": " + what);
}

// A logical (unfolded) line and the physical line it started on, for error messages.
struct LogicalLine {
  std::string text;  // unfolded content
  size_t number;     // 1-based physical line number of its first part
};

std::vector<LogicalLine> unfold(std::string_view text) {
  std::vector<LogicalLine> out;
  size_t number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find_first_of("\r\n", pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (end == std::string_view::npos) {
      pos = text.size();
    } else {
      // CRLF, LF or a lone CR all end a line (mail clients and editors mangle CRLF).
      pos = end + ((text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1);
    }
    ++number;
    // RFC 6350 section 3.2: CRLF followed by one space or tab continues the line.
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t') && !out.empty()) {
      out.back().text.append(line.substr(1));
      continue;
    }
    out.push_back({std::string(line), number});
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 2045 section 6.7; soft line breaks were joined already.
bool qp_decode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '=') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8 (RFC 3629).
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// Converts `in` from `charset` to UTF-8 with iconv; false when iconv does not know the
// charset or the bytes are invalid in it.
bool to_utf8(const std::string& charset, std::string_view in, std::string* out) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  std::string result(in.size() * 4 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char* dst = result.data();
  size_t dst_left = result.size();
  const size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) return false;
  result.resize(result.size() - dst_left);
  *out = std::move(result);
  return true;
}

bool is_base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
}

// Parses "group.NAME;params" up to the value colon. Sets *value_start past the ':'.
Status parse_head(std::string_view line, size_t number, VcardProperty* p, size_t* value_start) {
  size_t i = 0;
  while (i < line.size() && is_name_char(line[i])) ++i;
  if (i == 0) return malformed(number, "expected a property name");
  std::string_view first = line.substr(0, i);
  if (i < line.size() && line[i] == '.') {
    p->group = std::string(first);
    const size_t start = ++i;
    while (i < line.size() && is_name_char(line[i])) ++i;
    if (i == start) return malformed(number, "expected a property name after the group");
    p->name = upper(line.substr(start, i - start));
  } else {
    p->name = upper(first);
  }
  while (i < line.size() && line[i] == ';') {
    ++i;
    const size_t start = i;
    while (i < line.size() && is_name_char(line[i])) ++i;
    if (i == start) return malformed(number, "empty parameter name in " + p->name);
    if (p->params.size() >= kMaxVcardParams) {
      return Status::too_large("vCard line " + std::to_string(number) + ": too many parameters");
    }
    VcardParam param;
    param.name = upper(line.substr(start, i - start));
    if (i < line.size() && line[i] == '=') {
      ++i;
      while (true) {
        std::string v;
        if (i < line.size() && line[i] == '"') {
          const size_t close = line.find('"', i + 1);
          if (close == std::string_view::npos) {
            return malformed(number, "unterminated quoted parameter value in " + p->name);
          }
          v = line.substr(i + 1, close - i - 1);
          i = close + 1;
        } else {
          const size_t start_v = i;
          while (i < line.size() && line[i] != ',' && line[i] != ';' && line[i] != ':') ++i;
          v = line.substr(start_v, i - start_v);
        }
        param.values.push_back(std::move(v));
        if (i < line.size() && line[i] == ',') {
          ++i;
          continue;
        }
        break;
      }
    }
    p->params.push_back(std::move(param));
  }
  if (i >= line.size() || line[i] != ':') {
    return malformed(number, "expected ':' after " + p->name);
  }
  *value_start = i + 1;
  return Status::ok();
}

// vCard 2.1 (section 2.1.2 of the 2.1 spec) writes types as bare parameters and names the
// encoding and charset without "TYPE=": turn all of that into 3.0 form.
void normalize_21_params(VcardProperty* p) {
  std::vector<VcardParam> out;
  for (auto& param : p->params) {
    if (!param.values.empty()) {
      out.push_back(std::move(param));
      continue;
    }
    if (param.name == "QUOTED-PRINTABLE" || param.name == "BASE64" || param.name == "8BIT" ||
        param.name == "7BIT") {
      out.push_back({"ENCODING", {param.name}});
    } else {
      out.push_back({"TYPE", {param.name}});
    }
  }
  p->params = std::move(out);
}

// Decodes the transfer encoding and charset of a 2.1 value into UTF-8 and drops the
// parameters that described them.
Status decode_value(VcardProperty* p, size_t number) {
  const std::string encoding = upper(p->param("ENCODING"));
  const std::string charset = p->param("CHARSET");
  std::string bytes;
  if (encoding == "QUOTED-PRINTABLE") {
    if (!qp_decode(p->value, &bytes)) {
      return malformed(number, "bad QUOTED-PRINTABLE in " + p->name);
    }
    p->remove_param("ENCODING");
    // Line breaks QUOTED-PRINTABLE carried as =0D=0A become the text escape "\n", the
    // only form a 3.0/4.0 value can hold (RFC 6350 section 3.4).
    std::string escaped;
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (bytes[i] == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') continue;
      if (bytes[i] == '\r' || bytes[i] == '\n') {
        escaped += "\\n";
      } else {
        escaped.push_back(bytes[i]);
      }
    }
    bytes = std::move(escaped);
  } else if (encoding == "BASE64" || encoding == "B") {
    std::string compact;
    for (char c : p->value) {
      if (c != ' ' && c != '\t') compact.push_back(c);
    }
    p->value = std::move(compact);
    for (auto& param : p->params) {
      // RFC 2426 section 5.1.3 spelling, in place so the parameter order stays.
      if (iequal(param.name, "ENCODING")) param.values = {"b"};
    }
    return Status::ok();
  } else {
    bytes = p->value;
    if (encoding == "8BIT" || encoding == "7BIT") p->remove_param("ENCODING");
  }
  if (!charset.empty() && !iequal(charset, "UTF-8") && !iequal(charset, "US-ASCII")) {
    std::string converted;
    if (!to_utf8(charset, bytes, &converted)) {
      return malformed(number, "cannot convert " + p->name + " from charset " + charset);
    }
    bytes = std::move(converted);
  }
  p->remove_param("CHARSET");
  p->value = std::move(bytes);
  return Status::ok();
}

}  // namespace

std::string VcardProperty::param(std::string_view key) const {
  for (const auto& p : params) {
    if (iequal(p.name, key) && !p.values.empty()) return p.values.front();
  }
  return {};
}

bool VcardProperty::has_type(std::string_view type) const {
  for (const auto& p : params) {
    if (!iequal(p.name, "TYPE")) continue;
    for (const auto& v : p.values) {
      size_t start = 0;
      while (start <= v.size()) {
        size_t comma = v.find(',', start);
        if (comma == std::string::npos) comma = v.size();
        if (iequal(std::string_view(v).substr(start, comma - start), type)) return true;
        start = comma + 1;
      }
    }
  }
  return false;
}

bool VcardProperty::is_base64() const {
  const std::string e = param("ENCODING");
  return iequal(e, "b") || iequal(e, "BASE64");
}

void VcardProperty::remove_param(std::string_view key) {
  std::erase_if(params, [&](const VcardParam& p) { return iequal(p.name, key); });
}

Result<VcardCard> parse_vcard(std::string_view text) {
  if (text.size() > kMaxVcardBytes) {
    return Status::too_large("vCard of " + std::to_string(text.size()) + " bytes exceeds " +
                             std::to_string(kMaxVcardBytes));
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
  std::vector<LogicalLine> lines = unfold(text);
  VcardCard card;
  bool begun = false;
  bool ended = false;
  bool saw_version = false;
  for (size_t li = 0; li < lines.size(); ++li) {
    const LogicalLine& line = lines[li];
    if (line.text.find_first_not_of(" \t") == std::string::npos) continue;  // blank
    if (ended) return malformed(line.number, "content after END:VCARD");
    VcardProperty p;
    size_t value_start = 0;
    Status s = parse_head(line.text, line.number, &p, &value_start);
    if (!s.is_ok()) return s;
    p.value = line.text.substr(value_start);
    if (!begun) {
      if (p.name != "BEGIN" || !iequal(p.value, "VCARD")) {
        return malformed(line.number, "expected BEGIN:VCARD");
      }
      begun = true;
      continue;
    }
    if (p.name == "BEGIN") return malformed(line.number, "nested vCard (2.1 AGENT) is not supported");
    if (p.name == "END") {
      if (!iequal(p.value, "VCARD")) return malformed(line.number, "expected END:VCARD");
      ended = true;
      continue;
    }
    if (p.name == "VERSION") {
      if (saw_version) return malformed(line.number, "second VERSION");
      saw_version = true;
      if (p.value == "2.1") card.version = VcardVersion::k21;
      else if (p.value == "3.0") card.version = VcardVersion::k30;
      else if (p.value == "4.0") card.version = VcardVersion::k40;
      else return malformed(line.number, "unsupported VERSION " + p.value.substr(0, 16));
      continue;
    }
    if (card.version == VcardVersion::k21 || !saw_version) normalize_21_params(&p);
    const std::string encoding = upper(p.param("ENCODING"));
    const size_t first_line = li;
    if (encoding == "QUOTED-PRINTABLE") {
      // vCard 2.1: a QUOTED-PRINTABLE value continues on the next line after a soft break
      // "=" (RFC 2045 section 6.7 rule 5), without the leading space of folding.
      while (!p.value.empty() && p.value.back() == '=' && li + 1 < lines.size()) {
        p.value.pop_back();
        p.value += lines[++li].text;
      }
    } else if (encoding == "BASE64" || encoding == "B") {
      // 2.1 writers often continue base64 on unindented lines until a blank line.
      while (li + 1 < lines.size() && !lines[li + 1].text.empty() &&
             lines[li + 1].text.find(':') == std::string::npos &&
             std::all_of(lines[li + 1].text.begin(), lines[li + 1].text.end(),
                         [](char c) { return is_base64_char(c) || c == ' ' || c == '\t'; })) {
        p.value += lines[++li].text;
      }
    }
    s = decode_value(&p, line.number);
    if (!s.is_ok()) return s;
    if (!valid_utf8(p.value)) {
      // Without a CHARSET, 8-bit bytes from an old writer are almost always Latin-1.
      p.value = latin1_to_utf8(p.value);
    }
    std::erase(p.value, '\0');
    // Keep the line for verbatim output only when nothing was decoded out of it.
    if (card.version != VcardVersion::k21 && saw_version && li == first_line &&
        (encoding.empty() || encoding == "B" || encoding == "BASE64")) {
      p.raw = line.text;
    }
    if (card.properties.size() >= kMaxVcardProperties) {
      return Status::too_large("vCard has more than " + std::to_string(kMaxVcardProperties) +
                               " properties");
    }
    card.properties.push_back(std::move(p));
  }
  if (!begun) return Status::malformed("vCard: no BEGIN:VCARD");
  if (!ended) return Status::malformed("vCard: no END:VCARD");
  return card;
}

std::string format_property(const VcardProperty& p) {
  std::string out;
  if (!p.group.empty()) out += p.group + ".";
  out += p.name;
  for (const auto& param : p.params) {
    out += ";" + param.name;
    if (param.values.empty()) continue;
    out += "=";
    for (size_t i = 0; i < param.values.size(); ++i) {
      if (i) out += ",";
      const std::string& v = param.values[i];
      if (v.find_first_of(":;,") != std::string::npos) {
        out += "\"" + v + "\"";
      } else {
        out += v;
      }
    }
  }
  out += ":";
  out += p.value;
  return out;
}

std::string fold_line(std::string_view line) {
  std::string out;
  size_t limit = kFoldOctets;
  while (line.size() > limit) {
    size_t cut = limit;
    // Never split a UTF-8 sequence: back off over continuation bytes (10xxxxxx).
    while (cut > 1 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    limit = kFoldOctets - 1;  // the leading space counts towards the 75 octets
  }
  out.append(line);
  out += "\r\n";
  return out;
}

std::string serialize_vcard(const VcardCard& card) {
  std::string out = "BEGIN:VCARD\r\n";
  out += card.version == VcardVersion::k40 ? "VERSION:4.0\r\n" : "VERSION:3.0\r\n";
  for (const auto& p : card.properties) {
    out += fold_line(p.raw.empty() ? format_property(p) : p.raw);
  }
  out += "END:VCARD\r\n";
  return out;
}

std::string unescape_text(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '\\' || i + 1 >= value.size()) {
      out.push_back(value[i]);
      continue;
    }
    const char next = value[++i];
    switch (next) {
      case 'n':
      case 'N': out.push_back('\n'); break;
      case '\\':
      case ',':
      case ';':
      case ':': out.push_back(next); break;
      default:
        out.push_back('\\');
        out.push_back(next);
    }
  }
  return out;
}

std::string escape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ',': out += "\\,"; break;
      case ';': out += "\\;"; break;
      case '\n': out += "\\n"; break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;  // CRLF -> \n
        out += "\\n";
        break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string> split_escaped(std::string_view value, char separator) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      out.back().push_back(value[i]);
      out.back().push_back(value[++i]);
    } else if (value[i] == separator) {
      out.emplace_back();
    } else {
      out.back().push_back(value[i]);
    }
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

bool base64_decode(std::string_view text, std::string* bytes) {
  bytes->clear();
  uint32_t acc = 0;
  int bits = 0;
  int padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') {
      ++padding;
      continue;
    } else {
      return false;
    }
    if (padding) return false;  // data after '='
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return padding <= 2 && bits < 6;
}

}  // namespace easgate::vcard
