#include <doctest/doctest.h>

#include "gateway/config/config_values.h"

using namespace easgate;
using std::chrono::milliseconds;

TEST_CASE("durations: units, bare seconds, compounds") {
  CHECK(parse_duration("250ms").value() == milliseconds(250));
  CHECK(parse_duration("15s").value() == milliseconds(15'000));
  CHECK(parse_duration("5m").value() == milliseconds(300'000));
  CHECK(parse_duration("1h").value() == milliseconds(3'600'000));
  CHECK(parse_duration("1h30m").value() == milliseconds(5'400'000));
  CHECK(parse_duration("2m500ms").value() == milliseconds(120'500));
  CHECK(parse_duration("30").value() == milliseconds(30'000));
  CHECK(parse_duration("0").value() == milliseconds(0));
}

TEST_CASE("durations: garbage is rejected with a reason") {
  CHECK(parse_duration("").status().message() == "\"\" is not a duration");
  CHECK(parse_duration("-5s").status().message() == "\"-5s\" is not a duration");
  CHECK(parse_duration("1.5s").status().message() == "\"1.5s\" is not a duration");
  CHECK(parse_duration("15x").status().message() == "\"15x\" has unknown unit \"x\"");
  CHECK(parse_duration("s").status().message() == "\"s\" is not a duration");
  CHECK(parse_duration("5s1m").status().message() == "\"5s1m\" repeats or misorders units");
  CHECK(parse_duration("1s1s").status().message() == "\"1s1s\" repeats or misorders units");
  CHECK(!parse_duration("99999999999999999999h").is_ok());
  CHECK(!parse_duration("9999999999999999s").is_ok());  // overflows milliseconds
  CHECK(!parse_duration(std::string(100, '1')).is_ok());
}

TEST_CASE("byte sizes") {
  CHECK(parse_byte_size("65536").value() == 65536u);
  CHECK(parse_byte_size("64KiB").value() == 65536u);
  CHECK(parse_byte_size("50MiB").value() == 50u << 20);
  CHECK(parse_byte_size("1GiB").value() == 1u << 30);
  CHECK(parse_byte_size("1MB").status().message() ==
        "\"1MB\" has unknown unit \"MB\" (expected KiB, MiB or GiB)");
  CHECK(!parse_byte_size("KiB").is_ok());
  CHECK(!parse_byte_size("99999999999GiB").is_ok());
}

TEST_CASE("booleans") {
  CHECK(parse_config_bool("on") == true);
  CHECK(parse_config_bool("Yes") == true);
  CHECK(parse_config_bool("false") == false);
  CHECK(parse_config_bool("OFF") == false);
  CHECK(!parse_config_bool("1").has_value());
}

TEST_CASE("env expansion") {
  EnvLookup env = [](const std::string& n) -> std::optional<std::string> {
    if (n == "HOME_DIR") return std::string("/home/x");
    if (n == "EMPTY") return std::string();
    return std::nullopt;
  };
  CHECK(expand_env("${HOME_DIR}/a", env).value() == "/home/x/a");
  CHECK(expand_env("${UNSET:-/d}/a", env).value() == "/d/a");
  CHECK(expand_env("${EMPTY:-/d}", env).value() == "/d");
  CHECK(expand_env("${HOME_DIR:-/d}", env).value() == "/home/x");
  CHECK(expand_env("a$b$$c", env).value() == "a$b$c");
  CHECK(expand_env("${UNSET}", env).status().message() ==
        "environment variable UNSET is not set and has no default (write ${UNSET:-default})");
  CHECK(expand_env("${HOME_DIR", env).status().message() ==
        "unterminated \"${\" in \"${HOME_DIR\"");
  CHECK(!expand_env("${A B}", env).is_ok());
}

TEST_CASE("edit distance") {
  CHECK(edit_distance("listners", "listeners") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("same", "same") == 0);
}
