// Each class of config error, with the exact line a user would see.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/unit/config/fake_environment.h"

using namespace easgate;
using easgate::test::error_lines;
using easgate::test::FakeEnvironment;
using easgate::test::minimal_config;
using Lines = std::vector<std::string>;

namespace doctest {
// Shows both sides of a failed comparison one error per line.
template <>
struct StringMaker<Lines> {
  static String convert(const Lines& lines) {
    std::string out = "{";
    for (const std::string& l : lines) out += "\n  " + l;
    return (out + "\n}").c_str();
  }
};
}  // namespace doctest

namespace {

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("the minimal config is valid") { CHECK(error_lines(minimal_config()) == Lines{}); }

TEST_CASE("port out of range points at the value") {
  CHECK(error_lines(replace(minimal_config(), "port: 8080", "port: 70000")) ==
        Lines{"t.yaml:5:13: server.listeners[0].port: 70000 is out of range 1..65535"});
}

TEST_CASE("wrong types") {
  CHECK(error_lines(replace(minimal_config(), "port: 8080", "port: http")) ==
        Lines{"t.yaml:5:13: server.listeners[0].port: \"http\" is not a whole number "
              "(expected 1..65535)"});
  CHECK(error_lines(replace(minimal_config(), "port: 8080", "port: [1, 2]")) ==
        Lines{"t.yaml:5:13: server.listeners[0].port: wrong type: got a sequence "
              "(expected an integer 1..65535)"});
  CHECK(error_lines(replace(minimal_config(), "  imap:\n    host: imap.test\n", "  imap: yes\n")) ==
        Lines{"t.yaml:7:9: backends.imap: wrong type: got a scalar (expected a map)"});
  CHECK(error_lines(minimal_config() + "log:\n  request_log: maybe\n") ==
        Lines{"t.yaml:14:16: log.request_log: \"maybe\" is not a boolean "
              "(expected true/false, on/off)"});
}

TEST_CASE("missing required keys are reported at the parent map") {
  CHECK(error_lines(replace(minimal_config(), "      port: 8080\n", "")) ==
        Lines{"t.yaml:3:7: server.listeners[0].port: missing required key "
              "(expected an integer 1..65535)"});
  CHECK(error_lines(replace(minimal_config(), "store:\n  path: state.sqlite\n", "")) ==
        Lines{"t.yaml:1:1: store: missing required key (expected a map with path)"});
  // An empty value counts as missing.
  CHECK(error_lines(replace(minimal_config(), "host: smtp.test", "host:")) ==
        Lines{"t.yaml:10:5: backends.smtp.host: missing required key (expected a string)"});
}

TEST_CASE("unknown keys, with and without a suggestion") {
  CHECK(error_lines(replace(minimal_config(), "  listeners:", "  workers: 2\n  listners:")) ==
        Lines{"t.yaml:2:3: server.listeners: missing required key (expected a list of listeners)",
              "t.yaml:3:3: server.listners: unknown key (did you mean \"listeners\"?)"});
  // The list of sections grows with the product; what matters is the position, the key and
  // that the known sections are offered.
  Lines unknown = error_lines(minimal_config() + "frobnicate: 1\n");
  REQUIRE(unknown.size() == 1);
  CHECK(unknown[0].rfind("t.yaml:13:1: frobnicate: unknown key (expected one of: server auth "
                         "backends store log admin eas governance", 0) == 0);
}

TEST_CASE("bad enum values list the choices and suggest the closest") {
  CHECK(error_lines(replace(minimal_config(), "host: imap.test", "host: imap.test\n    tls: startls")) ==
        Lines{"t.yaml:9:10: backends.imap.tls: \"startls\" is not a valid value (expected one of "
              "none, starttls, implicit; did you mean \"starttls\"?)"});
  CHECK(error_lines(minimal_config() + "backends_x: 1\n").size() == 1);
  CHECK(error_lines(replace(minimal_config(), "store:", "  dav:\n    base_url: http://d\n    login: local\nstore:")) ==
        Lines{"t.yaml:13:12: backends.dav.login: \"local\" is not a valid value (expected one of "
              "full, local_part; did you mean \"local_part\"?)"});
  CHECK(error_lines(minimal_config() + "log:\n  level: loud\n") ==
        Lines{"t.yaml:14:10: log.level: \"loud\" is not a valid value (expected one of debug, "
              "info, warn, error)"});
}

TEST_CASE("durations and sizes in context") {
  CHECK(error_lines(minimal_config() + "auth:\n  cache_ttl: 5 minutes\n") ==
        Lines{"t.yaml:14:14: auth.cache_ttl: \"5 minutes\" is not a duration (expected a duration 0s..24h such as 250ms, 15s, 5m, 1h or integer seconds)"});
  CHECK(error_lines(minimal_config() + "auth:\n  cache_ttl: 2d\n") ==
        Lines{"t.yaml:14:14: auth.cache_ttl: \"2d\" has unknown unit \"d\" (expected a duration "
              "0s..24h such as 250ms, 15s, 5m, 1h or integer seconds)"});
  CHECK(error_lines(minimal_config() + "auth:\n  cache_ttl: 25h\n") ==
        Lines{"t.yaml:14:14: auth.cache_ttl: 25h is out of range 0s..24h"});
  CHECK(error_lines(replace(minimal_config(), "server:\n", "server:\n  limits:\n    max_body_bytes: 8GiB\n")) ==
        Lines{"t.yaml:3:21: server.limits.max_body_bytes: 8GiB is out of range 1KiB..4GiB"});
}

TEST_CASE("TLS files that do not exist; relative paths follow the config folder") {
  const std::string yaml = replace(minimal_config(), "      port: 8080\n",
                                   "      port: 8080\n"
                                   "      tls:\n"
                                   "        cert: tls/gw.crt\n"
                                   "        key: /etc/gw.key\n");
  CHECK(error_lines(yaml) ==
        Lines{"t.yaml:7:15: server.listeners[0].tls.cert: file \"/cfg/tls/gw.crt\" does not exist "
              "or is not readable (expected a PEM certificate file)",
              "t.yaml:8:14: server.listeners[0].tls.key: file \"/etc/gw.key\" does not exist or "
              "is not readable (expected a PEM private key file)"});
  FakeEnvironment fake;
  fake.files["/cfg/tls/gw.crt"] = "";
  fake.files["/etc/gw.key"] = "";
  CHECK(error_lines(yaml, fake) == Lines{});
  CHECK(error_lines(replace(yaml, "tls/gw.crt", "${TLS_DIR}/gw.crt"), fake) ==
        Lines{"t.yaml:7:15: server.listeners[0].tls.cert: environment variable TLS_DIR is not set "
              "and has no default (write ${TLS_DIR:-default})"});
  fake.vars["TLS_DIR"] = "tls";
  CHECK(error_lines(replace(yaml, "tls/gw.crt", "${TLS_DIR}/gw.crt"), fake) == Lines{});
}

TEST_CASE("duplicate listener ports and names") {
  std::string yaml = replace(minimal_config(), "backends:\n",
                             "    - name: eas\n"            // 6
                             "      address: 0.0.0.0\n"     // 7
                             "      port: 8080\n"           // 8
                             "    - name: other\n"          // 9
                             "      address: 127.0.0.2\n"   // 10
                             "      port: 8081\n"           // 11
                             "backends:\n");
  CHECK(error_lines(yaml) ==
        Lines{"t.yaml:6:13: server.listeners[1].name: duplicate listener name \"eas\" "
              "(also server.listeners[0])",
              "t.yaml:8:13: server.listeners[1].port: port 8080 on 0.0.0.0 is already used by "
              "server.listeners[0] \"eas\" (127.0.0.1)"});
  // Same port on two specific addresses is fine.
  CHECK(error_lines(replace(replace(yaml, "0.0.0.0", "127.0.0.3"), "- name: eas\n      address: 127.0.0.3",
                            "- name: eas2\n      address: 127.0.0.3")) == Lines{});
}

TEST_CASE("listener address must be an IP literal; an eas listener is required") {
  CHECK(error_lines(replace(minimal_config(), "address: 127.0.0.1", "address: localhost")) ==
        Lines{"t.yaml:4:16: server.listeners[0].address: \"localhost\" is not an IP address "
              "(expected an IPv4 or IPv6 literal such as 0.0.0.0, ::, 127.0.0.1)"});
  CHECK(error_lines(replace(minimal_config(), "port: 8080", "port: 8080\n      role: admin")) ==
        Lines{"t.yaml:1:1: admin.token: missing (expected token or token_file, because "
              "server.listeners[0] has role admin)",
              "t.yaml:3:5: server.listeners: no listener has role eas (devices could not connect)"});
}

TEST_CASE("duplicate keys are errors (yaml-cpp would keep both)") {
  CHECK(error_lines(replace(minimal_config(), "    host: smtp.test\n",
                            "    host: smtp.test\n    host: other.test\n")) ==
        Lines{"t.yaml:11:5: backends.smtp.host: duplicate key (first defined on line 10)"});
}

TEST_CASE("YAML syntax errors carry yaml-cpp's position") {
  Lines lines = error_lines("server:\n  listeners: [\n");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("t.yaml:3:1: YAML syntax error: ", 0) == 0);
  lines = error_lines("server:\n  a: b\n c: d\n");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("t.yaml:3:", 0) == 0);
  CHECK(error_lines("") == Lines{"t.yaml:1:1: the file is empty (expected a map with server, "
                                 "backends, store)"});
  CHECK(error_lines("just text\n") ==
        Lines{"t.yaml:1:1: wrong type: got a scalar (expected a map)"});
}

TEST_CASE("deep nesting does not crash") {
  std::string deep(5000, '[');
  Lines lines = error_lines(deep);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("YAML syntax error") != std::string::npos);
}

TEST_CASE("all errors are collected, in file order") {
  std::string yaml = replace(minimal_config(), "port: 8080", "port: 0");
  yaml = replace(yaml, "host: imap.test", "host: imap.test\n    tls: ssl");
  yaml += "store_extra: 1\n";
  Lines lines = error_lines(yaml);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "t.yaml:5:13: server.listeners[0].port: 0 is out of range 1..65535");
  CHECK(lines[1] == "t.yaml:9:10: backends.imap.tls: \"ssl\" is not a valid value (expected "
                    "one of none, starttls, implicit)");
  CHECK(lines[2].rfind("t.yaml:14:1: store_extra: unknown key (expected one of: server auth", 0) ==
        0);
}

TEST_CASE("postgres is accepted as a name but not supported yet") {
  CHECK(error_lines(replace(minimal_config(), "store:\n", "store:\n  driver: postgres\n")) ==
        Lines{"t.yaml:12:11: store.driver: \"postgres\" is not supported yet (expected sqlite)"});
}

TEST_CASE("admin token rules never print the token") {
  const std::string with_admin =
      replace(minimal_config(), "backends:\n",
              "    - name: admin\n      address: 127.0.0.1\n      port: 9464\n      role: admin\n"
              "backends:\n");
  CHECK(error_lines(with_admin + "admin:\n  token: short-secret\n") ==
        Lines{"t.yaml:18:10: admin.token: token is 12 characters (expected at least 16)"});
  CHECK(error_lines(with_admin + "admin:\n  token: 0123456789abcdef\n") == Lines{});
  // An unreadable token_file is one error, not also "token missing".
  CHECK(error_lines(with_admin + "admin:\n  token_file: /nope\n") ==
        Lines{"t.yaml:18:15: admin.token_file: file \"/nope\" does not exist or is not readable "
              "(expected a file holding the admin token)"});
  CHECK(error_lines(with_admin + "admin:\n  tokn: 0123456789abcdef\n") ==
        Lines{"t.yaml:18:3: admin.tokn: unknown key (did you mean \"token\"?)",
              "t.yaml:18:3: admin.token: missing (expected token or token_file, because "
              "server.listeners[1] has role admin)"});
  CHECK(error_lines(with_admin + "admin:\n  token: 0123456789abcdef\n  token_file: /t\n") ==
        Lines{"t.yaml:19:15: admin.token_file: token and token_file are both set (expected one)"});
  FakeEnvironment fake;
  fake.files["/cfg/token"] = "0123456789abcdefXYZ\n";
  ConfigEnvironment env = fake.make();
  ConfigCheck check =
      parse_config_text(with_admin + "admin:\n  token_file: token\n", "t.yaml", "/cfg", env);
  REQUIRE(check.config.has_value());
  CHECK(check.config->admin.token == "0123456789abcdefXYZ");
  CHECK(check.config->admin.token_file == "/cfg/token");
}

TEST_CASE("eas protocol versions") {
  CHECK(error_lines(minimal_config() + "eas:\n  protocol_versions: [14.1, 16, 14.1]\n") ==
        Lines{"t.yaml:14:29: eas.protocol_versions[1]: \"16\" is not a valid value (expected one "
              "of 2.5, 12.0, 12.1, 14.0, 14.1, 16.0, 16.1)",
              "t.yaml:14:33: eas.protocol_versions[2]: \"14.1\" is listed twice"});
  FakeEnvironment fake;
  ConfigEnvironment env = fake.make();
  ConfigCheck check = parse_config_text(
      minimal_config() + "eas:\n  protocol_versions: [\"16.1\", 14.1, 2.5]\n", "t.yaml", "/cfg", env);
  REQUIRE(check.config.has_value());
  CHECK(check.config->eas.protocol_versions == std::vector<std::string>{"2.5", "14.1", "16.1"});
  CHECK(error_lines(minimal_config() + "eas:\n  ping:\n    min_heartbeat: 10m\n    max_heartbeat: 5m\n") ==
        Lines{"t.yaml:15:20: eas.ping.min_heartbeat: min_heartbeat is longer than max_heartbeat"});
}

TEST_CASE("a missing file is one error without a position") {
  std::vector<ConfigError> errors = check_config("/nonexistent/easgate.yaml");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].to_string() ==
        "/nonexistent/easgate.yaml: cannot read the config file: No such file or directory");
}
