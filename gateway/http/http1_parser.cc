#include "gateway/http/http1_parser.h"

#include <algorithm>
#include <cctype>

namespace easgate {
namespace {

// A chunk-size line ("1a2b;ext=v") longer than this is abuse, not a real client.
constexpr size_t kMaxChunkLineBytes = 1024;
// RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request line.
constexpr uint8_t kMaxLeadingBlankLines = 4;
// 16 hex digits fit 64 bits; the body limit stops anything near that anyway.
constexpr size_t kMaxChunkSizeDigits = 16;

// RFC 9110 5.6.2: tchar.
bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

// RFC 9110 5.5: field-value characters are VCHAR, obs-text, SP and HTAB.
bool is_field_value(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    unsigned char c = static_cast<unsigned char>(ch);
    return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
  });
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(element) for each non-empty element of a comma-separated list (RFC 9110 5.6.1).
template <typename Fn>
bool for_each_list_element(std::string_view value, Fn fn) {
  while (true) {
    size_t comma = value.find(',');
    std::string_view element = trim_ows(value.substr(0, comma));
    if (!element.empty() && !fn(element)) return false;
    if (comma == std::string_view::npos) return true;
    value.remove_prefix(comma + 1);
  }
}

Status header_too_large(std::string message) {
  return Status::too_large(std::move(message)).with_http_status(431);
}

}  // namespace

void Http1Parser::reset() { *this = Http1Parser(*limits_); }

Http1ParseResult Http1Parser::fail(Status status, size_t consumed, size_t* out) {
  state_ = State::kFailed;
  error_ = std::move(status);
  *out = consumed;
  return Http1ParseResult::kError;
}

Http1Parser::LineStatus Http1Parser::take_line(std::string_view data, size_t* used,
                                               size_t limit) {
  size_t lf = data.find('\n');
  size_t take = lf == std::string_view::npos ? data.size() : lf + 1;
  *used = 0;
  if (line_.size() + take > limit) return LineStatus::kTooLong;
  *used = take;
  if (lf == std::string_view::npos) {
    line_.append(data);
    return LineStatus::kPartial;
  }
  line_.append(data.substr(0, lf));
  // RFC 9112 2.2: CRLF ends a line; a lone LF is accepted, a bare CR anywhere is rejected.
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  if (line_.find('\r') != std::string::npos) return LineStatus::kBareCr;
  return LineStatus::kFull;
}

Http1ParseResult Http1Parser::feed(std::string_view data, size_t* consumed) {
  size_t pos = 0;
  *consumed = 0;
  if (state_ == State::kFailed) return Http1ParseResult::kError;
  if (state_ == State::kDone) return Http1ParseResult::kComplete;

  while (true) {
    switch (state_) {
      case State::kRequestLine:
      case State::kHeaderLine:
      case State::kTrailerLine: {
        if (pos == data.size()) {
          *consumed = pos;
          return Http1ParseResult::kNeedMore;
        }
        size_t used = 0;
        // The line may use whatever is left of the header budget; a line that does not fit
        // means the header section as a whole is too large (RFC 6585 5: 431).
        size_t budget = limits_->max_header_bytes - header_bytes_ + line_.size();
        LineStatus ls = take_line(data.substr(pos), &used, budget);
        if (ls == LineStatus::kTooLong) {
          return fail(header_too_large("request header section exceeds " +
                                       std::to_string(limits_->max_header_bytes) + " bytes"),
                      pos, consumed);
        }
        if (ls == LineStatus::kBareCr) {
          return fail(Status::malformed("bare CR in header section"), pos + used, consumed);
        }
        pos += used;
        header_bytes_ += used;
        if (ls == LineStatus::kPartial) continue;  // pos == size now; loop returns kNeedMore

        std::string line = std::move(line_);
        line_.clear();
        if (state_ == State::kRequestLine) {
          if (line.empty()) {
            if (++blank_lines_ > kMaxLeadingBlankLines) {
              return fail(Status::malformed("too many blank lines before request line"), pos,
                          consumed);
            }
            continue;
          }
          Status s = parse_request_line(line);
          if (!s.is_ok()) return fail(std::move(s), pos, consumed);
          state_ = State::kHeaderLine;
        } else if (state_ == State::kHeaderLine) {
          if (!line.empty()) {
            Status s = parse_header_line(line);
            if (!s.is_ok()) return fail(std::move(s), pos, consumed);
            continue;
          }
          Status s = finish_headers();
          if (!s.is_ok()) return fail(std::move(s), pos, consumed);
          *consumed = pos;
          if (state_ == State::kDone) return Http1ParseResult::kComplete;
          headers_reported_ = true;
          return Http1ParseResult::kHeadersDone;
        } else {  // trailer section: validated, then discarded (RFC 9112 7.1.2 allows it)
          if (line.empty()) {
            state_ = State::kDone;
            *consumed = pos;
            return Http1ParseResult::kComplete;
          }
          if (line[0] == ' ' || line[0] == '\t') {
            return fail(Status::malformed("obsolete line folding in trailer"), pos, consumed);
          }
          size_t colon = line.find(':');
          if (colon == std::string::npos || !is_token(std::string_view(line).substr(0, colon)) ||
              !is_field_value(std::string_view(line).substr(colon + 1))) {
            return fail(Status::malformed("malformed trailer field"), pos, consumed);
          }
        }
        continue;
      }

      case State::kBodyLength:
      case State::kChunkData: {
        if (pos == data.size()) {
          *consumed = pos;
          return Http1ParseResult::kNeedMore;
        }
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size() - pos));
        request_.body.append(data.substr(pos, n));
        pos += n;
        remaining_ -= n;
        if (remaining_ > 0) continue;
        if (state_ == State::kChunkData) {
          state_ = State::kChunkDataEnd;
          continue;
        }
        state_ = State::kDone;
        *consumed = pos;
        return Http1ParseResult::kComplete;
      }

      case State::kChunkSize:
      case State::kChunkDataEnd: {
        if (pos == data.size()) {
          *consumed = pos;
          return Http1ParseResult::kNeedMore;
        }
        size_t used = 0;
        size_t limit = state_ == State::kChunkSize ? kMaxChunkLineBytes : 2;
        LineStatus ls = take_line(data.substr(pos), &used, limit);
        if (ls == LineStatus::kTooLong || ls == LineStatus::kBareCr) {
          return fail(Status::malformed(state_ == State::kChunkSize
                                            ? "malformed chunk-size line"
                                            : "missing CRLF after chunk data"),
                      pos + used, consumed);
        }
        pos += used;
        if (ls == LineStatus::kPartial) continue;
        std::string line = std::move(line_);
        line_.clear();
        if (state_ == State::kChunkDataEnd) {
          if (!line.empty()) {
            return fail(Status::malformed("missing CRLF after chunk data"), pos, consumed);
          }
          state_ = State::kChunkSize;
          continue;
        }
        Status s = parse_chunk_size(line);
        if (!s.is_ok()) return fail(std::move(s), pos, consumed);
        continue;
      }

      case State::kDone:
        *consumed = pos;
        return Http1ParseResult::kComplete;
      case State::kFailed:
        *consumed = pos;
        return Http1ParseResult::kError;
    }
  }
}

Status Http1Parser::parse_request_line(std::string_view line) {
  // RFC 9112 3: method SP request-target SP HTTP-version, single spaces.
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return Status::malformed("request line without spaces");
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return Status::malformed("request line without version");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method)) return Status::malformed("invalid method");
  if (target.empty()) return Status::malformed("empty request-target");
  for (char ch : target) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return Status::malformed("invalid character in request-target");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return Status::malformed("invalid HTTP version");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return Status::unsupported("HTTP version not supported").with_http_status(505);
  }
  request_.version_minor = version[7] - '0';
  request_.method.assign(method);
  request_.target.assign(target);

  // RFC 9112 3.2: origin-form, absolute-form (servers MUST accept it), asterisk-form only
  // for OPTIONS; authority-form is CONNECT, which a gateway does not do.
  std::string_view path_and_query = target;
  if (target == "*") {
    if (method != "OPTIONS") return Status::malformed("asterisk-form only allowed for OPTIONS");
  } else if (target[0] != '/') {
    size_t scheme_end = target.find("://");
    std::string_view scheme = target.substr(0, scheme_end);
    if (scheme_end == std::string_view::npos || !(iequals(scheme, "http") || iequals(scheme, "https"))) {
      return Status::malformed("unsupported request-target form");
    }
    size_t slash = target.find('/', scheme_end + 3);
    path_and_query = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  if (target.find('#') != std::string_view::npos) {
    return Status::malformed("fragment in request-target");
  }
  size_t q = path_and_query.find('?');
  request_.path.assign(path_and_query.substr(0, q));
  request_.query.assign(q == std::string_view::npos ? std::string_view() : path_and_query.substr(q + 1));
  return Status::ok();
}

Status Http1Parser::parse_header_line(std::string_view line) {
  // RFC 9112 5.2: obs-fold may be rejected with 400; we do, it is a smuggling vector.
  if (line[0] == ' ' || line[0] == '\t') return Status::malformed("obsolete line folding");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return Status::malformed("header line without colon");
  std::string_view name = line.substr(0, colon);
  // RFC 9112 5.1: no whitespace between field name and colon; such requests get 400.
  if (!is_token(name)) return Status::malformed("invalid header name");
  std::string_view value = trim_ows(line.substr(colon + 1));
  if (!is_field_value(value)) return Status::malformed("invalid character in header value");
  if (request_.headers.size() >= limits_->max_header_count) {
    return header_too_large("more than " + std::to_string(limits_->max_header_count) + " headers");
  }

  if (iequals(name, "Content-Length")) {
    // RFC 9112 6.3 rule 5: a list of identical values is the same length; differing ones
    // (or a second header that disagrees) are an unrecoverable framing error.
    Status st;
    bool ok = for_each_list_element(value, [&](std::string_view element) {
      uint64_t n = 0;
      for (char c : element) {
        if (c < '0' || c > '9') {
          st = Status::malformed("invalid Content-Length");
          return false;
        }
        if (n > (UINT64_MAX - 9) / 10) {
          st = Status::too_large("Content-Length exceeds limit");
          return false;
        }
        n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      if (has_content_length_ && n != content_length_) {
        st = Status::malformed("conflicting Content-Length values");
        return false;
      }
      has_content_length_ = true;
      content_length_ = n;
      return true;
    });
    if (!ok) return st;
    if (!has_content_length_) return Status::malformed("empty Content-Length");
  } else if (iequals(name, "Transfer-Encoding")) {
    Status st;
    bool ok = for_each_list_element(value, [&](std::string_view element) {
      if (!iequals(element, "chunked")) {
        st = Status::unsupported("unsupported transfer coding").with_http_status(501);
        return false;
      }
      if (chunked_) {  // RFC 9112 7: chunked must not be applied more than once
        st = Status::malformed("chunked applied twice");
        return false;
      }
      chunked_ = true;
      return true;
    });
    if (!ok) return st;
  } else if (iequals(name, "Connection")) {
    (void)for_each_list_element(value, [&](std::string_view element) {
      if (iequals(element, "close")) connection_close_ = true;
      if (iequals(element, "keep-alive")) connection_keep_alive_ = true;
      return true;
    });
  } else if (iequals(name, "Expect")) {
    // RFC 9110 10.1.1: 100-continue is the only expectation; others get 417.
    if (!iequals(value, "100-continue")) {
      return Status::invalid_argument("unsupported expectation").with_http_status(417);
    }
    expects_continue_ = true;
  } else if (iequals(name, "Host")) {
    if (has_host_) return Status::malformed("duplicate Host header");  // RFC 9112 3.2
    has_host_ = true;
  }
  request_.headers.add(std::string(name), std::string(value));
  return Status::ok();
}

Status Http1Parser::finish_headers() {
  if (request_.version_minor == 1 && !has_host_) {
    return Status::malformed("missing Host header");  // RFC 9112 3.2
  }
  if (chunked_ && has_content_length_) {
    // RFC 9112 6.1: both present is a smuggling attempt or a broken client; reject.
    return Status::malformed("both Transfer-Encoding and Content-Length");
  }
  if (chunked_ && request_.version_minor == 0) {
    // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
    return Status::malformed("Transfer-Encoding in HTTP/1.0 request");
  }
  if (content_length_ > limits_->max_body_bytes) {
    return Status::too_large("request body exceeds " + std::to_string(limits_->max_body_bytes) +
                             " bytes");
  }
  keep_alive_ = request_.version_minor == 1 ? !connection_close_
                                            : (connection_keep_alive_ && !connection_close_);
  // RFC 9110 10.1.1: ignore 100-continue from HTTP/1.0 clients; no body, nothing to wait for.
  expects_continue_ = expects_continue_ && request_.version_minor == 1 && has_body();
  line_.shrink_to_fit();
  if (chunked_) {
    state_ = State::kChunkSize;
  } else if (content_length_ > 0) {
    request_.body.reserve(static_cast<size_t>(content_length_));
    remaining_ = content_length_;
    state_ = State::kBodyLength;
  } else {
    state_ = State::kDone;
  }
  return Status::ok();
}

Status Http1Parser::parse_chunk_size(std::string_view line) {
  // RFC 9112 7.1: chunk-size = 1*HEXDIG, then optional extensions (ignored).
  size_t i = 0;
  uint64_t size = 0;
  while (i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i]))) {
    if (i >= kMaxChunkSizeDigits) return Status::malformed("chunk size too long");
    char c = line[i];
    unsigned digit = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    size = size * 16 + digit;
    ++i;
  }
  if (i == 0) return Status::malformed("missing chunk size");
  std::string_view rest = trim_ows(line.substr(i));
  if (!rest.empty() && (rest[0] != ';' || !is_field_value(rest))) {
    return Status::malformed("malformed chunk extension");
  }
  if (size == 0) {
    state_ = State::kTrailerLine;
    return Status::ok();
  }
  if (size > limits_->max_body_bytes || request_.body.size() + size > limits_->max_body_bytes) {
    return Status::too_large("request body exceeds " + std::to_string(limits_->max_body_bytes) +
                             " bytes");
  }
  remaining_ = size;
  state_ = State::kChunkData;
  return Status::ok();
}

}  // namespace easgate
