// The `directory:` section (gateway/config/directory_section.cc).
#include <doctest/doctest.h>

#include "gateway/config/config_loader.h"
#include "tests/unit/config/fake_environment.h"

using namespace easgate;
using easgate::test::FakeEnvironment;
using easgate::test::minimal_config;

namespace {

ConfigCheck parse(const std::string& extra) {
  FakeEnvironment fake;
  ConfigEnvironment env = fake.make();
  return parse_config_text(minimal_config() + extra, "t.yaml", "/cfg", env);
}

}  // namespace

TEST_CASE("no directory: no GAL, default cap") {
  auto c = parse("");
  REQUIRE(c.config);
  CHECK(c.config->directory.carddav_href.empty());
  CHECK(c.config->directory.max_results == 100);
}

TEST_CASE("directory carddav href gets its trailing slash; max_results is read") {
  auto c = parse("directory:\n  carddav: {href: /gal/contacts}\n  max_results: 50\n");
  REQUIRE(c.config);
  CHECK(c.config->directory.carddav_href == "/gal/contacts/");
  CHECK(c.config->directory.max_results == 50);
}

TEST_CASE("bad directory values are errors with their key") {
  auto relative = parse("directory:\n  carddav: {href: gal/contacts/}\n");
  CHECK_FALSE(relative.config);
  REQUIRE_FALSE(relative.errors.empty());
  auto zero = parse("directory:\n  max_results: 0\n");
  CHECK_FALSE(zero.config);
  auto unknown = parse("directory:\n  ldap: {}\n");
  CHECK_FALSE(unknown.config);
}
