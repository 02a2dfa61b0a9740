#include "backends/imap/imap_parser.h"

#include <cctype>
#include <utility>

namespace easgate {
namespace {

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Characters that end an atom in a response. RFC 3501 9 atom-specials are "(){ SP CTL % *
// \" \\ ]"; servers legitimately send '\' (flags), '*' ("\*" in PERMANENTFLAGS) and '%'
// inside atoms, and '[' opens a section ("BODY[HEADER.FIELDS (TO)]") that ends at ']'.
bool ends_atom(unsigned char c) {
  return c == ' ' || c == '(' || c == ')' || c == '"' || c == '{' || c == ']' || is_ctl(c);
}

// Recursive descent over one complete response.
class ResponseReader {
 public:
  ResponseReader(std::string_view wire, const ImapParserLimits& limits)
      : s_(wire), limits_(limits) {}

  Result<ImapResponse> read() {
    ImapResponse r;
    if (s_.size() < 2 || s_.substr(s_.size() - 2) != "\r\n")
      return Status::malformed("IMAP response does not end in CRLF");
    if (peek() == '+') {
      ++p_;
      r.kind = ImapResponseKind::kContinuation;
      // RFC 3501 9: continue-req = "+" SP (resp-text / base64) CRLF; tolerate a bare "+".
      if (peek() == ' ') ++p_;
      Status st = read_text(&r.text);
      if (!st) return st;
      return r;
    }
    if (peek() == '*') {
      ++p_;
      r.kind = ImapResponseKind::kUntagged;
    } else {
      r.kind = ImapResponseKind::kTagged;
      size_t start = p_;
      while (p_ < s_.size() && !ends_atom(s_[p_]) && s_[p_] != '+') ++p_;
      if (p_ == start) return Status::malformed(error_at("expected '*', '+' or a tag"));
      r.tag = std::string(s_.substr(start, p_ - start));
    }
    if (!eat(' ')) return Status::malformed(error_at("expected SP after tag"));

    if (r.kind == ImapResponseKind::kUntagged && p_ < s_.size() &&
        std::isdigit(static_cast<unsigned char>(s_[p_]))) {
      std::string digits;
      while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_]))) digits += s_[p_++];
      ImapValue n{ImapValueKind::kAtom, digits, {}, false};
      auto num = n.as_number();
      if (!num) return Status::malformed(error_at("message number out of range"));
      r.has_number = true;
      r.number = *num;
      if (!eat(' ')) return Status::malformed(error_at("expected SP after number"));
    }

    std::string word;
    while (p_ < s_.size() && !ends_atom(s_[p_]) && s_[p_] != '[') word += s_[p_++];
    if (word.empty()) return Status::malformed(error_at("expected a response keyword"));
    r.keyword = upper(word);
    r.condition = condition_of(r.keyword);

    if (r.kind == ImapResponseKind::kTagged && r.condition != ImapCondition::kOk &&
        r.condition != ImapCondition::kNo && r.condition != ImapCondition::kBad)
      return Status::malformed(error_at("tagged response must be OK, NO or BAD"));

    if (r.condition != ImapCondition::kNone && !r.has_number) {
      Status st = read_resp_text(&r);
      if (!st) return st;
      return r;
    }
    // Data response: zero or more SP-separated values up to CRLF.
    while (peek() == ' ') {
      ++p_;
      ImapValue v;
      Status st = read_value(&v, 0);
      if (!st) return st;
      r.values.push_back(std::move(v));
    }
    if (!at_crlf()) return Status::malformed(error_at("expected SP or CRLF"));
    return r;
  }

 private:
  static ImapCondition condition_of(const std::string& kw) {
    if (kw == "OK") return ImapCondition::kOk;
    if (kw == "NO") return ImapCondition::kNo;
    if (kw == "BAD") return ImapCondition::kBad;
    if (kw == "PREAUTH") return ImapCondition::kPreauth;
    if (kw == "BYE") return ImapCondition::kBye;
    return ImapCondition::kNone;
  }

  char peek() const { return p_ < s_.size() ? s_[p_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++p_;
    return true;
  }
  bool at_crlf() const { return p_ + 2 == s_.size() && s_[p_] == '\r' && s_[p_ + 1] == '\n'; }

  std::string error_at(std::string_view what) const {
    return std::string(what) + " at offset " + std::to_string(p_);
  }

  // Text up to CRLF; no CR or LF inside (RFC 3501 9 "text").
  Status read_text(std::string* out) {
    size_t start = p_;
    while (p_ < s_.size() && s_[p_] != '\r' && s_[p_] != '\n') ++p_;
    if (!at_crlf()) return Status::malformed(error_at("bare CR or LF in text"));
    out->assign(s_.substr(start, p_ - start));
    return Status::ok();
  }

  // resp-text = ["[" resp-text-code "]" SP] text (RFC 3501 9). A missing text after the
  // condition is tolerated: several servers send "A1 OK" alone.
  Status read_resp_text(ImapResponse* r) {
    if (at_crlf()) return Status::ok();
    if (!eat(' ')) return Status::malformed(error_at("expected SP after condition"));
    if (eat('[')) {
      std::string code;
      while (p_ < s_.size() && !ends_atom(s_[p_])) code += s_[p_++];
      if (code.empty()) return Status::malformed(error_at("empty response code"));
      r->code = upper(code);
      while (eat(' ')) {
        ImapValue v;
        Status st = read_value(&v, 0);
        if (!st) return st;
        r->code_args.push_back(std::move(v));
      }
      if (!eat(']')) return Status::malformed(error_at("response code not closed by ']'"));
      if (at_crlf()) return Status::ok();
      if (!eat(' ')) return Status::malformed(error_at("expected SP after response code"));
    }
    return read_text(&r->text);
  }

  Status count_value() {
    if (++values_ > limits_.max_values) return Status::too_large("IMAP response has too many values");
    return Status::ok();
  }

  Status read_value(ImapValue* v, size_t depth) {
    Status st = count_value();
    if (!st) return st;
    char c = peek();
    if (c == '(') {
      if (depth + 1 > limits_.max_depth)
        return Status::malformed(error_at("IMAP list nesting deeper than the limit"));
      ++p_;
      v->kind = ImapValueKind::kList;
      if (eat(')')) return Status::ok();
      for (;;) {
        ImapValue item;
        st = read_value(&item, depth + 1);
        if (!st) return st;
        const bool was_list = item.is_list();
        v->items.push_back(std::move(item));
        if (eat(')')) return Status::ok();
        // RFC 3501 9: "1*body" and "1*address" put lists back to back without SP, e.g.
        // BODYSTRUCTURE (("text" ...)("text" ...) "alternative").
        if (was_list && peek() == '(') continue;
        if (!eat(' ')) return Status::malformed(error_at("expected SP or ')' in list"));
      }
    }
    if (c == '"') return read_quoted(v);
    if (c == '{' || (c == '~' && p_ + 1 < s_.size() && s_[p_ + 1] == '{')) return read_literal(v);
    return read_atom(v);
  }

  // quoted = DQUOTE *QUOTED-CHAR DQUOTE; only \" and \\ may be escaped (RFC 3501 9).
  Status read_quoted(ImapValue* v) {
    ++p_;
    v->kind = ImapValueKind::kString;
    for (;;) {
      if (p_ >= s_.size()) return Status::malformed(error_at("unterminated quoted string"));
      char c = s_[p_++];
      if (c == '"') return Status::ok();
      if (c == '\r' || c == '\n') return Status::malformed(error_at("CR or LF in quoted string"));
      if (c == '\\') {
        char e = peek();
        if (e != '\\' && e != '"') return Status::malformed(error_at("bad escape in quoted string"));
        ++p_;
        c = e;
      }
      v->text += c;
    }
  }

  // literal = "{" number ["+"] "}" CRLF *CHAR8 (RFC 3501 9, RFC 7888); literal8 "~{".
  Status read_literal(ImapValue* v) {
    if (peek() == '~') ++p_;
    ++p_;  // '{'
    uint64_t n = 0;
    size_t digits = 0;
    while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_]))) {
      if (++digits > 19) return Status::malformed(error_at("literal size too long"));
      n = n * 10 + static_cast<uint64_t>(s_[p_++] - '0');
    }
    if (digits == 0) return Status::malformed(error_at("literal without size"));
    eat('+');
    if (!eat('}') || !eat('\r') || !eat('\n'))
      return Status::malformed(error_at("literal size not followed by '}' CRLF"));
    if (n > limits_.max_literal) return Status::too_large("IMAP literal larger than the limit");
    if (n > s_.size() - p_) return Status::malformed(error_at("literal truncated"));
    v->kind = ImapValueKind::kString;
    v->literal = true;
    v->text.assign(s_.substr(p_, n));
    p_ += n;
    return Status::ok();
  }

  Status read_atom(ImapValue* v) {
    size_t start = p_;
    int brackets = 0;
    while (p_ < s_.size()) {
      unsigned char c = s_[p_];
      if (brackets > 0) {
        // Inside a section spec anything but CTL goes, including SP and parentheses.
        if (is_ctl(c)) break;
        if (c == '[') ++brackets;
        if (c == ']') --brackets;
        ++p_;
        continue;
      }
      if (c == '[') {
        ++brackets;
        ++p_;
        continue;
      }
      if (ends_atom(c)) break;
      ++p_;
    }
    if (brackets != 0) return Status::malformed(error_at("unbalanced '[' in atom"));
    if (p_ == start) return Status::malformed(error_at("expected a value"));
    std::string_view text = s_.substr(start, p_ - start);
    if (ascii_iequals(text, "NIL")) {
      v->kind = ImapValueKind::kNil;
      return Status::ok();
    }
    v->kind = ImapValueKind::kAtom;
    v->text.assign(text);
    return Status::ok();
  }

  std::string_view s_;
  const ImapParserLimits& limits_;
  size_t p_ = 0;
  size_t values_ = 0;
};

}  // namespace

bool ImapValue::is_atom(std::string_view s) const {
  return kind == ImapValueKind::kAtom && ascii_iequals(text, s);
}

std::optional<uint64_t> ImapValue::as_number() const {
  if (kind != ImapValueKind::kAtom || text.empty() || text.size() > 20) return std::nullopt;
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return std::nullopt;
    n = n * 10 + d;
  }
  return n;
}

const char* imap_condition_name(ImapCondition condition) {
  switch (condition) {
    case ImapCondition::kNone: return "none";
    case ImapCondition::kOk: return "OK";
    case ImapCondition::kNo: return "NO";
    case ImapCondition::kBad: return "BAD";
    case ImapCondition::kPreauth: return "PREAUTH";
    case ImapCondition::kBye: return "BYE";
  }
  return "?";
}

Result<ImapResponse> parse_imap_response(std::string_view wire, const ImapParserLimits& limits) {
  if (wire.size() > limits.max_response) return Status::too_large("IMAP response larger than the limit");
  return ResponseReader(wire, limits).read();
}

ImapResponseParser::ImapResponseParser(ImapParserLimits limits) : limits_(limits) {}

void ImapResponseParser::feed(std::string_view bytes) {
  // Compact once the consumed prefix dominates, so many small responses in one large read
  // cost O(bytes), not O(bytes * responses).
  if (head_ > 0 && head_ >= buf_.size() / 2) {
    buf_.erase(0, head_);
    scan_ -= head_;
    line_start_ -= head_;
    head_ = 0;
  }
  buf_.append(bytes);
}

Result<std::optional<ImapResponse>> ImapResponseParser::next() {
  if (broken_) return Status::malformed("IMAP response stream already failed");
  for (;;) {
    if (literal_left_ > 0) {
      size_t take = std::min(literal_left_, buf_.size() - scan_);
      scan_ += take;
      literal_left_ -= take;
      if (literal_left_ > 0) return std::optional<ImapResponse>();
      line_start_ = scan_;
    }
    size_t nl = buf_.find('\n', scan_);
    if (nl == std::string::npos) {
      scan_ = buf_.size();
      if (scan_ - line_start_ > limits_.max_line) {
        broken_ = true;
        return Status::malformed("IMAP response line longer than the limit");
      }
      return std::optional<ImapResponse>();
    }
    if (nl + 1 - line_start_ > limits_.max_line) {
      broken_ = true;
      return Status::malformed("IMAP response line longer than the limit");
    }
    if (nl == line_start_ || buf_[nl - 1] != '\r') {
      broken_ = true;
      return Status::malformed("IMAP response line not terminated by CRLF");
    }
    if (nl + 1 - head_ > limits_.max_response) {
      broken_ = true;
      return Status::too_large("IMAP response larger than the limit");
    }
    // Does the line end in a literal announcement "{n}" / "{n+}" (RFC 3501 4.3)?
    size_t close = nl - 1;  // index of CR
    if (close > line_start_ && buf_[close - 1] == '}') {
      size_t i = close - 1;
      if (i > line_start_ && buf_[i - 1] == '+') --i;
      size_t digits_end = i;
      while (i > line_start_ && std::isdigit(static_cast<unsigned char>(buf_[i - 1]))) --i;
      if (i < digits_end && i > line_start_ && buf_[i - 1] == '{') {
        if (digits_end - i > 19) {
          broken_ = true;
          return Status::malformed("IMAP literal size too long");
        }
        uint64_t n = 0;
        for (size_t k = i; k < digits_end; ++k) n = n * 10 + static_cast<uint64_t>(buf_[k] - '0');
        if (n > limits_.max_literal) {
          broken_ = true;
          return Status::too_large("IMAP literal larger than the limit");
        }
        if (nl + 1 - head_ + n > limits_.max_response) {
          broken_ = true;
          return Status::too_large("IMAP response larger than the limit");
        }
        literal_left_ = static_cast<size_t>(n);
        scan_ = nl + 1;
        line_start_ = scan_;
        continue;
      }
    }
    // A complete response: [head_, nl].
    std::string_view wire(buf_.data() + head_, nl + 1 - head_);
    Result<ImapResponse> r = parse_imap_response(wire, limits_);
    head_ = nl + 1;
    scan_ = head_;
    line_start_ = head_;
    if (head_ == buf_.size()) {
      buf_.clear();
      head_ = scan_ = line_start_ = 0;
    }
    if (!r) {
      broken_ = true;
      return r.status();
    }
    return std::optional<ImapResponse>(std::move(r).value());
  }
}

}  // namespace easgate
