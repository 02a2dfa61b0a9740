#include "backends/imap/imap_session_pool.h"

#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <algorithm>

#include "backends/imap/loop_defer.h"
#include "gateway/core/log.h"

namespace easgate {
namespace {

constexpr char kLog[] = "imap_pool";
constexpr std::chrono::seconds kSweepInterval{1};

}  // namespace

// ---- ImapLease ----

ImapLease& ImapLease::operator=(ImapLease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::move(other.pool_);
    conn_ = std::move(other.conn_);
    user_ = std::move(other.user_);
    key_ = std::move(other.key_);
    discard_ = other.discard_;
  }
  return *this;
}

ImapLease::~ImapLease() { release(); }

void ImapLease::release() {
  if (!conn_) return;
  std::shared_ptr<ImapConnection> conn = std::move(conn_);
  conn_ = nullptr;
  if (auto pool = pool_.lock()) {
    pool->release(user_, key_, std::move(conn), discard_);
  } else {
    conn->close();  // the pool is gone; nobody will reuse it
  }
}

// ---- ImapSessionPool ----

Result<std::shared_ptr<ImapSessionPool>> ImapSessionPool::create(event_base* base,
                                                                 ImapOptions options,
                                                                 const Clock& clock) {
  Result<SSL_CTX*> ctx = make_imap_tls_context(options);
  if (!ctx) return ctx.status();
  return std::shared_ptr<ImapSessionPool>(
      new ImapSessionPool(base, std::move(options), clock, *ctx));
}

ImapSessionPool::ImapSessionPool(event_base* base, ImapOptions options, const Clock& clock,
                                 SSL_CTX* tls_ctx)
    : base_(base), options_(std::move(options)), clock_(clock), tls_ctx_(tls_ctx) {
  sweep_timer_ = evtimer_new(base_, &ImapSessionPool::on_sweep_timer, this);
  // Numeric hosts resolve without DNS traffic; names resolve without blocking the loop.
  dns_ = evdns_base_new(base_, EVDNS_BASE_INITIALIZE_NAMESERVERS);
  salt_.resize(32);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt_.data()), 32) != 1) {
    // Never expected; a fixed salt still keeps passwords out of memory in clear.
    log_error(kLog).msg("RAND_bytes failed; using a weak salt");
  }
}

ImapSessionPool::~ImapSessionPool() {
  // No LOGOUT here: the loop may already be stopping. Closing fails queued commands.
  for (auto& [user, u] : users_)
    for (IdleSession& s : u.idle) s.conn->close();
  for (auto& c : closing_) c->abandon();  // only the pool waits for these LOGOUTs
  if (sweep_timer_) event_free(sweep_timer_);
  if (dns_) evdns_base_free(dns_, 0);
  if (tls_ctx_) SSL_CTX_free(tls_ctx_);
}

std::string ImapSessionPool::password_key(const Credentials& c) const {
  // SHA-256(salt || user || NUL || password): identifies "the same password" without
  // keeping the password itself next to the session.
  std::string input = salt_ + c.user + '\0' + c.password;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr);
  OPENSSL_cleanse(input.data(), input.size());
  return std::string(reinterpret_cast<char*>(md), len);
}

std::vector<std::string> ImapSessionPool::cached_capabilities(const std::string& user) const {
  auto it = users_.find(user);
  return it == users_.end() ? std::vector<std::string>{} : it->second.capabilities;
}

ImapSessionPool::Stats ImapSessionPool::stats() const {
  Stats s = stats_;
  s.open = open_total_;
  s.commands_sent = *commands_sent_;
  s.idle = 0;
  for (const auto& [user, u] : users_) s.idle += u.idle.size();
  return s;
}

void ImapSessionPool::acquire(const Credentials& credentials,
                              std::function<void(Result<ImapLease>)> done) {
  std::string key = password_key(credentials);
  acquire_keyed(credentials, std::move(key), std::move(done));
}

ImapLease ImapSessionPool::make_lease(std::shared_ptr<ImapConnection> conn,
                                      const std::string& user, const std::string& key) {
  ImapLease lease;
  lease.pool_ = weak_from_this();
  lease.conn_ = std::move(conn);
  lease.user_ = user;
  lease.key_ = key;
  return lease;
}

void ImapSessionPool::acquire_keyed(Credentials credentials, std::string key,
                                    std::function<void(Result<ImapLease>)> done) {
  const std::string user = credentials.user;
  UserSessions& u = users_[user];

  // Reuse: newest idle session logged in with this very password.
  for (size_t i = u.idle.size(); i-- > 0;) {
    if (!u.idle[i].conn->usable()) {
      u.idle.erase(u.idle.begin() + static_cast<std::ptrdiff_t>(i));
      --open_total_;
      continue;
    }
    if (u.idle[i].key != key) continue;
    std::shared_ptr<ImapConnection> conn = std::move(u.idle[i].conn);
    u.idle.erase(u.idle.begin() + static_cast<std::ptrdiff_t>(i));
    ++u.busy;
    ++stats_.reuses;
    log_debug(kLog).msg("session reused").kv("user", user).kv("conn", conn->id());
    auto lease = std::make_shared<ImapLease>(make_lease(std::move(conn), user, key));
    defer_on_loop(base_, [lease, done = std::move(done)]() { done(std::move(*lease)); });
    return;
  }

  if (u.busy + u.idle.size() >= options_.max_sessions_per_user) {
    if (!u.idle.empty()) {
      // Idle sessions of another password: drop the oldest to make room.
      close_session(std::move(u.idle.front().conn));
      u.idle.erase(u.idle.begin());
      --open_total_;
    } else {
      u.waiters.push_back(Waiter{std::move(credentials), std::move(done), clock_.steady_now()});
      arm_sweep();
      return;
    }
  }
  if (open_total_ >= options_.max_sessions_total && !evict_one_idle()) {
    if (first_time_for_cause("imap_pool_full"))
      log_warn(kLog).msg("IMAP session limit reached").kv("max", static_cast<uint64_t>(options_.max_sessions_total));
    defer_on_loop(base_, [done = std::move(done)]() {
      done(Status::backend_unavailable("IMAP session limit reached"));
    });
    return;
  }
  open_session(std::move(credentials), std::move(key), std::move(done));
}

bool ImapSessionPool::evict_one_idle() {
  UserSessions* oldest_user = nullptr;
  for (auto& [user, u] : users_) {
    if (u.idle.empty()) continue;
    if (!oldest_user || u.idle.front().last_used < oldest_user->idle.front().last_used)
      oldest_user = &u;
  }
  if (!oldest_user) return false;
  close_session(std::move(oldest_user->idle.front().conn));
  oldest_user->idle.erase(oldest_user->idle.begin());
  --open_total_;
  return true;
}

void ImapSessionPool::open_session(Credentials credentials, std::string key,
                                   std::function<void(Result<ImapLease>)> done) {
  UserSessions& u = users_[credentials.user];
  ++u.busy;
  ++open_total_;
  auto conn = ImapConnection::create(base_, options_, tls_ctx_, dns_);
  conn->set_command_counter(commands_sent_);
  std::weak_ptr<ImapSessionPool> weak = weak_from_this();
  conn->connect([weak, conn, credentials = std::move(credentials), key = std::move(key),
                 done = std::move(done)](ImapReply reply) mutable {
    auto pool = weak.lock();
    if (!pool) return;
    if (reply.state != ImapReplyState::kOk) {
      conn->close();
      pool->open_failed(credentials.user, imap_reply_status(reply, "IMAP connect"), std::move(done));
      return;
    }
    std::string user = credentials.user;
    conn->login(credentials, [weak, conn, user = std::move(user), key = std::move(key),
                              done = std::move(done)](ImapReply login_reply) mutable {
      auto pool = weak.lock();
      if (!pool) return;
      if (login_reply.state != ImapReplyState::kOk) {
        if (login_reply.state == ImapReplyState::kAuthFailed) ++pool->stats_.login_failures;
        // Close at once: a refused session is of no use, and LOGOUT would only add a
        // round trip.
        conn->close();
        pool->open_failed(user, imap_reply_status(login_reply, "IMAP login"), std::move(done));
        return;
      }
      pool->after_login(std::move(conn), std::move(user), std::move(key), std::move(done));
    });
  });
}

void ImapSessionPool::after_login(std::shared_ptr<ImapConnection> conn, std::string user,
                                  std::string key, std::function<void(Result<ImapLease>)> done) {
  ++stats_.logins;
  UserSessions& u = users_[user];
  if (u.current_key != key) {
    if (!u.current_key.empty()) retire_other_sessions(u, user);
    u.current_key = key;
  }
  if (conn->capabilities_known()) {
    u.capabilities = conn->capabilities();
    finish_open(std::move(conn), std::move(user), std::move(key), std::move(done));
    return;
  }
  // Only this user's own earlier list stands in for the missing one: another user's could
  // claim CONDSTORE/QRESYNC this mailbox does not have (and the sync would rely on it).
  if (!u.capabilities.empty()) {
    conn->set_capabilities(u.capabilities);
    finish_open(std::move(conn), std::move(user), std::move(key), std::move(done));
    return;
  }
  std::weak_ptr<ImapSessionPool> weak = weak_from_this();
  conn->send_simple("CAPABILITY", [weak, conn, user = std::move(user), key = std::move(key),
                                   done = std::move(done)](ImapReply reply) mutable {
    auto pool = weak.lock();
    if (!pool) return;
    if (reply.state != ImapReplyState::kOk) {
      conn->close();
      pool->open_failed(user, imap_reply_status(reply, "IMAP CAPABILITY"), std::move(done));
      return;
    }
    pool->users_[user].capabilities = conn->capabilities();
    pool->finish_open(std::move(conn), std::move(user), std::move(key), std::move(done));
  });
}

void ImapSessionPool::finish_open(std::shared_ptr<ImapConnection> conn, std::string user,
                                  std::string key, std::function<void(Result<ImapLease>)> done) {
  // RFC 7162 3.2.3: ENABLE QRESYNC implies CONDSTORE; the sync engine relies on MODSEQs.
  const char* enable = nullptr;
  if (conn->has_capability("ENABLE")) {
    if (conn->has_capability("QRESYNC")) enable = "ENABLE CONDSTORE QRESYNC";
    else if (conn->has_capability("CONDSTORE")) enable = "ENABLE CONDSTORE";
  }
  if (!enable) {
    if (first_time_for_cause("imap_no_condstore"))
      log_warn(kLog).msg("IMAP server lacks ENABLE CONDSTORE/QRESYNC; sync falls back to full scans");
    ImapLease lease = make_lease(std::move(conn), user, key);
    done(std::move(lease));
    return;
  }
  std::weak_ptr<ImapSessionPool> weak = weak_from_this();
  conn->send_simple(enable, [weak, conn, user = std::move(user), key = std::move(key),
                             done = std::move(done)](ImapReply reply) mutable {
    auto pool = weak.lock();
    if (!pool) return;
    if (reply.state == ImapReplyState::kDisconnected || reply.state == ImapReplyState::kTimeout) {
      pool->open_failed(user, imap_reply_status(reply, "IMAP ENABLE"), std::move(done));
      return;
    }
    // A NO to ENABLE is a degraded server, not a failed login.
    for (const ImapResponse& u : reply.untagged) {
      if (u.keyword != "ENABLED") continue;
      for (const ImapValue& v : u.values)
        if (v.is_atom("QRESYNC")) conn->set_qresync_enabled(true);
    }
    ImapLease lease = pool->make_lease(std::move(conn), user, key);
    done(std::move(lease));
  });
}

void ImapSessionPool::open_failed(const std::string& user, Status status,
                                  std::function<void(Result<ImapLease>)> done) {
  UserSessions& u = users_[user];
  if (u.busy > 0) --u.busy;
  if (open_total_ > 0) --open_total_;
  log_debug(kLog).msg("session open failed").kv("user", user).kv("error", status.message());
  // Called from connection callbacks (already deferred), so `done` may run here.
  done(std::move(status));
  serve_waiters(user);
}

void ImapSessionPool::retire_other_sessions(UserSessions& u, const std::string& user) {
  log_info(kLog).msg("password changed; retiring older sessions").kv("user", user);
  for (IdleSession& s : u.idle) {
    close_session(std::move(s.conn));
    --open_total_;
    ++stats_.retired;
  }
  u.idle.clear();
  // Busy sessions with the old key are closed when their leases come back (release()).
}

void ImapSessionPool::release(const std::string& user, const std::string& key,
                              std::shared_ptr<ImapConnection> conn, bool discard) {
  auto it = users_.find(user);
  if (it == users_.end()) {
    conn->close();
    return;
  }
  UserSessions& u = it->second;
  if (u.busy > 0) --u.busy;
  bool reusable = !discard && conn->usable() && key == u.current_key;
  if (!reusable) {
    if (!discard && conn->usable() && key != u.current_key) ++stats_.retired;
    --open_total_;
    close_session(std::move(conn));
    serve_waiters(user);
    return;
  }
  u.idle.push_back(IdleSession{std::move(conn), key, clock_.steady_now()});
  arm_sweep();
  serve_waiters(user);
}

void ImapSessionPool::serve_waiters(const std::string& user) {
  auto it = users_.find(user);
  if (it == users_.end()) return;
  UserSessions& u = it->second;
  // A waiter can go when fewer than max sessions are busy: acquire_keyed() then reuses an
  // idle session with its password or replaces one with another password.
  while (!u.waiters.empty() && u.busy < options_.max_sessions_per_user) {
    Waiter w = std::move(u.waiters.front());
    u.waiters.pop_front();
    std::string key = password_key(w.credentials);
    acquire_keyed(std::move(w.credentials), std::move(key), std::move(w.done));
  }
  if (u.idle.empty() && u.busy == 0 && u.waiters.empty() && u.current_key.empty())
    users_.erase(it);
}

void ImapSessionPool::close_session(std::shared_ptr<ImapConnection> conn) {
  if (!conn) return;
  if (!conn->usable()) {
    conn->close();
    return;
  }
  // RFC 3501 6.1.3: say LOGOUT so the server frees the session at once.
  closing_.push_back(conn);
  std::weak_ptr<ImapSessionPool> weak = weak_from_this();
  ImapConnection* raw = conn.get();
  conn->logout([weak, raw](ImapReply) {
    auto pool = weak.lock();
    if (!pool) return;
    auto& c = pool->closing_;
    c.erase(std::remove_if(c.begin(), c.end(), [raw](const auto& p) { return p.get() == raw; }),
            c.end());
  });
}

void ImapSessionPool::arm_sweep() {
  if (evtimer_pending(sweep_timer_, nullptr)) return;
  timeval tv{static_cast<time_t>(kSweepInterval.count()), 0};
  evtimer_add(sweep_timer_, &tv);
}

void ImapSessionPool::on_sweep_timer(int, short, void* ctx) {
  auto self = static_cast<ImapSessionPool*>(ctx)->shared_from_this();
  self->sweep();
}

void ImapSessionPool::sweep() {
  const auto now = clock_.steady_now();
  bool pending = false;
  for (auto it = users_.begin(); it != users_.end();) {
    UserSessions& u = it->second;
    for (size_t i = 0; i < u.idle.size();) {
      IdleSession& s = u.idle[i];
      if (!s.conn->usable() || now - s.last_used >= options_.idle_timeout) {
        if (s.conn->usable()) ++stats_.idle_closed;
        close_session(std::move(s.conn));
        --open_total_;
        u.idle.erase(u.idle.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    while (!u.waiters.empty() && now - u.waiters.front().since >= options_.command_timeout) {
      Waiter w = std::move(u.waiters.front());
      u.waiters.pop_front();
      defer_on_loop(base_, [done = std::move(w.done)]() {
        done(Status::timeout("waited too long for a free IMAP session"));
      });
    }
    pending = pending || !u.idle.empty() || !u.waiters.empty();
    // Forget users with nothing open; current_key goes too, so the next login is fresh.
    if (u.idle.empty() && u.busy == 0 && u.waiters.empty()) {
      it = users_.erase(it);
    } else {
      ++it;
    }
  }
  if (pending) arm_sweep();
}

}  // namespace easgate
