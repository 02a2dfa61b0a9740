#include <doctest/doctest.h>

#include "gateway/admin/report_format.h"

using namespace easgate;

TEST_CASE("csv: RFC 4180 quoting and CRLF records") {
  const std::string csv = render_csv({"a", "b"}, {{"plain", "with,comma"},
                                                  {"say \"hi\"", "two\nlines"},
                                                  {"", "cr\rx"}});
  CHECK(csv == "a,b\r\n"
               "plain,\"with,comma\"\r\n"
               "\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
               ",\"cr\rx\"\r\n");
}

TEST_CASE("table: aligned by code points, control characters neutralised") {
  const std::string table = render_table({"USER", "NAME"}, {{"alice", "Caf\xC3\xA9"},
                                                            {"bo", "x\x1b[2Jy"}});
  CHECK(table == "USER   NAME\n"
                 "-----  ------\n"
                 "alice  Caf\xC3\xA9\n"
                 "bo     x?[2Jy\n");
}

TEST_CASE("listing: columns pick keys; CSV headers are keys, tables use titles") {
  JsonValue rows = JsonValue::array();
  rows.push(JsonValue::object().set("user", "alice").set("ok", true).set("n", 3)
                .set("extra", JsonValue::object().set("x", 1)));
  rows.push(JsonValue::object().set("user", "bob").set("ok", false));
  const std::vector<ReportColumn> columns = {{"user", "USER"}, {"ok", "OK"}, {"n", "N"}};
  CHECK(render_listing(columns, rows, OutputFormat::kCsv) ==
        "user,ok,n\r\nalice,yes,3\r\nbob,no,\r\n");
  CHECK(render_listing(columns, rows, OutputFormat::kTable) ==
        "USER   OK   N\n-----  ---  -\nalice  yes  3\nbob    no\n");
  const std::string json = render_listing(columns, rows, OutputFormat::kJson);
  CHECK(parse_json(json)->as_array()[0].find("extra") != nullptr);  // JSON keeps everything
}

TEST_CASE("record and formats") {
  JsonValue rec = JsonValue::object().set("user", "alice").set("devices", 2);
  CHECK(render_record(rec, OutputFormat::kCsv) == "field,value\r\nuser,alice\r\ndevices,2\r\n");
  OutputFormat f = OutputFormat::kJson;
  CHECK(parse_output_format("csv", &f));
  CHECK(f == OutputFormat::kCsv);
  CHECK_FALSE(parse_output_format("xml", &f));
  CHECK(f == OutputFormat::kCsv);
}
