#include "backends/imap/imap_notify_watcher.h"

#include <event2/event.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <set>

#include "backends/imap/imap_connection.h"
#include "backends/imap/loop_defer.h"
#include "backends/net/backend_connect.h"
#include "gateway/core/log.h"

namespace easgate {
namespace {

constexpr char kLog[] = "imap_watch";
constexpr char kIdleMailbox[] = "INBOX";

// A mailbox name as an IMAP quoted string (RFC 3501 9 "quoted"); nullopt when it cannot
// be one (CR, LF, NUL or 8-bit: a modified UTF-7 wire name never has them).
std::optional<std::string> quoted(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u == 0 || u == '\r' || u == '\n' || u >= 0x80) return std::nullopt;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

WatchEvent classify_watch_response(const ImapResponse& r, ChangeFeedMode mode,
                                   std::string_view idle_mailbox) {
  WatchEvent e;
  if (r.kind != ImapResponseKind::kUntagged) return e;
  // RFC 5465 5.8: the server dropped events and turned notifications off.
  if (r.code == "NOTIFICATIONOVERFLOW") {
    e.kind = WatchEventKind::kOverflow;
    return e;
  }
  if (r.condition != ImapCondition::kNone) return e;  // OK / NO / BYE: no data
  if (r.keyword == "STATUS") {
    // RFC 5465 5.2-5.4: events in an unselected mailbox arrive as STATUS <mailbox> (...).
    if (!r.values.empty() && r.values[0].is_astring()) {
      e.kind = WatchEventKind::kMailbox;
      e.mailbox = r.values[0].text;
    } else {
      e.kind = WatchEventKind::kUnknown;
    }
    return e;
  }
  // RFC 5465 5.4 MailboxName: a watched mailbox was deleted or renamed ("* LIST
  // (\NonExistent) ..." or a LIST with OLDNAME). Which watched name is affected is not
  // always in the response (a rename names the new one), so every mailbox is checked; a
  // gone one then ends the Ping with Status 7 instead of waiting for its heartbeat.
  if (r.keyword == "LIST" && mode == ChangeFeedMode::kNotify) {
    e.kind = WatchEventKind::kUnknown;
    return e;
  }
  // Selected-mailbox data: new mail (EXISTS), removal (EXPUNGE, VANISHED RFC 7162 3.2.10),
  // flag changes (FETCH). RECENT only accompanies EXISTS.
  if (r.keyword == "EXISTS" || r.keyword == "EXPUNGE" || r.keyword == "FETCH" ||
      r.keyword == "VANISHED") {
    if (mode == ChangeFeedMode::kIdle) {
      e.kind = WatchEventKind::kMailbox;
      e.mailbox = std::string(idle_mailbox);
    } else {
      e.kind = WatchEventKind::kUnknown;  // NOTIFY selects nothing: not expected
    }
    return e;
  }
  return e;
}

namespace {

// One watch's state machine; the handle given to the caller owns it. Callbacks from the
// connection and timers hold a weak_ptr, so destroying the handle stops everything.
class WatchCore : public std::enable_shared_from_this<WatchCore> {
 public:
  // Where the watch is.
  enum class Phase : uint8_t {
    kIdleState,   // created, start() not called
    kConnecting,  // TCP/TLS/greeting, LOGIN, CAPABILITY, ENABLE
    kSetting,     // NOTIFY SET or EXAMINE INBOX sent, not yet live
    kLive,        // notifications flow
    kBackoff,     // waiting to reconnect
    kStopped,     // the handle is gone
  };

  WatchCore(event_base* loop, const ImapWatchOptions& options, std::shared_ptr<SSL_CTX> tls,
            std::shared_ptr<std::mt19937> rng, Credentials credentials,
            std::vector<std::string> mailboxes, std::function<void(ChangeNotice)> on_notice)
      : loop_(loop),
        options_(options),
        tls_(std::move(tls)),
        rng_(std::move(rng)),
        credentials_(std::move(credentials)),
        mailboxes_(sorted_unique(std::move(mailboxes))),
        on_notice_(std::move(on_notice)),
        backoff_(options.backoff_initial) {}

  ~WatchCore() {
    if (timer_ != nullptr) event_free(timer_);
  }

  void start() {
    timer_ = evtimer_new(loop_, &WatchCore::on_timer_cb, this);
    connect();
  }

  void stop() {
    phase_ = Phase::kStopped;
    if (timer_ != nullptr) evtimer_del(timer_);
    drop_connection();
  }

  void set_mailboxes(std::vector<std::string> mailboxes) {
    mailboxes = sorted_unique(std::move(mailboxes));
    if (mailboxes == mailboxes_) return;
    mailboxes_ = std::move(mailboxes);
    // IDLE watches INBOX whatever the list; NOTIFY re-issues SET once live (or when the
    // SET in flight completes).
    if (mode_ == ChangeFeedMode::kNotify && phase_ == Phase::kLive) {
      if (setting_)
        reset_wanted_ = true;
      else
        notify_set();
    }
  }

 private:
  void notice(ChangeNotice n) {
    std::weak_ptr<WatchCore> weak = weak_from_this();
    defer_on_loop(loop_, [weak, n = std::move(n)]() mutable {
      auto self = weak.lock();
      if (!self || self->phase_ == Phase::kStopped) return;
      self->on_notice_(std::move(n));
    });
  }

  void changed(std::string mailbox) {
    ChangeNotice n;
    n.kind = ChangeKind::kChanged;
    n.mailbox = std::move(mailbox);
    n.mode = mode_;
    notice(std::move(n));
  }

  void drop_connection() {
    if (!conn_) return;
    conn_->set_untagged_listener(nullptr);
    conn_->set_close_listener(nullptr);
    conn_->abandon();
    conn_.reset();
  }

  void connect() {
    ++generation_;
    phase_ = Phase::kConnecting;
    setting_ = reset_wanted_ = false;
    conn_ = ImapConnection::create(loop_, options_.imap, tls_.get(), nullptr);
    std::weak_ptr<WatchCore> weak = weak_from_this();
    uint64_t gen = generation_;
    conn_->set_untagged_listener([weak, gen](const ImapResponse& r) {
      auto self = weak.lock();
      if (self && self->generation_ == gen) self->on_untagged(r);
    });
    conn_->set_close_listener([weak, gen](const std::string& why) {
      auto self = weak.lock();
      if (self && self->generation_ == gen) self->fail("connection lost: " + why);
    });
    conn_->connect([weak, gen](ImapReply reply) {
      auto self = weak.lock();
      if (!self || self->generation_ != gen) return;
      if (reply.state != ImapReplyState::kOk) return self->fail("connect: " + reply.text);
      self->conn_->login(self->credentials_, [weak, gen](ImapReply reply) {
        auto self = weak.lock();
        if (!self || self->generation_ != gen) return;
        if (reply.state == ImapReplyState::kAuthFailed) {
          // The password may have changed; the owner replaces the watch with new
          // credentials. Keep retrying at the backoff's pace meanwhile.
          return self->fail("login refused");
        }
        if (reply.state != ImapReplyState::kOk) return self->fail("login: " + reply.text);
        self->after_login();
      });
    });
  }

  // Capabilities may change after LOGIN (RFC 3501 6.2.3): ask again when the OK did not
  // carry them.
  void after_login() {
    if (conn_->capabilities_known()) return choose_mode();
    send("CAPABILITY", [](WatchCore& self, ImapReply) { self.choose_mode(); });
  }

  void choose_mode() {
    if (options_.prefer_notify && prefer_notify_ && conn_->has_capability("NOTIFY")) {
      mode_ = ChangeFeedMode::kNotify;
      if (conn_->has_capability("CONDSTORE")) {
        // RFC 5465 5.4: with CONDSTORE enabled, a flag change in an unselected mailbox
        // is reported (STATUS HIGHESTMODSEQ); without it, only new and expunged mail.
        send("ENABLE CONDSTORE", [](WatchCore& self, ImapReply) { self.notify_set(); });
        return;
      }
      return notify_set();
    }
    if (options_.prefer_notify && prefer_notify_ && first_time_for_cause("imap_watch.no_notify")) {
      log_warn(kLog).msg("IMAP server lacks NOTIFY; watching INBOX with IDLE only");
    }
    start_idle();
  }

  void notify_set() {
    std::vector<std::string> names;
    for (const std::string& m : mailboxes_) {
      if (auto q = quoted(m))
        names.push_back(std::move(*q));
      else if (first_time_for_cause("imap_watch.bad_mailbox_name"))
        log_warn(kLog).msg("mailbox name cannot be watched (not 7-bit)");
    }
    std::string text;
    if (names.empty()) {
      text = "NOTIFY NONE";  // RFC 5465 3.1
    } else {
      // RFC 5465 6.1: FlagChange requires MessageNew and MessageExpunge in the same set;
      // MailboxName reports a watched folder deleted or renamed.
      text = "NOTIFY SET (mailboxes (";
      for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) text += ' ';
        text += names[i];
      }
      text += ") (MessageNew MessageExpunge FlagChange MailboxName))";
    }
    std::vector<std::string> before = notified_;
    std::vector<std::string> now = mailboxes_;
    setting_ = true;
    if (phase_ != Phase::kLive) phase_ = Phase::kSetting;
    send(text, [before, now](WatchCore& self, ImapReply reply) {
      self.setting_ = false;
      if (reply.state != ImapReplyState::kOk) {
        // E.g. a mailbox the server refuses: watch INBOX with IDLE on a new connection
        // rather than not at all (the owner's interval check covers the rest).
        if (first_time_for_cause("imap_watch.notify_refused")) {
          log_warn(kLog).msg("NOTIFY SET refused; falling back to IDLE").kv("reply", reply.text);
        }
        self.fallback_idle_ = true;
        return self.fail("NOTIFY SET refused");
      }
      self.notified_ = now;
      bool was_live = self.phase_ == Phase::kLive;
      if (!was_live)
        self.went_live();
      else {
        // Mailboxes added by set_mailboxes: a change between the caller's baseline read
        // and this SET would be lost, so report them once.
        for (const std::string& m : now) {
          if (!std::binary_search(before.begin(), before.end(), m)) self.changed(m);
        }
      }
      if (self.reset_wanted_) {
        self.reset_wanted_ = false;
        self.notify_set();
      }
    });
  }

  void start_idle() {
    mode_ = ChangeFeedMode::kIdle;
    phase_ = Phase::kSetting;
    // EXAMINE: read-only, so watching never clears \Recent (RFC 3501 6.3.2).
    send(std::string("EXAMINE ") + kIdleMailbox, [](WatchCore& self, ImapReply reply) {
      if (reply.state != ImapReplyState::kOk) return self.fail("EXAMINE INBOX: " + reply.text);
      self.went_live();
      self.issue_idle();
    });
  }

  void issue_idle() {
    std::weak_ptr<WatchCore> weak = weak_from_this();
    uint64_t gen = generation_;
    conn_->idle([weak, gen](ImapReply reply) {
      auto self = weak.lock();
      if (!self || self->generation_ != gen) return;
      if (reply.state != ImapReplyState::kOk) return self->fail("IDLE: " + reply.text);
      // Ended by our DONE (the refresh): go straight back into IDLE.
      self->issue_idle();
      self->arm(self->options_.idle_refresh);
    });
  }

  void went_live() {
    phase_ = Phase::kLive;
    backoff_ = options_.backoff_initial;
    live_reported_ = true;
    log_info(kLog)
        .msg("watching")
        .kv("user", credentials_.user)
        .kv("mode", mode_ == ChangeFeedMode::kNotify ? "notify" : "idle")
        .kv("mailboxes", static_cast<uint64_t>(mailboxes_.size()));
    ChangeNotice n;
    n.kind = ChangeKind::kConnected;
    n.mode = mode_;
    notice(std::move(n));
    arm(mode_ == ChangeFeedMode::kNotify ? options_.keepalive : options_.idle_refresh);
  }

  void on_untagged(const ImapResponse& r) {
    if (phase_ != Phase::kLive) return;  // EXAMINE's own EXISTS is not a change
    WatchEvent e = classify_watch_response(r, mode_, kIdleMailbox);
    switch (e.kind) {
      case WatchEventKind::kNone:
        return;
      case WatchEventKind::kMailbox:
        return changed(std::move(e.mailbox));
      case WatchEventKind::kUnknown:
        return changed("");
      case WatchEventKind::kOverflow:
        if (first_time_for_cause("imap_watch.overflow")) {
          log_warn(kLog).msg("NOTIFY overflow; re-issuing NOTIFY SET");
        }
        changed("");
        if (mode_ == ChangeFeedMode::kNotify) {
          if (setting_)
            reset_wanted_ = true;
          else
            notify_set();
        }
        return;
    }
  }

  // The timer: reconnect after backoff, NOOP keepalive (NOTIFY), IDLE refresh.
  static void on_timer_cb(evutil_socket_t, short, void* arg) {
    auto self = static_cast<WatchCore*>(arg)->shared_from_this();
    self->on_timer();
  }

  void on_timer() {
    switch (phase_) {
      case Phase::kBackoff:
        connect();
        return;
      case Phase::kLive:
        if (mode_ == ChangeFeedMode::kIdle) {
          conn_->idle_done();  // issue_idle() re-arms when the IDLE completes
          return;
        }
        send("NOOP", [](WatchCore& self, ImapReply reply) {
          if (reply.state != ImapReplyState::kOk) return self.fail("NOOP: " + reply.text);
          self.arm(self.options_.keepalive);
        });
        return;
      default:
        return;
    }
  }

  // Sends `text`; `then` runs with the reply while this watch and connection are current.
  // Any failure reply is handed to `then` too; a disconnect goes to fail() instead.
  void send(std::string text, std::function<void(WatchCore&, ImapReply)> then) {
    std::weak_ptr<WatchCore> weak = weak_from_this();
    uint64_t gen = generation_;
    conn_->send_simple(text, [weak, gen, then = std::move(then)](ImapReply reply) {
      auto self = weak.lock();
      if (!self || self->generation_ != gen) return;
      if (reply.state == ImapReplyState::kDisconnected || reply.state == ImapReplyState::kTimeout) {
        return self->fail(std::string("connection lost: ") + imap_reply_state_name(reply.state));
      }
      then(*self, std::move(reply));
    });
  }

  void arm(std::chrono::milliseconds after) {
    timeval tv = backend_timeval(after);
    evtimer_add(timer_, &tv);
  }

  void fail(const std::string& why) {
    if (phase_ == Phase::kStopped || phase_ == Phase::kBackoff) return;
    ++generation_;  // late callbacks of the old connection are ignored
    drop_connection();
    if (fallback_idle_) {
      // NOTIFY was refused: the next connection uses IDLE (for this watch's life).
      fallback_idle_ = false;
      prefer_notify_ = false;
    }
    if (live_reported_) {
      live_reported_ = false;
      ChangeNotice n;
      n.kind = ChangeKind::kDisconnected;
      n.mode = mode_;
      notice(std::move(n));
    }
    double factor = 1.0;
    if (options_.jitter > 0) {
      std::uniform_real_distribution<double> d(1.0 - options_.jitter, 1.0 + options_.jitter);
      factor = d(*rng_);
    }
    auto delay = std::chrono::milliseconds(
        static_cast<int64_t>(static_cast<double>(backoff_.count()) * factor));
    backoff_ = std::min(backoff_ * 2, options_.backoff_max);
    phase_ = Phase::kBackoff;
    log_warn(kLog)
        .msg("watch disconnected; reconnecting")
        .kv("user", credentials_.user)
        .kv("reason", why)
        .kv("delay_ms", static_cast<uint64_t>(delay.count()));
    arm(delay);
  }

 private:
  event_base* loop_;
  ImapWatchOptions options_;
  std::shared_ptr<SSL_CTX> tls_;
  std::shared_ptr<std::mt19937> rng_;
  Credentials credentials_;             // memory only, never logged (user name is)
  std::vector<std::string> mailboxes_;  // wanted, sorted
  std::vector<std::string> notified_;   // covered by the last NOTIFY SET that succeeded
  std::function<void(ChangeNotice)> on_notice_;
  std::shared_ptr<ImapConnection> conn_;
  event* timer_ = nullptr;
  Phase phase_ = Phase::kIdleState;
  ChangeFeedMode mode_ = ChangeFeedMode::kIdle;
  std::chrono::milliseconds backoff_;
  uint64_t generation_ = 0;     // bumped per connection; stale callbacks compare it
  bool setting_ = false;        // a NOTIFY SET is in flight
  bool reset_wanted_ = false;   // ... and the mailboxes changed meanwhile
  bool live_reported_ = false;  // kConnected was reported for the current connection
  bool fallback_idle_ = false;  // NOTIFY SET failed: use IDLE from the next connection
  bool prefer_notify_ = true;   // false after NOTIFY SET was refused on this watch
};

class ImapNotifyWatch final : public ChangeWatch {
 public:
  explicit ImapNotifyWatch(std::shared_ptr<WatchCore> core) : core_(std::move(core)) {}
  ~ImapNotifyWatch() override { core_->stop(); }
  void set_mailboxes(std::vector<std::string> mailboxes) override {
    core_->set_mailboxes(std::move(mailboxes));
  }

 private:
  std::shared_ptr<WatchCore> core_;
};

}  // namespace

Result<std::unique_ptr<ImapNotifyWatcher>> ImapNotifyWatcher::create(event_base* loop,
                                                                     ImapWatchOptions options) {
  auto ctx = make_imap_tls_context(options.imap);
  if (!ctx.is_ok()) return std::move(ctx.status());
  std::shared_ptr<SSL_CTX> tls(ctx.value(), [](SSL_CTX* c) {
    if (c != nullptr) SSL_CTX_free(c);
  });
  return std::unique_ptr<ImapNotifyWatcher>(
      new ImapNotifyWatcher(loop, std::move(options), std::move(tls)));
}

ImapNotifyWatcher::ImapNotifyWatcher(event_base* loop, ImapWatchOptions options,
                                     std::shared_ptr<SSL_CTX> tls)
    : loop_(loop),
      options_(std::move(options)),
      tls_(std::move(tls)),
      rng_(std::make_shared<std::mt19937>(std::random_device{}())) {}

ImapNotifyWatcher::~ImapNotifyWatcher() = default;

std::unique_ptr<ChangeWatch> ImapNotifyWatcher::watch(const Credentials& credentials,
                                                      std::vector<std::string> mailboxes,
                                                      std::function<void(ChangeNotice)> on_notice) {
  auto core = std::make_shared<WatchCore>(loop_, options_, tls_, rng_, credentials,
                                          std::move(mailboxes), std::move(on_notice));
  core->start();
  return std::make_unique<ImapNotifyWatch>(std::move(core));
}

}  // namespace easgate
