#include "backends/smtp/smtp_reply_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace easgate {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// RFC 5321 4.2: textstring = 1*(%d09 / %d32-126). UTF-8 octets are let through because
// SMTPUTF8 servers (RFC 6531 3.7.4) may put them in reply text; other controls are not.
bool valid_text_octet(unsigned char c) { return c == '\t' || (c >= 32 && c != 127); }

}  // namespace

std::string SmtpReply::summary() const {
  std::string out = std::to_string(code);
  for (size_t i = 0; i < lines.size(); ++i) {
    out += i == 0 ? " " : " / ";
    out += lines[i];
  }
  return out;
}

void SmtpReplyParser::feed(std::string_view bytes) {
  if (error_) return;
  // Drop consumed bytes first so the buffer holds at most one reply's worth.
  if (pos_ > 0) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  buffer_.append(bytes);
}

Result<std::optional<SmtpReply>> SmtpReplyParser::next() {
  if (error_) return *error_;
  auto fail = [this](std::string why) -> Status {
    error_ = Status::malformed("SMTP reply: " + std::move(why));
    return *error_;
  };
  // Lines of the reply being assembled; consumed only once the reply is complete, so a
  // partial multi-line reply is simply re-read when more bytes arrive.
  SmtpReply reply;
  size_t at = pos_;
  for (;;) {
    size_t lf = buffer_.find('\n', at);
    if (lf == std::string::npos) {
      if (buffer_.size() - at >= limits_.max_line) return fail("line longer than the limit");
      return std::optional<SmtpReply>{};
    }
    size_t line_len = lf + 1 - at;  // CRLF included
    if (line_len > limits_.max_line) return fail("line longer than the limit");
    if (lf == at || buffer_[lf - 1] != '\r') return fail("line not ended by CRLF");
    std::string_view line(buffer_.data() + at, line_len - 2);
    if (line.size() < 3) return fail("line shorter than a reply code");
    // RFC 5321 4.2: Reply-code = %x32-35 %x30-35 %x30-39.
    if (line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' || line[2] < '0' ||
        line[2] > '9')
      return fail("bad reply code");
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!reply.lines.empty() && code != reply.code)
      return fail("reply code changed inside a multi-line reply");
    reply.code = code;
    bool last = true;
    std::string_view text;
    if (line.size() > 3) {
      if (line[3] == '-') last = false;
      else if (line[3] != ' ') return fail("reply code not followed by SP or '-'");
      text = line.substr(4);
    }
    for (char c : text)
      if (!valid_text_octet(static_cast<unsigned char>(c))) return fail("control octet in text");
    if (reply.lines.size() >= limits_.max_lines) return fail("too many lines in one reply");
    reply.lines.emplace_back(text);
    at = lf + 1;
    if (last) break;
  }
  pos_ = at;
  return std::optional<SmtpReply>(std::move(reply));
}

bool SmtpCapabilities::has_auth(std::string_view mechanism) const {
  std::string u = upper(mechanism);
  return std::find(auth_mechanisms.begin(), auth_mechanisms.end(), u) != auth_mechanisms.end();
}

SmtpCapabilities parse_ehlo_capabilities(const SmtpReply& reply) {
  SmtpCapabilities caps;
  caps.extended = true;
  for (size_t i = 1; i < reply.lines.size(); ++i) {
    // ehlo-line = ehlo-keyword *( SP ehlo-param ); RFC 4954 9 notes the old "AUTH=" form.
    std::vector<std::string> words;
    std::string_view l = reply.lines[i];
    while (!l.empty()) {
      size_t sp = l.find(' ');
      std::string_view w = l.substr(0, sp);
      if (!w.empty()) words.emplace_back(w);
      if (sp == std::string_view::npos) break;
      l.remove_prefix(sp + 1);
    }
    if (words.empty()) continue;
    std::string keyword = upper(words[0]);
    if (keyword.rfind("AUTH=", 0) == 0) {
      words[0] = words[0].substr(5);
      keyword = "AUTH";
    } else {
      words.erase(words.begin());
    }
    if (keyword == "SIZE") {
      caps.size = true;
      if (!words.empty()) {
        uint64_t n = 0;
        const std::string& p = words[0];
        auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
        if (ec == std::errc() && ptr == p.data() + p.size()) caps.size_limit = n;
      }
    } else if (keyword == "PIPELINING") {
      caps.pipelining = true;
    } else if (keyword == "8BITMIME") {
      caps.eight_bit_mime = true;
    } else if (keyword == "SMTPUTF8") {
      caps.smtputf8 = true;
    } else if (keyword == "STARTTLS") {
      caps.starttls = true;
    } else if (keyword == "ENHANCEDSTATUSCODES") {
      caps.enhanced_status_codes = true;
    } else if (keyword == "AUTH") {
      for (const std::string& w : words) {
        std::string m = upper(w);
        if (!m.empty() && !caps.has_auth(m)) caps.auth_mechanisms.push_back(m);
      }
    }
  }
  return caps;
}

}  // namespace easgate
