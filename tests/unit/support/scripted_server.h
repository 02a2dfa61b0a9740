#pragma once
// A scripted line-protocol server for unit tests: listens on 127.0.0.1:0 on the test's
// event_base and replays one script per accepted connection, so client tests reproduce
// refusals, replies split across reads, disconnects mid-response and hangs without a
// real server (STYLE.md habit 10). The IMAP and SMTP client tests both use it.

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

// How client lines are read.
enum class ScriptDialect {
  kImap,  // lines start with a tag: kExpect matches after it, "$tag" in kSend becomes it;
          // lines the client sends while the script hangs are still recorded
  kSmtp,  // untagged lines matched from their start; a hanging script reads nothing
};

// One step of a script.
struct ScriptStep {
  enum class Kind {
    kSend,       // write `text` as it is (tests write the CRLFs); IMAP: "$tag" replaced
    kExpect,     // read one client line; it must start with `text` (IMAP: after the tag)
    kExpectRaw,  // read one client line; it must equal `text` exactly (literal data)
    kReadData,   // read lines up to and including a "." line; kept in data()
    kReadSome,   // read `count` lines and go on (used before a close mid-DATA)
    kPause,      // wait `count` milliseconds (so the next kSend arrives as a new read)
    kClose,      // close the connection (flushing what was written)
    kHang,       // stop; keep the connection open and answer nothing more
  };
  Kind kind;         // what to do
  std::string text;  // bytes to send, or the expected line (prefix)
  size_t count = 0;  // lines for kReadSome, milliseconds for kPause
};

ScriptStep send(std::string text);
ScriptStep expect(std::string prefix);
ScriptStep expect_raw(std::string line);
ScriptStep read_data();
ScriptStep read_some(size_t lines);
ScriptStep pause_ms(size_t ms);
ScriptStep close_connection();
ScriptStep hang();

class ScriptedServer {
 public:
  ScriptedServer(event_base* base, ScriptDialect dialect);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  uint16_t port() const { return port_; }
  // Script of the next connection to be accepted (queued in order).
  void add_script(std::vector<ScriptStep> script);
  // Connections accepted so far.
  size_t accepted() const { return accepted_; }
  // Every line received on all connections (DATA content excluded), in order.
  const std::vector<std::string>& received() const { return received_; }
  // Count of received lines whose command starts with `prefix` (IMAP: after the tag).
  size_t count_commands(const std::string& prefix) const;
  // Content read by kReadData (lines joined with CRLF, the "." line included).
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
  bool take_line(Conn* c, const ScriptStep& s, const std::string& line);
  void record_rest(Conn* c);
  void drop(Conn* c);

  event_base* base_;
  ScriptDialect dialect_;
  evconnlistener* listener_ = nullptr;
  uint16_t port_ = 0;
  size_t accepted_ = 0;
  std::vector<std::vector<ScriptStep>> scripts_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<std::string> received_;
  std::string data_;
  std::vector<std::string> errors_;
};

// Runs the loop until `done()` is true; fails (returns false) after a 10 s guard so a
// broken test hangs no CI job. Tests never rely on the guard for their outcome.
bool run_until(event_base* base, const std::function<bool()>& done);

}  // namespace easgate::testing
