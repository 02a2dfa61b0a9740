#pragma once
// A scripted IMAP server for unit tests: listens on 127.0.0.1:0 on the test's event_base
// and replays one script per accepted connection, so tests reproduce refusals,
// disconnects mid-response and hangs without a real server (STYLE.md habit 10).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct event_base;
struct evconnlistener;
struct bufferevent;
struct sockaddr;

namespace easgate::testing {

// One step of a script.
struct FakeStep {
  enum class Kind {
    kSend,       // write `text`; "$tag" is replaced by the tag of the last expected line
    kExpect,     // read one client line; after its tag it must start with `text`
    kExpectRaw,  // read one client line; it must equal `text` exactly (literal data)
    kClose,      // close the connection
    kHang,       // stop; keep the connection open and read nothing more
  };
  Kind kind;      // what to do
  std::string text;  // bytes to send, or the expected line prefix
};

FakeStep send(std::string text);
FakeStep expect(std::string prefix);
FakeStep expect_raw(std::string line);
FakeStep close_connection();
FakeStep hang();

// Greeting plus the usual Dovecot capabilities, for scripts that do not test them.
std::vector<FakeStep> greeting(const std::string& capabilities =
                                   "IMAP4rev1 SASL-IR LITERAL+ ENABLE IDLE AUTH=PLAIN");

class FakeImapServer {
 public:
  explicit FakeImapServer(event_base* base);
  ~FakeImapServer();

  uint16_t port() const { return port_; }
  // Script of the next connection to be accepted (queued in order).
  void add_script(std::vector<FakeStep> script);
  // Connections accepted so far.
  size_t accepted() const { return accepted_; }
  // Every line received on all connections, tags included, in order.
  const std::vector<std::string>& received() const { return received_; }
  // Count of received lines whose command (after the tag) starts with `prefix`.
  size_t count_commands(const std::string& prefix) const;
  // Script mismatches ("expected X, got Y"); empty when every script ran as written.
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct Conn;
  static void on_accept(evconnlistener*, int fd, sockaddr*, int, void* ctx);
  static void on_read(bufferevent*, void* ctx);
  static void on_event(bufferevent*, short what, void* ctx);
  void run(Conn* c);

  event_base* base_;
  evconnlistener* listener_ = nullptr;
  uint16_t port_ = 0;
  size_t accepted_ = 0;
  std::vector<std::vector<FakeStep>> scripts_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<std::string> received_;
  std::vector<std::string> errors_;
};

// Runs the loop until `done()` is true; fails (returns false) after a 10 s guard so a
// broken test hangs no CI job. Tests never rely on the guard for their outcome.
bool run_until(event_base* base, const std::function<bool()>& done);

}  // namespace easgate::testing
