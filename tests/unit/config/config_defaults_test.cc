// What a minimal config turns into: every default in one place.
#include <doctest/doctest.h>

#include "tests/unit/config/fake_environment.h"

using namespace easgate;
using namespace std::chrono_literals;
using easgate::test::FakeEnvironment;
using easgate::test::minimal_config;

TEST_CASE("defaults of a minimal config") {
  FakeEnvironment fake;
  fake.cores = 3;
  ConfigEnvironment env = fake.make();
  ConfigCheck check = parse_config_text(minimal_config(), "t.yaml", "/cfg", env);
  REQUIRE(check.errors.empty());
  REQUIRE(check.config.has_value());
  const GatewayConfig& c = *check.config;

  CHECK(c.server.workers == 3u);  // = cores
  REQUIRE(c.server.listeners.size() == 1);
  CHECK(c.server.listeners[0].name == "eas");
  CHECK(c.server.listeners[0].address == "127.0.0.1");
  CHECK(c.server.listeners[0].port == 8080);
  CHECK(c.server.listeners[0].role == ListenerRole::kEas);
  CHECK(!c.server.listeners[0].tls.has_value());
  CHECK(c.server.limits.max_header_bytes == 64u * 1024);
  CHECK(c.server.limits.max_body_bytes == 64u * 1024 * 1024);
  CHECK(c.server.limits.header_timeout == 15s);
  CHECK(c.server.limits.body_timeout == 120s);
  CHECK(c.server.limits.idle_timeout == 5min);
  CHECK(c.server.limits.write_timeout == 60s);

  CHECK(c.auth.default_domain.empty());
  CHECK(c.auth.cache_ttl == 5min);

  CHECK(c.backends.imap.host == "imap.test");
  CHECK(c.backends.imap.port == 143);
  CHECK(c.backends.imap.tls == BackendTls::kStartTls);
  CHECK(c.backends.imap.connect_timeout == 10s);
  CHECK(c.backends.imap.command_timeout == 60s);
  CHECK(c.backends.imap.pool.max_per_user == 4u);
  CHECK(c.backends.imap.pool.max_total == 1000u);
  CHECK(c.backends.imap.pool.idle_timeout == 5min);
  CHECK(c.backends.smtp.port == 587);
  CHECK(c.backends.smtp.tls == BackendTls::kStartTls);
  CHECK(c.backends.smtp.timeout == 60s);
  CHECK(!c.backends.dav.has_value());
  CHECK(!c.backends.sieve.has_value());

  CHECK(c.store.driver == StoreDriver::kSqlite);
  CHECK(c.store.path == "/cfg/state.sqlite");  // relative to the config's folder

  CHECK(c.log.level == LogLevel::kInfo);
  CHECK(c.log.file.empty());
  CHECK(c.log.request_log);

  CHECK(c.admin.token.empty());
  CHECK(c.eas.protocol_versions ==
        std::vector<std::string>{"2.5", "12.0", "12.1", "14.0", "14.1", "16.0", "16.1"});
  CHECK(c.eas.ping.min_heartbeat == 60s);
  CHECK(c.eas.ping.max_heartbeat == 3540s);
  CHECK(c.eas.ping.max_folders == 300u);
}

TEST_CASE("implicit TLS changes the default ports") {
  std::string yaml = minimal_config();
  yaml.replace(yaml.find("host: imap.test"), 15, "host: imap.test\n    tls: implicit");
  yaml.replace(yaml.find("host: smtp.test"), 15, "host: smtp.test\n    tls: implicit");
  FakeEnvironment fake;
  ConfigEnvironment env = fake.make();
  ConfigCheck check = parse_config_text(yaml, "t.yaml", "/cfg", env);
  REQUIRE(check.config.has_value());
  CHECK(check.config->backends.imap.port == 993);
  CHECK(check.config->backends.smtp.port == 465);
}

TEST_CASE("optional backends get their defaults when present") {
  FakeEnvironment fake;
  ConfigEnvironment env = fake.make();
  std::string yaml = minimal_config();
  yaml.replace(yaml.find("store:"), 6,
               "  dav:\n    base_url: http://dav.test:5232/\n  sieve:\n    host: s.test\nstore:");
  ConfigCheck check = parse_config_text(yaml, "t.yaml", "/cfg", env);
  REQUIRE(check.config.has_value());
  REQUIRE(check.config->backends.dav.has_value());
  CHECK(check.config->backends.dav->base_url == "http://dav.test:5232");  // no trailing slash
  CHECK(check.config->backends.dav->login == DavLogin::kFull);
  CHECK(check.config->backends.dav->timeout == 30s);
  REQUIRE(check.config->backends.sieve.has_value());
  CHECK(check.config->backends.sieve->port == 4190);
}
