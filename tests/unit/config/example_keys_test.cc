// deploy/easgate.example.yaml must document every key the section parsers accept.
//
// The list of accepted keys comes from the parser itself, not from a copy kept here: every
// map in the example gets an extra probe key, and MapReader reports an unknown key as
// "unknown key (expected one of: <every key the parser asked for>)". A key added to a
// *_section.cc is therefore missing from the example until someone documents it there, and
// this test says which one.
//
// Optional settings are documented as "#~ " lines; the test uncomments them (and checks
// that the result is valid too), so an example written only in a comment cannot rot.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/unit/config/fake_environment.h"

using namespace easgate;
using easgate::test::FakeEnvironment;

namespace {

const std::string kExample = std::string(EASGATE_SOURCE_DIR) + "/deploy/easgate.example.yaml";
// Long and unlike any key, so MapReader lists all keys instead of a "did you mean".
const std::string kProbe = "zzqqx_probe_key_not_a_setting";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The example with every "#~ " removed, i.e. with every optional setting switched on.
std::string uncomment_optional(const std::string& text) {
  static const std::regex kOptionalLine("^( *)#~ ?");
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) out += std::regex_replace(line, kOptionalLine, "$1") + "\n";
  return out;
}

FakeEnvironment example_files() {
  FakeEnvironment fake;
  fake.files["/etc/easgate/tls/fullchain.pem"] = "";
  fake.files["/etc/easgate/tls/privkey.pem"] = "";
  fake.files["/etc/easgate/admin-token"] = "example-admin-token-0123456789\n";
  return fake;
}

// "a.b[3].c" -> "a.b[].c": items of one list share their documentation.
std::string template_path(const std::string& path) {
  static const std::regex kIndex("\\[[0-9]+\\]");
  return std::regex_replace(path, kIndex, "[]");
}

// Adds the probe to every map and records, per template path, the keys the example has.
void add_probes(YAML::Node node, const std::string& path,
                std::map<std::string, std::set<std::string>>* present) {
  if (node.IsMap()) {
    std::vector<std::pair<std::string, YAML::Node>> children;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      (*present)[template_path(path)].insert(key);
      children.emplace_back(key, it->second);
    }
    for (auto& [key, child] : children)
      add_probes(child, path.empty() ? key : path + "." + key, present);
    node[kProbe] = YAML::Node(YAML::NodeType::Null);
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      add_probes(node[i], path + "[" + std::to_string(i) + "]", present);
    }
  }
}

// Keys (as template paths) the parser asks for in a map of `yaml` that `yaml` lacks;
// `accepted` receives every probed map's accepted keys.
std::vector<std::string> undocumented_keys(const std::string& yaml,
                                           std::map<std::string, std::set<std::string>>* accepted) {
  FakeEnvironment fake = example_files();
  YAML::Node root = YAML::Load(yaml);
  std::map<std::string, std::set<std::string>> present;
  add_probes(root, "", &present);
  YAML::Emitter emitter;
  emitter << root;
  ConfigCheck check =
      parse_config_text(emitter.c_str(), "probed.yaml", "/etc/easgate", fake.make());

  // Harvest "<map path>.<probe>: unknown key (expected one of: k1 k2 ...)".
  const std::string kListed = "unknown key (expected one of:";
  for (const ConfigError& e : check.errors) {
    const size_t at = e.key_path.rfind(kProbe);
    if (at == std::string::npos || e.message.rfind(kListed, 0) != 0) continue;
    const std::string map_path = at == 0 ? std::string() : e.key_path.substr(0, at - 1);
    std::istringstream keys(
        e.message.substr(kListed.size(), e.message.size() - kListed.size() - 1));
    std::string key;
    while (keys >> key) (*accepted)[template_path(map_path)].insert(key);
  }
  std::vector<std::string> undocumented;
  for (const auto& [map_path, keys] : *accepted) {
    for (const std::string& key : keys) {
      if (present[map_path].count(key) == 0) {
        undocumented.push_back(map_path.empty() ? key : map_path + "." + key);
      }
    }
  }
  return undocumented;
}

}  // namespace

TEST_CASE("every optional (#~) setting in the example is valid once uncommented") {
  FakeEnvironment fake = example_files();
  const std::string full = uncomment_optional(read_text(kExample));
  REQUIRE(full.find("governance:") != std::string::npos);
  ConfigCheck check = parse_config_text(full, "example+optional.yaml", "/etc/easgate", fake.make());
  // admin.token and admin.token_file are documented side by side but exclude each other.
  std::vector<std::string> unexpected;
  for (const ConfigError& e : check.errors) {
    if (e.key_path == "admin.token_file" && e.message.find("both set") != std::string::npos) {
      continue;
    }
    unexpected.push_back(e.to_string());
  }
  std::string lines;
  for (const std::string& line : unexpected) lines += line + "\n";
  CHECK(lines == "");
}

TEST_CASE("every key the config parser accepts is in deploy/easgate.example.yaml") {
  std::map<std::string, std::set<std::string>> accepted;
  const std::vector<std::string> undocumented =
      undocumented_keys(uncomment_optional(read_text(kExample)), &accepted);

  // The maps the parser reads with named keys must all have been probed; otherwise the
  // harvest itself broke (for instance a changed "unknown key" message) and an empty
  // result would pass.
  for (const char* must : {"",
                           "server",
                           "server.listeners[]",
                           "server.listeners[].tls",
                           "server.limits",
                           "auth",
                           "backends",
                           "backends.imap",
                           "backends.imap.pool",
                           "backends.smtp",
                           "backends.dav",
                           "backends.sieve",
                           "store",
                           "log",
                           "admin",
                           "eas",
                           "eas.ping",
                           "governance",
                           "governance.policies",
                           "governance.policies.definitions[]",
                           "governance.policies.assign_groups[]",
                           "governance.device_access",
                           "governance.device_access.rules[]",
                           "governance.throttle",
                           "push",
                           "directory",
                           "directory.carddav"}) {
    INFO("map not probed: \"" << must << "\"");
    CHECK(accepted.count(must) == 1);
  }
  INFO(
      "add these keys (with a comment: meaning, default, unit, range) to "
      "deploy/easgate.example.yaml, as \"#~ \" lines when optional");
  std::string missing;
  for (const std::string& key : undocumented) missing += key + " ";
  CHECK(missing == "");
}

TEST_CASE("the key check reports keys a config leaves out") {
  // Without this the test above could pass vacuously.
  std::map<std::string, std::set<std::string>> accepted;
  const std::vector<std::string> undocumented =
      undocumented_keys(easgate::test::minimal_config() + "log:\n  level: info\n", &accepted);
  auto has = [&](const std::string& key) {
    return std::find(undocumented.begin(), undocumented.end(), key) != undocumented.end();
  };
  CHECK(has("log.file"));
  CHECK(has("log.request_log"));
  CHECK(has("server.listeners[].role"));
  CHECK(has("governance"));
  CHECK(!has("log.level"));
  CHECK(!has("backends.imap.host"));
}
