#include <doctest/doctest.h>

#include "gateway/admin/json.h"

using namespace easgate;

namespace {

std::string error_of(std::string_view text) {
  Result<JsonValue> r = parse_json(text);
  REQUIRE_FALSE(r.is_ok());
  return r.status().message();
}

}  // namespace

TEST_CASE("json: round trip keeps types, order and unicode") {
  const std::string text =
      R"({"b":true,"n":null,"i":-42,"d":1.5,"s":"caf\u00e9 \ud83d\ude00","a":[1,[],{}],"o":{"z":1,"a":2}})";
  Result<JsonValue> v = parse_json(text);
  REQUIRE(v.is_ok());
  CHECK(v->find("b")->as_bool());
  CHECK(v->find("n")->is_null());
  CHECK(v->find("i")->as_integer() == -42);
  CHECK(v->find("d")->as_double() == 1.5);
  CHECK(v->find("s")->as_string() == "caf\xC3\xA9 \xF0\x9F\x98\x80");
  CHECK(v->find("a")->size() == 3);
  CHECK(v->find("o")->as_object()[0].first == "z");
  Result<JsonValue> again = parse_json(v->dump());
  REQUIRE(again.is_ok());
  CHECK(*again == *v);
  Result<JsonValue> pretty = parse_json(v->dump_pretty());
  REQUIRE(pretty.is_ok());
  CHECK(*pretty == *v);
}

TEST_CASE("json: the parser is strict and says where") {
  CHECK(error_of("{\"a\":1,}") == "JSON: expected a string key at offset 7");
  CHECK(error_of("[1,2,]").find("unexpected character") != std::string::npos);
  CHECK(error_of("{\"a\":1,\"a\":2}").find("duplicate key \"a\"") != std::string::npos);
  CHECK(error_of("01").find("leading zero") != std::string::npos);
  CHECK(error_of("\"\\ud800\"").find("lone high surrogate") != std::string::npos);
  CHECK(error_of("\"\\udc00\"").find("lone low surrogate") != std::string::npos);
  CHECK(error_of("\"a\x01\"").find("raw control character") != std::string::npos);
  CHECK(error_of("\"\xC0\xAF\"").find("invalid UTF-8") != std::string::npos);
  CHECK(error_of("\"\xED\xA0\x80\"").find("invalid UTF-8") != std::string::npos);
  CHECK(error_of("// c\n1").find("unexpected character") != std::string::npos);
  CHECK(error_of("1 2").find("unexpected data after the document") != std::string::npos);
  CHECK(error_of("").find("unexpected end of input") != std::string::npos);
  CHECK(error_of("tru").find("invalid literal") != std::string::npos);
  CHECK(error_of("1e999").find("out of range") != std::string::npos);
  CHECK(error_of("\"abc").find("unterminated string") != std::string::npos);
  CHECK(error_of("[1 2]").find("expected ',' or ']'") != std::string::npos);
}

TEST_CASE("json: depth and size limits") {
  JsonParseLimits limits;
  limits.max_depth = 3;
  CHECK(parse_json("[[[1]]]", limits).is_ok());
  CHECK_FALSE(parse_json("[[[[1]]]]", limits).is_ok());
  limits.max_bytes = 4;
  Result<JsonValue> big = parse_json("[1,2,3]", limits);
  REQUIRE_FALSE(big.is_ok());
  CHECK(big.status().kind() == ErrorKind::kTooLarge);
  // Default limits hold a hostile nesting without recursing the stack away.
  CHECK_FALSE(parse_json(std::string(100000, '[')).is_ok());
}

TEST_CASE("json: numbers") {
  CHECK(parse_json("9223372036854775807")->as_integer() == INT64_MAX);
  CHECK(parse_json("9223372036854775808")->is_integer() == false);  // too big: a double
  CHECK(parse_json("-0")->as_integer() == 0);
  CHECK(parse_json("2e3")->as_double() == 2000.0);
  CHECK(JsonValue(uint64_t{18446744073709551615ull}).type() == JsonValue::Type::kDouble);
}

TEST_CASE("json: the writer escapes and replaces invalid UTF-8") {
  JsonValue v = JsonValue::object().set("k", std::string("a\"b\\c\n\x01\xFF", 8));
  CHECK(v.dump() == "{\"k\":\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\"}");
  CHECK(parse_json(v.dump()).is_ok());
  JsonValue o = JsonValue::object().set("x", 1).set("x", 2);
  CHECK(o.dump() == "{\"x\":2}");
  CHECK(JsonValue::array().dump() == "[]");
  CHECK(JsonValue(0.5).dump() == "0.5");
}

TEST_CASE("json: doubles stay doubles through a round trip") {
  for (const char* text : {"2.0", "-0.0", "1e300", "0.1"}) {
    Result<JsonValue> v = parse_json(text);
    REQUIRE(v.is_ok());
    Result<JsonValue> again = parse_json(v->dump());
    REQUIRE(again.is_ok());
    CHECK(again->type() == JsonValue::Type::kDouble);
    CHECK(*again == *v);
  }
}
