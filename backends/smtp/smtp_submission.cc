#include "backends/smtp/smtp_submission.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "backends/smtp/smtp_encoding.h"
#include "backends/smtp/smtp_tls.h"
#include "backends/net/backend_connect.h"
#include "gateway/core/log.h"

namespace easgate {
namespace {

constexpr char kLog[] = "smtp";
// After the outcome is reported, QUIT gets at most this long before the socket is dropped.
constexpr std::chrono::milliseconds kQuitTimeout{5'000};
std::atomic<uint64_t> g_next_submission_id{1};

void run_deferred(evutil_socket_t, short, void* arg) {
  std::unique_ptr<std::function<void()>> fn(static_cast<std::function<void()>*>(arg));
  (*fn)();
}

// Runs `fn` on the next loop turn so `done` is never called inline (MailSubmitter contract).
void defer_on_loop(event_base* base, std::function<void()> fn) {
  auto* heap = new std::function<void()>(std::move(fn));
  timeval zero{0, 0};
  if (event_base_once(base, -1, EV_TIMEOUT, run_deferred, heap, &zero) != 0) {
    // Only fails on allocation failure; dropping the callback would hang a request.
    log_error(kLog).msg("event_base_once failed; running callback late-inline");
    std::unique_ptr<std::function<void()>> owned(heap);
    (*owned)();
  }
}

std::string local_host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

// A reply that refuses `what` without a more specific meaning: 4xx is transient (retry
// later), 5xx permanent, anything else is not what the dialogue allows.
Status reply_status(const SmtpReply& reply, const std::string& what) {
  if (reply.klass() == 4)
    return Status::backend_unavailable(what + " temporarily refused: " + reply.summary());
  if (reply.klass() == 5) return Status::backend_error(what + " refused: " + reply.summary());
  return Status::backend_error(what + ": unexpected reply " + reply.summary());
}

}  // namespace

const char* smtp_step_name(SmtpSubmission::Step step) {
  using S = SmtpSubmission::Step;
  switch (step) {
    case S::kNew: return "new";
    case S::kConnecting: return "connect";
    case S::kGreeting: return "greeting";
    case S::kEhlo: return "EHLO";
    case S::kHelo: return "HELO";
    case S::kStartTls: return "STARTTLS";
    case S::kTlsHandshake: return "TLS handshake";
    case S::kAuthPlain:
    case S::kAuthPlainData: return "AUTH PLAIN";
    case S::kAuthLogin:
    case S::kAuthLoginUser:
    case S::kAuthLoginPass: return "AUTH LOGIN";
    case S::kMailFrom: return "MAIL FROM";
    case S::kRcptTo: return "RCPT TO";
    case S::kData: return "DATA";
    case S::kDataBody: return "message data";
    case S::kDataDone: return "end of data";
    case S::kQuit: return "QUIT";
    case S::kClosed: return "closed";
  }
  return "?";
}

std::shared_ptr<SmtpSubmission> SmtpSubmission::create(event_base* base,
                                                       const SmtpOptions& options,
                                                       SSL_CTX* tls_ctx, evdns_base* dns) {
  return std::shared_ptr<SmtpSubmission>(new SmtpSubmission(base, options, tls_ctx, dns));
}

SmtpSubmission::SmtpSubmission(event_base* base, const SmtpOptions& options, SSL_CTX* tls_ctx,
                               evdns_base* dns)
    : base_(base),
      options_(options),
      tls_ctx_(tls_ctx),
      dns_(dns),
      id_(g_next_submission_id++),
      parser_(options.reply_limits) {
  timer_ = evtimer_new(base_, &SmtpSubmission::on_timer, this);
}

SmtpSubmission::~SmtpSubmission() {
  if (bev_) bufferevent_free(bev_);
  if (timer_) event_free(timer_);
  forget_password();
}

void SmtpSubmission::forget_password() {
  OPENSSL_cleanse(credentials_.password.data(), credentials_.password.size());
  credentials_.password.clear();
}

void SmtpSubmission::install_bufferevent(bufferevent* bev) {
  bev_ = bev;
  bufferevent_setcb(bev_, &SmtpSubmission::on_read, &SmtpSubmission::on_write,
                    &SmtpSubmission::on_event, this);
  // The write timeout restarts with every bit of progress, so it bounds a stalled upload
  // of a large message without bounding its total duration.
  timeval tv = backend_timeval(options_.timeout);
  bufferevent_set_timeouts(bev_, nullptr, &tv);
  bufferevent_enable(bev_, EV_READ | EV_WRITE);
}

void SmtpSubmission::start(const Credentials& credentials, OutgoingMessage message,
                           std::function<void(Status)> done, std::function<void()> on_closed) {
  auto self = shared_from_this();  // on_closed may drop the owner's reference below
  credentials_ = credentials;
  message_ = std::move(message);
  done_ = std::move(done);
  on_closed_ = std::move(on_closed);

  // Refuse what cannot go on the wire before opening a connection.
  Status st = check_envelope_address(message_.envelope_from, true, "sender");
  if (st && message_.envelope_to.empty()) st = Status::invalid_argument("no recipients");
  for (const std::string& to : message_.envelope_to) {
    if (!st) break;
    st = check_envelope_address(to, false, "recipient");
  }
  if (st && (credentials_.user.find('\0') != std::string::npos ||
             credentials_.password.find('\0') != std::string::npos))
    st = Status::auth_failed("credentials cannot be sent to SMTP (NUL byte)");
  if (!st) {
    finish(std::move(st), false);
    return;
  }

  step_ = Step::kConnecting;
  BackendEndpoint endpoint = smtp_endpoint(options_);
  bufferevent* bev = new_backend_bufferevent(base_, options_.tls == SmtpTlsMode::kImplicit,
                                             tls_ctx_, endpoint);
  if (!bev) {
    finish(Status::backend_unavailable("cannot create a socket for SMTP"), false);
    return;
  }
  install_bufferevent(bev);
  arm_timer();
  if (!start_backend_connect(bev_, dns_, endpoint, kLog, id_)) {
    finish(Status::backend_unavailable("cannot connect to SMTP " + options_.host + ":" +
                                       std::to_string(options_.port)),
           false);
  }
}

void SmtpSubmission::abandon() {
  done_ = nullptr;
  on_closed_ = nullptr;
  reported_ = true;
  close_connection();
}

void SmtpSubmission::arm_timer() {
  timeval tv = backend_timeval(step_ == Step::kQuit ? std::min(options_.timeout, kQuitTimeout)
                                               : options_.timeout);
  evtimer_add(timer_, &tv);
}

void SmtpSubmission::on_read(bufferevent*, void* ctx) {
  auto self = static_cast<SmtpSubmission*>(ctx)->shared_from_this();
  self->handle_read();
}

void SmtpSubmission::on_write(bufferevent*, void* ctx) {
  auto self = static_cast<SmtpSubmission*>(ctx)->shared_from_this();
  // Output drained: the whole message and its final "." are on their way.
  if (self->step_ == Step::kDataBody) {
    self->step_ = Step::kDataDone;
    self->arm_timer();
  }
}

void SmtpSubmission::on_event(bufferevent*, short what, void* ctx) {
  auto self = static_cast<SmtpSubmission*>(ctx)->shared_from_this();
  self->handle_event(what);
}

void SmtpSubmission::on_timer(int, short, void* ctx) {
  auto self = static_cast<SmtpSubmission*>(ctx)->shared_from_this();
  self->handle_timeout();
}

void SmtpSubmission::handle_timeout() {
  if (step_ == Step::kQuit) {
    close_connection();
    return;
  }
  std::string limit = std::to_string(options_.timeout.count()) + " ms";
  if (step_ == Step::kDataDone) {
    // The server may have queued the message and not said so yet: reporting "not sent,
    // retry" could deliver it twice, reporting success could lose it. Say neither.
    finish(Status::backend_error("no reply to the end of the message within " + limit +
                                 "; delivery state unknown"),
           false);
    return;
  }
  finish(Status::timeout(std::string("SMTP ") + smtp_step_name(step_) + " got no reply within " +
                         limit),
         false);
}

void SmtpSubmission::handle_event(short what) {
  if (what & BEV_EVENT_CONNECTED) {
    if (step_ == Step::kConnecting) {
      step_ = Step::kGreeting;
      tls_active_ = options_.tls == SmtpTlsMode::kImplicit;
    } else if (step_ == Step::kTlsHandshake) {
      tls_active_ = true;
      // RFC 3207 4.2: forget everything learned before TLS and ask again.
      caps_ = SmtpCapabilities{};
      send_ehlo();
    }
    return;
  }
  if (what & BEV_EVENT_TIMEOUT) {
    if (step_ == Step::kQuit) {
      close_connection();
      return;
    }
    finish(Status::timeout("SMTP server stopped accepting data during " +
                           std::string(smtp_step_name(step_))),
           false);
    return;
  }
  if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))) return;
  std::string why = backend_socket_event_text(bev_, what);
  switch (step_) {
    case Step::kQuit:
      close_connection();
      return;
    case Step::kConnecting:
      finish(Status::backend_unavailable("cannot connect to SMTP " + options_.host + ":" +
                                         std::to_string(options_.port) + ": " + why),
             false);
      return;
    case Step::kDataDone:
      finish(Status::backend_error("connection lost after the message was sent, before the "
                                   "server confirmed it (" + why + "); delivery state unknown"),
             false);
      return;
    default:
      finish(Status::backend_unavailable(std::string("SMTP connection lost during ") +
                                         smtp_step_name(step_) + ": " + why),
             false);
  }
}

void SmtpSubmission::handle_read() {
  evbuffer* in = bufferevent_get_input(bev_);
  size_t n = evbuffer_get_length(in);
  if (n > 0) {
    std::string chunk(n, '\0');
    evbuffer_remove(in, chunk.data(), n);
    parser_.feed(chunk);
  }
  while (bev_ && step_ != Step::kClosed) {
    auto next = parser_.next();
    if (!next) {
      if (step_ == Step::kQuit) {
        close_connection();
        return;
      }
      log_warn(kLog).msg("bad reply from SMTP server").kv("conn", id_)
          .kv("error", next.status().message());
      std::string why = next.status().message();
      finish(step_ == Step::kDataDone
                 ? Status::backend_error(why + " after the message was sent; delivery state unknown")
                 : Status::backend_error(why),
             false);
      return;
    }
    if (!next->has_value()) return;
    handle_reply(**next);
  }
}

void SmtpSubmission::send_command(std::string line, Step next, const char* log_text) {
  log_debug(kLog).msg("command").kv("conn", id_).kv("command", log_text ? log_text : line.c_str());
  line += "\r\n";
  bufferevent_write(bev_, line.data(), line.size());
  // The line may carry credentials; wipe our copy once libevent has its own.
  OPENSSL_cleanse(line.data(), line.size());
  step_ = next;
  arm_timer();
}

std::string SmtpSubmission::ehlo_name() const {
  return options_.ehlo_name.empty() ? local_host_name() : options_.ehlo_name;
}

void SmtpSubmission::send_ehlo() {
  send_command("EHLO " + ehlo_name(), Step::kEhlo);
}

void SmtpSubmission::handle_reply(const SmtpReply& reply) {
  log_debug(kLog).msg("reply").kv("conn", id_).kv("step", smtp_step_name(step_))
      .kv("code", reply.code);
  // 421: the server is closing the channel (RFC 5321 3.8); nothing more may be sent.
  const bool polite = reply.code != 421;
  switch (step_) {
    case Step::kGreeting:
      if (reply.code == 220) {
        send_ehlo();
      } else {
        // RFC 5321 3.1: after a 554 greeting the client should QUIT.
        finish(Status::backend_unavailable("SMTP server refused the session: " + reply.summary()),
               polite);
      }
      return;
    case Step::kEhlo:
      if (reply.code == 250) {
        caps_ = parse_ehlo_capabilities(reply);
        after_ehlo();
      } else if (reply.klass() == 5 && !tls_active_) {
        // RFC 5321 3.2: a server that does not know EHLO answers 5xx; try HELO.
        if (first_time_for_cause("smtp_helo_fallback"))
          log_warn(kLog).msg("SMTP server refused EHLO, falling back to HELO (no extensions)")
              .kv("reply", reply.summary());
        send_command("HELO " + ehlo_name(), Step::kHelo);
      } else {
        finish(reply_status(reply, "EHLO"), polite);
      }
      return;
    case Step::kHelo:
      if (reply.code == 250) {
        caps_ = SmtpCapabilities{};
        after_ehlo();
      } else {
        finish(reply_status(reply, "HELO"), polite);
      }
      return;
    case Step::kStartTls:
      if (reply.code == 220) begin_tls_upgrade();
      else finish(reply_status(reply, "STARTTLS"), polite);
      return;
    case Step::kAuthPlain:
    case Step::kAuthPlainData:
    case Step::kAuthLogin:
    case Step::kAuthLoginUser:
    case Step::kAuthLoginPass:
      break;  // below
    case Step::kMailFrom:
      if (reply.code == 250) {
        rcpt_index_ = 0;
        send_rcpt();
      } else if (reply.code == 552) {
        finish(Status::too_large("message exceeds the SMTP server's size limit: " + reply.summary()),
               polite);
      } else if (reply.klass() == 5) {
        finish(Status::invalid_argument("sender <" + message_.envelope_from +
                                        "> refused: " + reply.summary()),
               polite);
      } else {
        finish(reply_status(reply, "MAIL FROM"), polite);
      }
      return;
    case Step::kRcptTo: {
      const std::string& to = message_.envelope_to[rcpt_index_];
      if (reply.code == 250 || reply.code == 251) {
        if (++rcpt_index_ < message_.envelope_to.size()) send_rcpt();
        else send_data();
      } else if (reply.code == 552 || reply.klass() == 4) {
        // RFC 5321 4.5.3.1.10: 552 to RCPT (too many recipients) is to be taken as 452.
        finish(Status::backend_unavailable("recipient <" + to +
                                           "> temporarily refused: " + reply.summary()),
               polite);
      } else if (reply.klass() == 5) {
        finish(Status::invalid_argument("recipient <" + to + "> refused: " + reply.summary()),
               polite);
      } else {
        finish(reply_status(reply, "RCPT TO"), polite);
      }
      return;
    }
    case Step::kData:
      if (reply.code == 354) {
        std::string payload = smtp_data_payload(message_.rfc822);
        message_.rfc822.clear();
        message_.rfc822.shrink_to_fit();
        step_ = Step::kDataBody;
        // From here the bufferevent's write timeout watches progress; the reply timer
        // restarts once the output has drained (on_write).
        evtimer_del(timer_);
        bufferevent_write(bev_, payload.data(), payload.size());
      } else if (reply.code == 552) {
        finish(Status::too_large("message refused at DATA: " + reply.summary()), polite);
      } else {
        finish(reply_status(reply, "DATA"), polite);
      }
      return;
    case Step::kDataBody:
      // The server cannot have seen the final "." yet: any reply now is out of order.
      finish(Status::backend_error("SMTP server replied before the message was complete: " +
                                   reply.summary()),
             false);
      return;
    case Step::kDataDone:
      if (reply.code == 250) {
        finish(Status::ok(), polite);
      } else if (reply.code == 552) {
        finish(Status::too_large("message refused: " + reply.summary()), polite);
      } else {
        finish(reply_status(reply, "message"), polite);
      }
      return;
    case Step::kQuit:
      close_connection();
      return;
    case Step::kNew:
    case Step::kConnecting:
    case Step::kTlsHandshake:
    case Step::kClosed:
      finish(Status::backend_error("unexpected SMTP reply during " +
                                   std::string(smtp_step_name(step_)) + ": " + reply.summary()),
             false);
      return;
  }

  // AUTH steps (RFC 4954 4): 334 asks for more, 235 is success, 535 wrong credentials.
  if (reply.code == 235 && (step_ == Step::kAuthPlain || step_ == Step::kAuthPlainData ||
                            step_ == Step::kAuthLoginPass)) {
    forget_password();
    start_mail();
    return;
  }
  if (reply.code == 334 && step_ != Step::kAuthPlainData && step_ != Step::kAuthLoginPass) {
    if (step_ == Step::kAuthPlain) {
      // The server ignored the initial response and asks for it (RFC 4954 4: empty 334).
      send_command(sasl_plain_response(credentials_.user, credentials_.password),
                   Step::kAuthPlainData, "<redacted>");
    } else if (step_ == Step::kAuthLogin) {
      send_command(smtp_base64_encode(credentials_.user), Step::kAuthLoginUser, "<user>");
    } else {
      std::string b64 = smtp_base64_encode(credentials_.password);
      send_command(std::move(b64), Step::kAuthLoginPass, "<redacted>");
    }
    return;
  }
  forget_password();
  switch (reply.code) {
    case 535:  // RFC 4954 6: authentication credentials invalid
      finish(Status::auth_failed("SMTP server refused the credentials: " + reply.summary()),
             polite);
      return;
    case 534:  // RFC 4954 6: mechanism too weak
    case 538:  // RFC 4954 6: encryption required for the mechanism
      finish(Status::backend_error("SMTP AUTH needs a stronger mechanism or TLS (set the smtp "
                                   "backend's tls): " + reply.summary()),
             polite);
      return;
    default:
      finish(reply_status(reply, "AUTH"), polite);
  }
}

void SmtpSubmission::after_ehlo() {
  if (options_.tls == SmtpTlsMode::kStartTls && !tls_active_) {
    if (!caps_.starttls) {
      // Never fall back to plaintext: that would expose the password (RFC 8314 4).
      finish(Status::backend_error("SMTP server does not offer STARTTLS; refusing to send "
                                   "credentials in clear"),
             true);
      return;
    }
    send_command("STARTTLS", Step::kStartTls);
    return;
  }
  start_auth();
}

void SmtpSubmission::begin_tls_upgrade() {
  // Bytes after the 220 would be plaintext injected before the handshake (RFC 3207 6,
  // the STARTTLS command-injection class of bugs): refuse.
  if (parser_.buffered() > 0 || evbuffer_get_length(bufferevent_get_input(bev_)) > 0) {
    finish(Status::backend_error("SMTP server sent data after the STARTTLS reply"), false);
    return;
  }
  bufferevent* tls = new_backend_tls_filter(base_, bev_, tls_ctx_, smtp_endpoint(options_));
  if (!tls) {
    finish(Status::backend_error("cannot start TLS towards the SMTP server"), false);
    return;
  }
  step_ = Step::kTlsHandshake;
  install_bufferevent(tls);  // the filter now owns the socket bufferevent
  arm_timer();
}

void SmtpSubmission::start_auth() {
  if (caps_.has_auth("PLAIN")) {
    // RFC 4954 4: the response goes along as the initial response, saving a round trip.
    send_command("AUTH PLAIN " + sasl_plain_response(credentials_.user, credentials_.password),
                 Step::kAuthPlain, "AUTH PLAIN <redacted>");
    return;
  }
  if (caps_.has_auth("LOGIN")) {
    send_command("AUTH LOGIN", Step::kAuthLogin);
    return;
  }
  finish(Status::backend_error(
             caps_.extended
                 ? "SMTP server offers neither AUTH PLAIN nor AUTH LOGIN here (it may offer "
                   "AUTH only after TLS: set the smtp backend's tls)"
                 : "SMTP server does not speak ESMTP, so it cannot authenticate the user"),
         true);
}

void SmtpSubmission::start_mail() {
  bool utf8 = has_8bit(message_.envelope_from);
  for (const std::string& to : message_.envelope_to) utf8 = utf8 || has_8bit(to);
  if (utf8 && !caps_.smtputf8) {
    // RFC 6531 3.4: non-ASCII addresses only with SMTPUTF8.
    finish(Status::invalid_argument("an envelope address is not ASCII and the SMTP server "
                                    "does not offer SMTPUTF8"),
           true);
    return;
  }
  uint64_t size = smtp_message_size(message_.rfc822);
  if (caps_.size && caps_.size_limit > 0 && size > caps_.size_limit) {
    finish(Status::too_large("message of " + std::to_string(size) +
                             " octets exceeds the SMTP server's SIZE limit of " +
                             std::to_string(caps_.size_limit)),
           true);
    return;
  }
  std::string line = "MAIL FROM:<" + message_.envelope_from + ">";
  if (caps_.size) line += " SIZE=" + std::to_string(size);  // RFC 1870 6
  // RFC 6152 2: declare 8-bit content when the server can take it; without 8BITMIME the
  // message goes as it is (most servers accept it; downgrading is the MIME layer's job).
  if (caps_.eight_bit_mime && has_8bit(message_.rfc822)) line += " BODY=8BITMIME";
  if (utf8) line += " SMTPUTF8";
  send_command(std::move(line), Step::kMailFrom);
}

void SmtpSubmission::send_rcpt() {
  send_command("RCPT TO:<" + message_.envelope_to[rcpt_index_] + ">", Step::kRcptTo);
}

void SmtpSubmission::send_data() { send_command("DATA", Step::kData); }

void SmtpSubmission::finish(Status status, bool polite) {
  forget_password();
  if (!reported_) {
    reported_ = true;
    if (status) {
      log_info(kLog).msg("message submitted").kv("conn", id_).kv("user", credentials_.user)
          .kv("recipients", static_cast<uint64_t>(message_.envelope_to.size()));
    } else {
      log_info(kLog).msg("submission failed").kv("conn", id_).kv("user", credentials_.user)
          .kv("error", error_kind_name(status.kind())).kv("reason", status.message());
    }
    if (done_) {
      defer_on_loop(base_, [done = std::move(done_), status = std::move(status)]() mutable {
        done(std::move(status));
      });
      done_ = nullptr;
    }
  }
  if (polite && bev_ && step_ != Step::kClosed && step_ != Step::kQuit) {
    send_command("QUIT", Step::kQuit);
    return;
  }
  close_connection();
}

void SmtpSubmission::close_connection() {
  if (bev_) {
    bufferevent_free(bev_);
    bev_ = nullptr;
  }
  if (timer_) evtimer_del(timer_);
  step_ = Step::kClosed;
  if (on_closed_) {
    auto closed = std::move(on_closed_);
    on_closed_ = nullptr;
    closed();
  }
}

}  // namespace easgate
