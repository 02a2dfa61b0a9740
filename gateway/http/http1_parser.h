#pragma once
// Strict incremental HTTP/1.1 request parser (RFC 9112). Pure: no I/O, no clock. The
// session feeds it whatever bytes arrived, in pieces of any size; it consumes at most one
// request and stops, so pipelined bytes stay with the caller until the response is out.
//
// Failures carry the HTTP status the client should see (Status::http_status()): 400 for
// malformed input, 413 body too large, 431 headers too large, 417 unknown expectation,
// 501 unsupported transfer coding, 505 unsupported HTTP version.
//
// Not thread-safe; one parser per connection, reused with reset() between requests.

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/status.h"
#include "gateway/http/http1_limits.h"
#include "gateway/http/http_message.h"

namespace easgate {

// What feed() achieved.
enum class Http1ParseResult : uint8_t {
  kNeedMore,     // every byte offered was consumed; the request is not complete yet
  kHeadersDone,  // headers complete (returned once per request, before any body byte is
                 // consumed) so the caller can answer 100-continue; call feed() again
  kComplete,     // one request complete; bytes after `consumed` belong to the next one
  kError,        // the request is unacceptable; error() says why, the connection must close
};

class Http1Parser {
 public:
  explicit Http1Parser(const Http1Limits& limits) : limits_(&limits) {}

  // Consumes a prefix of `data` and sets *consumed to its length (also on kError).
  Http1ParseResult feed(std::string_view data, size_t* consumed);

  // The request being parsed; complete after kComplete (take it with take_request()).
  HttpRequest& request() { return request_; }
  HttpRequest take_request() { return std::move(request_); }

  // Valid after kHeadersDone.
  // The client sent "Expect: 100-continue" on HTTP/1.1 and a body follows (RFC 9110 10.1.1).
  bool expects_continue() const { return expects_continue_; }
  // The connection may stay open after this request (RFC 9112 section 9.3).
  bool keep_alive() const { return keep_alive_; }
  // A body follows the headers (Content-Length > 0 or chunked).
  bool has_body() const { return chunked_ || content_length_ > 0; }

  // Why kError was returned.
  const Status& error() const { return error_; }
  // True once any byte of the current request was consumed (idle vs. half-read request).
  bool started() const { return header_bytes_ > 0; }

  // Forget the current request and get ready for the next one.
  void reset();

 private:
  enum class State : uint8_t {
    kRequestLine,   // before or inside the request line (leading blank lines tolerated)
    kHeaderLine,    // inside the header section
    kBodyLength,    // reading a Content-Length body
    kChunkSize,     // reading a chunk-size line (with optional extensions)
    kChunkData,     // reading chunk data
    kChunkDataEnd,  // expecting the CRLF after chunk data
    kTrailerLine,   // reading trailer fields after the last chunk (discarded)
    kDone,          // request complete
    kFailed,        // error_ is set
  };

  // Outcome of take_line().
  enum class LineStatus : uint8_t {
    kPartial,  // no LF yet; everything offered was appended to line_
    kFull,     // line_ holds a complete line without its CRLF / LF
    kTooLong,  // the line would exceed the limit; nothing consumed
    kBareCr,   // the line contains a CR that is not part of CRLF
  };

  Http1ParseResult fail(Status status, size_t consumed, size_t* out);
  // Takes bytes up to and including LF into line_; *used counts consumed bytes.
  LineStatus take_line(std::string_view data, size_t* used, size_t limit);
  Status parse_request_line(std::string_view line);
  Status parse_header_line(std::string_view line);
  Status finish_headers();
  Status parse_chunk_size(std::string_view line);

  const Http1Limits* limits_;      // owned by the listener config, outlives the parser
  State state_ = State::kRequestLine;
  HttpRequest request_;
  std::string line_;               // current partial line, without the LF
  Status error_;
  size_t header_bytes_ = 0;        // bytes of request line + headers (+ trailers) so far
  uint64_t content_length_ = 0;    // declared Content-Length; 0 when absent
  uint64_t remaining_ = 0;         // body or chunk bytes still expected
  uint8_t blank_lines_ = 0;        // blank lines skipped before the request line
  bool has_content_length_ = false;
  bool chunked_ = false;
  bool expects_continue_ = false;
  bool keep_alive_ = true;
  bool headers_reported_ = false;  // kHeadersDone was returned for this request
  bool connection_close_ = false;  // "Connection: close" seen
  bool connection_keep_alive_ = false;  // "Connection: keep-alive" seen
  bool has_host_ = false;
};

}  // namespace easgate
