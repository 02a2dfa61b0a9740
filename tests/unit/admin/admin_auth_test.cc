#include <doctest/doctest.h>

#include "gateway/admin/admin_auth.h"

using namespace easgate;

TEST_CASE("bearer token") {
  CHECK(bearer_token_matches("Bearer test-admin-token", "test-admin-token"));
  CHECK(bearer_token_matches("bearer test-admin-token", "test-admin-token"));
  CHECK_FALSE(bearer_token_matches("Bearer test-admin-tokeX", "test-admin-token"));
  CHECK_FALSE(bearer_token_matches("Bearer test-admin-token2", "test-admin-token"));
  CHECK_FALSE(bearer_token_matches("Basic dGVzdA==", "test-admin-token"));
  CHECK_FALSE(bearer_token_matches("Bearer ", ""));  // no token configured: nobody gets in
  CHECK_FALSE(bearer_token_matches("", "x"));
}

TEST_CASE("actor names are sanitised") {
  CHECK(admin_actor("") == "admin-api");
  CHECK(admin_actor("root") == "admin-api/root");
  CHECK(admin_actor("ev\nil\"=x") == "admin-api/evilx");
  CHECK(admin_actor(std::string(100, 'a')).size() == std::string("admin-api/").size() + 64);
}
