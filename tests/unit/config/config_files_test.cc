// The shipped YAML files must always pass check_config.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/unit/config/fake_environment.h"

using namespace easgate;
using easgate::test::FakeEnvironment;

namespace {

const std::string kSourceDir = EASGATE_SOURCE_DIR;

std::string join_errors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const ConfigError& e : errors) out += e.to_string() + "\n";
  return out;
}

// A fresh temp folder with tls/easgate.{crt,key}, removed at scope end.
struct TempDevDir {
  std::filesystem::path path;
  TempDevDir() {
    char tmpl[] = "/tmp/easgate-config-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
    std::filesystem::create_directories(path / "tls");
    std::ofstream(path / "tls" / "easgate.crt") << "cert\n";
    std::ofstream(path / "tls" / "easgate.key") << "key\n";
  }
  ~TempDevDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("deploy/dev/easgate.yaml is valid against a dev dir with TLS files") {
  TempDevDir dev;
  ConfigEnvironment env = ConfigEnvironment::system();
  const std::string dev_dir = dev.path.string();
  env.get_env = [dev_dir](const std::string& name) -> std::optional<std::string> {
    if (name == "EASGATE_DEV_DIR") return dev_dir;
    return std::nullopt;
  };
  const std::string file = kSourceDir + "/deploy/dev/easgate.yaml";
  ConfigCheck check = parse_config_file(file, env);
  INFO(join_errors(check.errors));
  REQUIRE(check.errors.empty());
  const GatewayConfig& c = *check.config;
  REQUIRE(c.server.listeners.size() == 3);
  CHECK(c.server.listeners[0].port == 18080);
  CHECK(c.server.listeners[1].port == 18443);
  REQUIRE(c.server.listeners[1].tls.has_value());
  CHECK(c.server.listeners[1].tls->cert_file == dev_dir + "/tls/easgate.crt");
  CHECK(c.server.listeners[2].role == ListenerRole::kAdmin);
  CHECK(c.server.listeners[2].port == 19464);
  CHECK(c.backends.imap.port == 10143);
  CHECK(c.backends.imap.tls == BackendTls::kNone);
  CHECK(c.backends.smtp.port == 10587);
  REQUIRE(c.backends.dav.has_value());
  CHECK(c.backends.dav->base_url == "http://127.0.0.1:15232");
  CHECK(c.backends.dav->login == DavLogin::kLocalPart);
  REQUIRE(c.backends.sieve.has_value());
  CHECK(c.backends.sieve->port == 14190);
  CHECK(c.store.path == dev_dir + "/easgate.sqlite");
  CHECK(c.auth.default_domain == "example.test");
  CHECK(!c.admin.token.empty());
}

TEST_CASE("deploy/dev/easgate.yaml without EASGATE_DEV_DIR resolves to <repo>/.dev") {
  FakeEnvironment fake;  // no variables; only the default-path TLS files exist
  const std::string dev = std::filesystem::weakly_canonical(kSourceDir).string() + "/.dev";
  fake.files[dev + "/tls/easgate.crt"] = "";
  fake.files[dev + "/tls/easgate.key"] = "";
  ConfigEnvironment env = fake.make();
  ConfigCheck check = parse_config_file(kSourceDir + "/deploy/dev/easgate.yaml", env);
  INFO(join_errors(check.errors));
  REQUIRE(check.errors.empty());
  CHECK(check.config->store.path == dev + "/easgate.sqlite");
}

TEST_CASE("deploy/easgate.example.yaml is valid when its files exist") {
  FakeEnvironment fake;
  fake.files["/etc/easgate/tls/fullchain.pem"] = "";
  fake.files["/etc/easgate/tls/privkey.pem"] = "";
  fake.files["/etc/easgate/admin-token"] = "example-admin-token-0123456789\n";
  ConfigEnvironment env = fake.make();
  ConfigCheck check = parse_config_file(kSourceDir + "/deploy/easgate.example.yaml", env);
  INFO(join_errors(check.errors));
  REQUIRE(check.errors.empty());
  CHECK(check.config->server.workers == 4u);
  CHECK(check.config->admin.token == "example-admin-token-0123456789");
}

TEST_CASE("run_check_config prints ok or every error and sets the exit code") {
  FakeEnvironment fake;
  fake.files["/etc/easgate/tls/fullchain.pem"] = "";
  fake.files["/etc/easgate/tls/privkey.pem"] = "";
  fake.files["/etc/easgate/admin-token"] = "example-admin-token-0123456789\n";
  ConfigEnvironment env = fake.make();
  const std::string example = kSourceDir + "/deploy/easgate.example.yaml";
  std::ostringstream ok_out;
  CHECK(run_check_config(example, ok_out, env) == 0);
  CHECK(ok_out.str() == example + ": ok\n");

  fake.files.erase("/etc/easgate/admin-token");
  std::ostringstream bad_out;
  CHECK(run_check_config(example, bad_out, env) == 1);
  CHECK(bad_out.str().find(example + ":") == 0);
  CHECK(bad_out.str().find("admin.token_file: file \"/etc/easgate/admin-token\" does not exist") !=
        std::string::npos);

  Result<GatewayConfig> loaded = load_config(example, env);
  REQUIRE(!loaded.is_ok());
  CHECK(loaded.status().kind() == ErrorKind::kInvalidArgument);
}
