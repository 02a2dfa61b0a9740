#pragma once
// Authenticated IMAP sessions pooled per user on one worker, so a busy device does not
// LOGIN per request. Bounded per user and in total; an idle session is logged out after
// options.idle_timeout. Each session remembers a salted hash of the password it logged in
// with: a request with another password for the same user logs in afresh and, if that
// succeeds, the user's older sessions are retired (the password changed). Capabilities
// learned after login are cached per pool.
//
// One pool per worker event loop; not thread-safe; every method runs on that loop. The
// pool is owned by shared_ptr (leases hold a weak reference back to it).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/api/credentials.h"
#include "backends/imap/imap_connection.h"
#include "backends/imap/imap_options.h"
#include "gateway/core/clock.h"
#include "gateway/core/status.h"

struct event_base;
struct event;
struct evdns_base;

namespace easgate {

class ImapSessionPool;

// One authenticated session lent to one request. Destroying the lease returns the session
// to the pool; call discard() first when the session is in a state nobody else should
// inherit (e.g. a command timed out half way, or a mailbox is still selected for a
// purpose the next user does not expect).
class ImapLease {
 public:
  ImapLease() = default;
  ImapLease(ImapLease&& other) noexcept = default;
  ImapLease& operator=(ImapLease&& other) noexcept;
  ImapLease(const ImapLease&) = delete;
  ImapLease& operator=(const ImapLease&) = delete;
  ~ImapLease();

  ImapConnection& connection() { return *conn_; }
  ImapConnection* operator->() { return conn_.get(); }
  // True when this lease holds a session.
  bool valid() const { return conn_ != nullptr; }
  // Close the session on release instead of pooling it.
  void discard() { discard_ = true; }
  // Returns the session now (the destructor does the same).
  void release();

 private:
  friend class ImapSessionPool;
  std::weak_ptr<ImapSessionPool> pool_;
  std::shared_ptr<ImapConnection> conn_;
  std::string user_;
  std::string key_;
  bool discard_ = false;
};

class ImapSessionPool : public std::enable_shared_from_this<ImapSessionPool> {
 public:
  // Counters for metrics and tests.
  struct Stats {
    uint64_t logins = 0;         // successful LOGIN / AUTHENTICATE
    uint64_t login_failures = 0; // refused credentials
    uint64_t reuses = 0;         // requests served by an idle pooled session
    uint64_t retired = 0;        // sessions closed because the user's password changed
    uint64_t idle_closed = 0;    // sessions closed by the idle timeout
    size_t open = 0;             // sessions open now (busy + idle + opening)
    size_t idle = 0;             // sessions idle in the pool now
    uint64_t commands_sent = 0;  // IMAP commands sent by this pool's sessions (LOGIN included)
  };

  // `base` and `clock` must outlive the pool. Fails when the TLS context cannot be built.
  static Result<std::shared_ptr<ImapSessionPool>> create(event_base* base, ImapOptions options,
                                                         const Clock& clock);
  ~ImapSessionPool();
  ImapSessionPool(const ImapSessionPool&) = delete;
  ImapSessionPool& operator=(const ImapSessionPool&) = delete;

  // An authenticated session for these credentials: an idle pooled one logged in with
  // the same password, or a new one. Errors: auth_failed (credentials refused),
  // backend_unavailable (cannot connect, session limit reached), timeout. `done` runs
  // later on the pool's loop, never inline.
  void acquire(const Credentials& credentials, std::function<void(Result<ImapLease>)> done);

  // Logs out sessions idle longer than idle_timeout and fails waiters that waited longer
  // than command_timeout. Runs from an internal timer once per second; tests call it
  // directly after moving a ManualClock.
  void sweep();

  Stats stats() const;
  const ImapOptions& options() const { return options_; }
  // The injected clock (list_messages turns an absolute FilterType cutoff into an age).
  const Clock& clock() const { return clock_; }
  // The loop the pool and its sessions run on.
  event_base* base() const { return base_; }
  // Capabilities `user`'s last successful login saw (empty until then). Kept per user:
  // a server may offer users different extensions (Dovecot per-user mail_plugins).
  std::vector<std::string> cached_capabilities(const std::string& user) const;

 private:
  friend class ImapLease;
  struct IdleSession {
    std::shared_ptr<ImapConnection> conn;
    std::string key;
    std::chrono::steady_clock::time_point last_used;
  };
  struct Waiter {
    Credentials credentials;
    std::function<void(Result<ImapLease>)> done;
    std::chrono::steady_clock::time_point since;
  };
  struct UserSessions {
    std::vector<IdleSession> idle;  // most recently used last
    size_t busy = 0;                // leased or being opened
    std::string current_key;        // password hash of the newest successful login
    std::deque<Waiter> waiters;     // requests waiting for a per-user slot
    // Capabilities after this user's last login; reused when a LOGIN OK carries none
    // (RFC 3501 6.2.3: they may differ from the pre-login list and between users).
    std::vector<std::string> capabilities;
  };

  ImapSessionPool(event_base* base, ImapOptions options, const Clock& clock, SSL_CTX* tls_ctx);
  std::string password_key(const Credentials& credentials) const;
  void acquire_keyed(Credentials credentials, std::string key,
                     std::function<void(Result<ImapLease>)> done);
  void open_session(Credentials credentials, std::string key,
                    std::function<void(Result<ImapLease>)> done);
  void after_login(std::shared_ptr<ImapConnection> conn, std::string user, std::string key,
                   std::function<void(Result<ImapLease>)> done);
  void finish_open(std::shared_ptr<ImapConnection> conn, std::string user, std::string key,
                   std::function<void(Result<ImapLease>)> done);
  void open_failed(const std::string& user, Status status,
                   std::function<void(Result<ImapLease>)> done);
  void release(const std::string& user, const std::string& key,
               std::shared_ptr<ImapConnection> conn, bool discard);
  ImapLease make_lease(std::shared_ptr<ImapConnection> conn, const std::string& user,
                       const std::string& key);
  void close_session(std::shared_ptr<ImapConnection> conn);
  void retire_other_sessions(UserSessions& u, const std::string& user);
  bool evict_one_idle();
  void serve_waiters(const std::string& user);
  void arm_sweep();
  static void on_sweep_timer(int fd, short what, void* ctx);

  event_base* base_;
  ImapOptions options_;
  const Clock& clock_;
  SSL_CTX* tls_ctx_;
  evdns_base* dns_ = nullptr;
  event* sweep_timer_ = nullptr;
  std::string salt_;  // random per pool; keys are never comparable across processes
  std::unordered_map<std::string, UserSessions> users_;
  std::vector<std::shared_ptr<ImapConnection>> closing_;  // LOGOUT in flight
  std::shared_ptr<uint64_t> commands_sent_ = std::make_shared<uint64_t>(0);
  size_t open_total_ = 0;
  Stats stats_;
};

}  // namespace easgate
