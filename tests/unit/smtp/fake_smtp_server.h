#pragma once
// A scripted SMTP server for unit tests: listens on 127.0.0.1:0 on the test's event_base
// and replays one script per accepted connection, so tests reproduce refusals, replies
// split across reads, disconnects mid-DATA and hangs without a real server
// (STYLE.md habit 10).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct event_base;
struct event;
struct evconnlistener;
struct bufferevent;
struct sockaddr;

namespace easgate::testing {

// One step of a script.
struct SmtpStep {
  enum class Kind {
    kSend,      // write `text` as it is (tests write the CRLFs)
    kExpect,    // read one client line; it must start with `text`
    kReadData,  // read DATA lines up to and including the "." line; kept in data()
    kReadSome,  // read `count` DATA lines, then go on (used before a close mid-DATA)
    kPause,     // wait `count` milliseconds (so the next kSend arrives as a new read)
    kClose,     // close the connection (flushing what was written)
    kHang,      // stop; keep the connection open and read nothing more
  };
  Kind kind;         // what to do
  std::string text;  // bytes to send, or the expected line prefix
  size_t count = 0;  // lines for kReadSome, milliseconds for kPause
};

SmtpStep send(std::string text);
SmtpStep expect(std::string prefix);
SmtpStep read_data();
SmtpStep read_some(size_t lines);
SmtpStep pause_ms(size_t ms);
SmtpStep close_connection();
SmtpStep hang();

// "220 greeting" + EHLO answered with `extensions` (one per line) — the usual start.
std::vector<SmtpStep> greet_and_ehlo(
    const std::vector<std::string>& extensions = {"PIPELINING", "SIZE 10240000",
                                                  "AUTH PLAIN LOGIN", "8BITMIME"});

class FakeSmtpServer {
 public:
  explicit FakeSmtpServer(event_base* base);
  ~FakeSmtpServer();

  uint16_t port() const { return port_; }
  // Script of the next connection to be accepted (queued in order).
  void add_script(std::vector<SmtpStep> script);
  size_t accepted() const { return accepted_; }
  // Every command line received on all connections (DATA content excluded), in order.
  const std::vector<std::string>& received() const { return received_; }
  // Count of received lines starting with `prefix`.
  size_t count_commands(const std::string& prefix) const;
  // DATA content received by kReadData (lines joined with CRLF, the "." line included).
  const std::string& data() const { return data_; }
  // Script mismatches ("expected X, got Y"); empty when every script ran as written.
  const std::vector<std::string>& errors() const { return errors_; }
  // True once every accepted connection has been closed by either side.
  bool all_closed() const;

 private:
  struct Conn;
  static void on_accept(evconnlistener*, int fd, sockaddr*, int, void* ctx);
  static void on_read(bufferevent*, void* ctx);
  static void on_event(bufferevent*, short what, void* ctx);
  static void on_pause_done(int, short, void* ctx);
  void run(Conn* c);
  void drop(Conn* c);

  event_base* base_;
  evconnlistener* listener_ = nullptr;
  uint16_t port_ = 0;
  size_t accepted_ = 0;
  std::vector<std::vector<SmtpStep>> scripts_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<std::string> received_;
  std::string data_;
  std::vector<std::string> errors_;
};

// Runs the loop until `done()` is true; fails (returns false) after a 10 s guard so a
// broken test hangs no CI job. Tests never rely on the guard for their outcome.
bool run_until(event_base* base, const std::function<bool()>& done);

}  // namespace easgate::testing
