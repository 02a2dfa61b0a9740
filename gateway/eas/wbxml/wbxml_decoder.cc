#include "gateway/eas/wbxml/wbxml_decoder.h"

#include <cstring>
#include <string>
#include <vector>

namespace easgate {
namespace {

// Global tokens, WAP-192-WBXML 7.1.
constexpr uint8_t kSwitchPage = 0x00;
constexpr uint8_t kEnd = 0x01;
constexpr uint8_t kEntity = 0x02;
constexpr uint8_t kStrI = 0x03;
constexpr uint8_t kLiteral = 0x04;
constexpr uint8_t kStrT = 0x83;
constexpr uint8_t kOpaque = 0xC3;
constexpr uint8_t kTagHasAttributes = 0x80;
constexpr uint8_t kTagHasContent = 0x40;
constexpr uint32_t kCharsetUtf8 = 106;  // IANA MIBenum for UTF-8

class Decoder {
 public:
  Decoder(std::string_view in, const WbxmlLimits& limits) : in_(in), limits_(limits) {}

  Result<WbxmlDocument> run() {
    WbxmlDocument doc;
    if (Status s = header(doc); !s) return s;
    if (Status s = body(doc.root); !s) return s;
    return doc;
  }

 private:
  Status fail(std::string_view what, size_t at) const {
    std::string m = "wbxml: ";
    m.append(what);
    m += " at offset ";
    m += std::to_string(at);
    return Status::malformed(std::move(m));
  }

  // mb_u_int32 (WAP-192-WBXML 5.1): big-endian base-128, at most 5 bytes, fits 32 bits.
  Status read_mb(uint32_t* out) {
    size_t start = pos_;
    uint64_t v = 0;
    for (int i = 0; i < 5; ++i) {
      if (pos_ >= in_.size()) return fail("truncated multi-byte integer", start);
      uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      v = (v << 7) | (b & 0x7F);
      if (v > 0xFFFFFFFFull) return fail("multi-byte integer overflows 32 bits", start);
      if ((b & 0x80) == 0) {
        *out = static_cast<uint32_t>(v);
        return Status::ok();
      }
    }
    return fail("multi-byte integer longer than 5 bytes", start);
  }

  Status header(WbxmlDocument& doc) {
    if (in_.empty()) return fail("empty document", 0);
    doc.version = static_cast<uint8_t>(in_[pos_++]);
    // 0x01..0x03 are WBXML 1.1-1.3; EAS sends 0x03 (MS-ASWBXML 2.1.2.1); the token
    // grammar of the older versions is the same for everything we accept.
    if (doc.version < 0x01 || doc.version > 0x03) return fail("unsupported WBXML version", 0);
    size_t pid_at = pos_;
    uint32_t pid = 0;
    if (Status s = read_mb(&pid); !s) return s;
    uint32_t pid_index = 0;
    bool pid_in_table = pid == 0;  // WAP-192-WBXML 5.5: 0 is followed by a string table index
    if (pid_in_table) {
      if (Status s = read_mb(&pid_index); !s) return s;
    }
    doc.public_id = pid;
    size_t charset_at = pos_;
    uint32_t charset = 0;
    if (Status s = read_mb(&charset); !s) return s;
    if (charset != kCharsetUtf8) return fail("charset is not UTF-8 (MIBenum 106)", charset_at);
    size_t len_at = pos_;
    uint32_t table_len = 0;
    if (Status s = read_mb(&table_len); !s) return s;
    if (table_len > limits_.max_string) return fail("string table exceeds the size limit", len_at);
    if (table_len > in_.size() - pos_) return fail("string table runs past the end", len_at);
    table_ = in_.substr(pos_, table_len);
    pos_ += table_len;
    if (pid_in_table && pid_index >= table_.size()) {
      return fail("public id string index outside the string table", pid_at);
    }
    return Status::ok();
  }

  // NUL-terminated string at pos_ (STR_I).
  Status inline_string(std::string_view* out) {
    size_t start = pos_;
    const void* nul = std::memchr(in_.data() + pos_, 0, in_.size() - pos_);
    if (nul == nullptr) return fail("unterminated inline string", start - 1);
    size_t len = static_cast<const char*>(nul) - (in_.data() + pos_);
    if (len > limits_.max_string) return fail("inline string exceeds the size limit", start - 1);
    *out = in_.substr(pos_, len);
    pos_ += len + 1;
    return Status::ok();
  }

  static void append_utf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Adds text to the open element; text and opaque/children never mix in EAS.
  Status add_text(WbxmlElement& e, std::string_view text, size_t at) {
    if (e.content_kind() == WbxmlContent::kOpaque) return fail("text after opaque data", at);
    if (!e.children().empty()) return fail("text mixed with child elements", at);
    if (e.content().size() + text.size() > limits_.max_string) {
      return fail("text exceeds the size limit", at);
    }
    e.set_content_kind(WbxmlContent::kText);
    e.mutable_data().append(text);
    return Status::ok();
  }

  Status body(WbxmlElement& root) {
    uint8_t page = 0;
    std::vector<WbxmlElement*> open;  // innermost last; outer vectors are not touched
    open.reserve(limits_.max_depth < 64 ? limits_.max_depth : 64);
    bool have_root = false;
    uint64_t elements = 0;
    while (pos_ < in_.size()) {
      size_t at = pos_;
      uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      switch (b) {
        case kSwitchPage: {
          if (pos_ >= in_.size()) return fail("truncated SWITCH_PAGE", at);
          page = static_cast<uint8_t>(in_[pos_++]);
          if (page > kMaxCodePage) return fail("unknown code page " + std::to_string(page), at);
          continue;
        }
        case kEnd: {
          if (open.empty()) return fail("END without an open element", at);
          open.pop_back();
          if (open.empty()) {
            if (pos_ != in_.size()) return fail("data after the root element", pos_);
            return Status::ok();
          }
          continue;
        }
        case kStrI: {
          if (open.empty()) return fail("text outside the root element", at);
          std::string_view s;
          if (Status st = inline_string(&s); !st) return st;
          if (Status st = add_text(*open.back(), s, at); !st) return st;
          continue;
        }
        case kStrT: {
          if (open.empty()) return fail("text outside the root element", at);
          uint32_t off = 0;
          if (Status st = read_mb(&off); !st) return st;
          if (off >= table_.size()) return fail("STR_T offset outside the string table", at);
          std::string_view rest = table_.substr(off);
          size_t nul = rest.find('\0');
          if (nul == std::string_view::npos) return fail("unterminated string table entry", at);
          if (Status st = add_text(*open.back(), rest.substr(0, nul), at); !st) return st;
          continue;
        }
        case kEntity: {
          if (open.empty()) return fail("entity outside the root element", at);
          uint32_t cp = 0;
          if (Status st = read_mb(&cp); !st) return st;
          if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return fail("entity is not a Unicode scalar value", at);
          }
          std::string tmp;
          tmp.reserve(4);
          append_utf8(tmp, cp);
          if (Status st = add_text(*open.back(), tmp, at); !st) return st;
          continue;
        }
        case kOpaque: {
          if (open.empty()) return fail("opaque data outside the root element", at);
          uint32_t len = 0;
          if (Status st = read_mb(&len); !st) return st;
          // Check the claimed length against what is really there before touching memory.
          if (len > limits_.max_string) return fail("opaque data exceeds the size limit", at);
          if (len > in_.size() - pos_) return fail("opaque data runs past the end", at);
          WbxmlElement& e = *open.back();
          if (e.content_kind() != WbxmlContent::kNone || !e.children().empty()) {
            return fail("opaque data mixed with other content", at);
          }
          e.set_opaque(std::string(in_.substr(pos_, len)));
          pos_ += len;
          continue;
        }
        default:
          break;
      }
      // Everything left in 0x40-0x44, 0x80-0x84, 0xC0-0xC4 is a global token EAS never uses.
      uint8_t low = b & 0x3F;
      if (low == kLiteral) return fail("LITERAL tags are not used by EAS", at);
      if (low < 0x05) return fail("unsupported global token", at);
      if (b & kTagHasAttributes) return fail("attributes are not used by EAS", at);
      const Tag tag{page, low};
      if (find_tag(tag) == nullptr) {
        return fail("unknown tag token " + std::to_string(low) + " in code page " +
                        std::to_string(page),
                    at);
      }
      if (++elements > limits_.max_elements) return fail("too many elements", at);
      if (open.size() >= limits_.max_depth) return fail("nesting deeper than the limit", at);
      WbxmlElement* e = nullptr;
      if (open.empty()) {
        if (have_root) return fail("second root element", at);
        have_root = true;
        root = WbxmlElement(tag);
        e = &root;
      } else {
        WbxmlElement& parent = *open.back();
        if (parent.content_kind() != WbxmlContent::kNone) {
          return fail("child element mixed with content", at);
        }
        e = &parent.add_child(tag);
      }
      if (b & kTagHasContent) {
        open.push_back(e);
      } else if (open.empty()) {
        // An empty root is a complete document.
        if (pos_ != in_.size()) return fail("data after the root element", pos_);
        return Status::ok();
      }
    }
    if (!have_root) return fail("no root element", pos_);
    return fail("truncated document: " + std::to_string(open.size()) + " element(s) not closed",
                pos_);
  }

  std::string_view in_;
  const WbxmlLimits& limits_;
  size_t pos_ = 0;
  std::string_view table_;
};

}  // namespace

Result<WbxmlDocument> decode_wbxml(std::string_view bytes, const WbxmlLimits& limits) {
  return Decoder(bytes, limits).run();
}

}  // namespace easgate
