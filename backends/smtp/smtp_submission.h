#pragma once
// One SMTP submission: connect, EHLO (HELO fallback), STARTTLS, AUTH, MAIL, RCPT..., DATA,
// QUIT on a connection of its own, as an explicit state machine on libevent bufferevents
// (plain, STARTTLS per RFC 3207, or implicit TLS per RFC 8314). Commands go one at a
// time: submissions are rare, so a connection per message and no PIPELINING keep every
// reply unambiguous.
//
// Threading: lives on one event_base; call start() on that loop's thread. `done` runs
// later on that loop, never inline, exactly once (unless abandon()ed).
// Lifetime: owned by shared_ptr (the SmtpMailSubmitter); keeps itself alive inside its own
// callbacks; `on_closed` tells the owner the connection is gone and it may drop it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "backends/api/credentials.h"
#include "backends/api/mail_submitter.h"
#include "backends/smtp/smtp_options.h"
#include "backends/smtp/smtp_reply_parser.h"
#include "gateway/core/status.h"

struct event_base;
struct event;
struct bufferevent;
struct evdns_base;
typedef struct ssl_ctx_st SSL_CTX;

namespace easgate {

class SmtpSubmission : public std::enable_shared_from_this<SmtpSubmission> {
 public:
  // Where the dialogue stands; each value names the reply being waited for.
  enum class Step : uint8_t {
    kNew,             // start() not called yet
    kConnecting,      // TCP connect (and the handshake for implicit TLS)
    kGreeting,        // 220 greeting
    kEhlo,            // reply to EHLO
    kHelo,            // reply to HELO, after EHLO was not understood
    kStartTls,        // 220 to STARTTLS
    kTlsHandshake,    // TLS handshake after STARTTLS
    kAuthPlain,       // 235 (or 334) to AUTH PLAIN with initial response
    kAuthPlainData,   // 235 to the PLAIN response sent after an empty 334
    kAuthLogin,       // 334 asking for the user name
    kAuthLoginUser,   // 334 asking for the password
    kAuthLoginPass,   // 235 to the password
    kMailFrom,        // 250 to MAIL FROM
    kRcptTo,          // 250/251 to RCPT TO for recipient rcpt_index_
    kData,            // 354 to DATA
    kDataBody,        // writing the message; an early reply is an error
    kDataDone,        // message and "." written; waiting for the final reply
    kQuit,            // reply to QUIT; the outcome is already reported
    kClosed,          // connection gone
  };

  // `tls_ctx` and `dns` must outlive the submission (the submitter owns them); both may
  // be nullptr (plain TCP; blocking resolution, fine for address literals).
  static std::shared_ptr<SmtpSubmission> create(event_base* base, const SmtpOptions& options,
                                                SSL_CTX* tls_ctx, evdns_base* dns);
  ~SmtpSubmission();
  SmtpSubmission(const SmtpSubmission&) = delete;
  SmtpSubmission& operator=(const SmtpSubmission&) = delete;

  // Sends `message` as `credentials.user`; see MailSubmitter::submit for the outcomes.
  // `on_closed` runs (inline, from a loop callback) once the connection is closed.
  void start(const Credentials& credentials, OutgoingMessage message,
             std::function<void(Status)> done, std::function<void()> on_closed);
  // Drops the connection and both callbacks without calling them (owner is going away).
  void abandon();

  Step step() const { return step_; }
  // Capabilities from the last EHLO.
  const SmtpCapabilities& capabilities() const { return caps_; }
  // Process-unique id, for logs.
  uint64_t id() const { return id_; }

 private:
  SmtpSubmission(event_base* base, const SmtpOptions& options, SSL_CTX* tls_ctx,
                 evdns_base* dns);

  static void on_read(bufferevent* bev, void* ctx);
  static void on_write(bufferevent* bev, void* ctx);
  static void on_event(bufferevent* bev, short what, void* ctx);
  static void on_timer(int fd, short what, void* ctx);

  void handle_read();
  void handle_reply(const SmtpReply& reply);
  void handle_event(short what);
  void handle_timeout();
  void install_bufferevent(bufferevent* bev);
  // Writes one command line (CRLF added) and waits for its reply in `next`. `log_text`
  // replaces the line in logs (AUTH data).
  void send_command(std::string line, Step next, const char* log_text = nullptr);
  std::string ehlo_name() const;
  void send_ehlo();
  void after_ehlo();
  void begin_tls_upgrade();
  void start_auth();
  void start_mail();
  void send_rcpt();
  void send_data();
  void arm_timer();
  // Reports `status` (deferred), then QUITs politely when the dialogue is still in sync.
  void finish(Status status, bool polite);
  void close_connection();
  void forget_password();

  event_base* base_;
  const SmtpOptions options_;  // copied: small, and the submitter may reload
  SSL_CTX* tls_ctx_;
  evdns_base* dns_;
  bufferevent* bev_ = nullptr;
  event* timer_ = nullptr;
  Step step_ = Step::kNew;
  bool tls_active_ = false;      // TLS is up (implicit, or after STARTTLS)
  bool reported_ = false;        // done_ has been scheduled
  uint64_t id_;
  SmtpReplyParser parser_;
  SmtpCapabilities caps_;
  Credentials credentials_;      // password wiped once AUTH is done
  OutgoingMessage message_;
  size_t rcpt_index_ = 0;        // recipient whose RCPT TO is in flight
  std::function<void(Status)> done_;
  std::function<void()> on_closed_;
};

const char* smtp_step_name(SmtpSubmission::Step step);

}  // namespace easgate
