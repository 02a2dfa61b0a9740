#pragma once
// One asynchronous IMAP4rev1 client connection on libevent (Dovecot lib-imap-client style:
// command + callback + context). Plain TCP, STARTTLS or implicit TLS via
// bufferevent_openssl. Commands are queued and sent one at a time; each completes with an
// ImapReply carrying a small state enum and the untagged responses that arrived meanwhile.
//
// Threading: lives on one event_base; every method must be called on that loop's thread.
// Callbacks always run later on that loop, never inline from the call that queued them.
// Lifetime: owned by shared_ptr; it keeps itself alive while inside its own callbacks, so
// a callback may drop the last reference.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/credentials.h"
#include "backends/imap/imap_command.h"
#include "backends/imap/imap_options.h"
#include "backends/imap/imap_parser.h"
#include "gateway/core/status.h"

struct event_base;
struct event;
struct bufferevent;
struct evdns_base;
typedef struct ssl_ctx_st SSL_CTX;

namespace easgate {

// How a command ended.
enum class ImapReplyState : uint8_t {
  kOk,            // tagged OK
  kNo,            // tagged NO: the server refused the operation
  kBad,           // tagged BAD: the server did not understand the command
  kAuthFailed,    // tagged NO to LOGIN / AUTHENTICATE: credentials refused
  kDisconnected,  // the connection closed (or could not be opened) before completion
  kTimeout,       // no completion within the command (or connect) timeout
};

const char* imap_reply_state_name(ImapReplyState state);

struct ImapReply {
  // How the command ended.
  ImapReplyState state = ImapReplyState::kOk;
  // Text of the tagged response, or a local explanation for disconnect / timeout.
  std::string text;
  // resp-text-code of the tagged response (e.g. "AUTHENTICATIONFAILED"); empty if none.
  std::string code;
  // Arguments of that code.
  std::vector<ImapValue> code_args;
  // Untagged responses received while this command was in flight, in order.
  std::vector<ImapResponse> untagged;
};

using ImapCallback = std::function<void(ImapReply)>;

// Maps a reply to a Status for the layers above: kAuthFailed -> auth_failed, NO with
// [UNAVAILABLE] (RFC 5530) or disconnect -> backend_unavailable, timeout -> timeout,
// other NO / BAD -> backend_error. `what` names the operation in the message.
Status imap_reply_status(const ImapReply& reply, std::string_view what);

// Creates the TLS context the connections of one pool share; nullptr for kNone.
Result<SSL_CTX*> make_imap_tls_context(const ImapOptions& options);

class ImapConnection : public std::enable_shared_from_this<ImapConnection> {
 public:
  // Lifecycle of the connection.
  enum class State : uint8_t {
    kNew,         // created, connect() not called
    kConnecting,  // TCP connect and, for implicit TLS, the handshake
    kGreeting,    // waiting for the server greeting
    kStartTls,    // STARTTLS sent / TLS handshake in progress
    kReady,       // commands may be sent
    kClosed,      // socket gone; every command fails with kDisconnected
  };

  // `tls_ctx` must outlive the connection (the pool owns it); nullptr for plain TCP.
  // `dns` may be nullptr (libevent then resolves with blocking getaddrinfo; fine for
  // address literals).
  static std::shared_ptr<ImapConnection> create(event_base* base, const ImapOptions& options,
                                                SSL_CTX* tls_ctx, evdns_base* dns);
  ~ImapConnection();
  ImapConnection(const ImapConnection&) = delete;
  ImapConnection& operator=(const ImapConnection&) = delete;

  // Connects, reads the greeting, upgrades with STARTTLS when configured and learns the
  // capabilities. kOk: ready for login(). Call once.
  void connect(ImapCallback done);
  // Queues a command; see ImapCommand.
  void send(ImapCommand command, ImapCallback done);
  // Convenience for a command without string arguments, e.g. "NOOP".
  void send_simple(std::string_view text, ImapCallback done);
  // Authenticates: AUTHENTICATE PLAIN (with SASL-IR, RFC 4959, when offered) if the server
  // offers AUTH=PLAIN and options.prefer_sasl_plain, else LOGIN. The password is never
  // logged. On success the capabilities are refreshed from the reply when it carries them.
  void login(const Credentials& credentials, ImapCallback done);
  // LOGOUT, then close.
  void logout(ImapCallback done);
  // IDLE (RFC 2177): queued like any command; once the server's "+" arrives no command
  // timeout applies and untagged responses go only to the untagged listener (not into the
  // reply, which would grow for the whole IDLE). `done` runs on the tagged response that
  // follows idle_done() (or on a failure).
  void idle(ImapCallback done);
  // Ends the IDLE in flight with DONE (sent as soon as the server has said "+"); the
  // command timeout applies again from here. No-op without an IDLE in flight.
  void idle_done();
  // True while an IDLE is in flight and the server has accepted it ("+").
  bool idling() const;
  // Called for every untagged response after the greeting, in order, including the
  // unsolicited ones between commands (NOTIFY, RFC 5465 5) and those during IDLE. Runs
  // on the loop inside the read callback: it must not destroy the connection inline.
  void set_untagged_listener(std::function<void(const ImapResponse&)> listener) {
    untagged_listener_ = std::move(listener);
  }
  // Called once (deferred) when the connection closes for any reason but close() /
  // abandon(), even with no command in flight: how an owner that only listens (NOTIFY)
  // learns that the server went away.
  void set_close_listener(std::function<void(const std::string& why)> listener) {
    close_listener_ = std::move(listener);
  }
  // Drops the socket now; queued commands fail with kDisconnected (deferred).
  void close();
  // Drops the socket and every queued callback without calling them; for owners that
  // are being destroyed and are the only ones waiting (the pool's LOGOUTs in flight).
  void abandon();

  State state() const { return state_; }
  // Ready, and the server has not said BYE.
  bool usable() const { return state_ == State::kReady && !bye_; }
  // True after the greeting said PREAUTH or login() succeeded.
  bool authenticated() const { return authenticated_; }
  // Capability names, upper-cased, from the last CAPABILITY response or code.
  const std::vector<std::string>& capabilities() const { return capabilities_; }
  bool has_capability(std::string_view name) const;
  // Replaces the capability list (pool cache); used when the server did not send one.
  void set_capabilities(std::vector<std::string> caps) { capabilities_ = std::move(caps); }
  // True when capabilities were learned after authentication.
  bool capabilities_known() const { return !capabilities_.empty(); }
  // Process-unique id, for logs.
  uint64_t id() const { return id_; }

  // The mailbox the session has selected, so a later request on the same mailbox can
  // skip SELECT. Kept by the mail store, which alone sends SELECT.
  struct SelectedMailbox {
    std::string name;          // mailbox name as sent; empty: nothing selected
    uint32_t uidvalidity = 0;  // UIDVALIDITY reported by that SELECT
  };
  const SelectedMailbox& selected() const { return selected_; }
  void set_selected(SelectedMailbox selected) { selected_ = std::move(selected); }
  // True after the server answered ENABLE with QRESYNC (RFC 7162 3.2.3).
  bool qresync_enabled() const { return qresync_enabled_; }
  void set_qresync_enabled(bool on) { qresync_enabled_ = on; }
  // Hierarchy delimiter learned from LIST "" ""; -1 while unknown, 0 for a flat server.
  int hierarchy_delimiter() const { return delimiter_; }
  void set_hierarchy_delimiter(int delimiter) { delimiter_ = delimiter; }
  // Counter incremented for every command sent (the pool's Stats::commands_sent).
  void set_command_counter(std::shared_ptr<uint64_t> counter) { counter_ = std::move(counter); }

 private:
  struct Pending {
    ImapCommand command;
    ImapCallback done;
    std::string tag;
    size_t next_chunk = 0;
    ImapReply reply;
    bool idle = false;           // an IDLE command (RFC 2177)
    bool idling = false;         // ... the server said "+": waiting for our DONE
    bool done_wanted = false;    // ... idle_done() was called: DONE is sent/pending
  };

  ImapConnection(event_base* base, const ImapOptions& options, SSL_CTX* tls_ctx, evdns_base* dns);

  static void on_read(bufferevent* bev, void* ctx);
  static void on_event(bufferevent* bev, short what, void* ctx);
  static void on_timer(int fd, short what, void* ctx);

  void handle_read();
  void handle_event(short what);
  void handle_response(ImapResponse response);
  void handle_greeting(ImapResponse response);
  void after_greeting();
  void begin_tls_upgrade();
  void query_capabilities_then_ready();
  void finish_connect(ImapReply reply);
  void update_capabilities(const std::vector<ImapValue>& values);
  void start_next();
  void write_chunk(Pending& p);
  void arm_timer(std::chrono::milliseconds timeout);
  void fail(ImapReplyState state, const std::string& why);
  void install_bufferevent(bufferevent* bev);

  event_base* base_;
  const ImapOptions options_;  // copied: a leased connection may outlive its pool
  SSL_CTX* tls_ctx_;
  evdns_base* dns_;
  bufferevent* bev_ = nullptr;
  event* timer_ = nullptr;
  State state_ = State::kNew;
  bool bye_ = false;
  bool authenticated_ = false;
  bool in_flight_ = false;  // front of queue_ has been (partly) sent
  uint64_t id_;
  uint64_t next_tag_ = 1;
  ImapResponseParser parser_;
  std::deque<Pending> queue_;
  ImapCallback connect_done_;
  std::vector<std::string> capabilities_;
  SelectedMailbox selected_;
  bool qresync_enabled_ = false;
  int delimiter_ = -1;
  std::shared_ptr<uint64_t> counter_;
  std::function<void(const ImapResponse&)> untagged_listener_;
  std::function<void(const std::string&)> close_listener_;
};

}  // namespace easgate
