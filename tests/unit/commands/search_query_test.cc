// Search / Find request parsing (search_query.h) from XML written the way devices send it.
#include "gateway/commands/search_query.h"

#include <doctest/doctest.h>

#include "gateway/eas/wbxml/wbxml_xml.h"

namespace easgate {
namespace {

WbxmlDocument doc(std::string_view xml) {
  auto parsed = parse_xml(xml);
  REQUIRE_MESSAGE(parsed.is_ok(), parsed.status().to_string());
  return std::move(parsed.value());
}

ParsedMailboxSearch search(std::string_view query, std::string_view options = "") {
  static WbxmlDocument d;  // Options pointers stay valid until the next call
  d = doc(std::string("<Search xmlns=\"Search\" xmlns:airsync=\"AirSync\" xmlns:email=\"Email\">"
                      "<Store><Name>Mailbox</Name><Query>") +
          std::string(query) + "</Query>" + std::string(options) + "</Store></Search>");
  REQUIRE(d.root.child(tag::search::kStore));
  return parse_search_store(*d.root.child(tag::search::kStore));
}

TEST_CASE("index ranges") {
  CHECK(parse_index_range("0-99")->last == 99);
  CHECK(parse_index_range("5-5")->first == 5);
  CHECK_FALSE(parse_index_range("6-5"));
  CHECK_FALSE(parse_index_range("-5"));
  CHECK_FALSE(parse_index_range("1-"));
  CHECK_FALSE(parse_index_range("1-2-3"));
  CHECK_FALSE(parse_index_range(" 1-2"));
  CHECK_FALSE(parse_index_range("99999999999999999999-1"));
  CHECK(format_index_range(3, 7) == "3-7");
}

TEST_CASE("EAS dateTime") {
  CHECK(parse_eas_datetime("1970-01-02T00:00:00.000Z") == 86400);
  CHECK(parse_eas_datetime("2024-02-29T12:00:00Z") == 1709208000);
  CHECK(parse_eas_datetime("2024-02-29T12:00:00") == 1709208000);
  CHECK_FALSE(parse_eas_datetime("2024-13-01T00:00:00Z"));
  CHECK_FALSE(parse_eas_datetime("2024-01-01"));
  CHECK_FALSE(parse_eas_datetime("2024-01-01T00:00:00.Z"));
  CHECK_FALSE(parse_eas_datetime("2024-01-01T00:00:00+01:00"));
}

TEST_CASE("the spec's example: And of CollectionId and FreeText, Options") {
  auto p = search(
      "<And><airsync:CollectionId>7</airsync:CollectionId>"
      "<FreeText>Presentation</FreeText></And>",
      "<Options><RebuildResults/><Range>0-4</Range><DeepTraversal/></Options>");
  REQUIRE(p.status == kSearchSuccess);
  CHECK(p.request.collection_ids == std::vector<std::string>{"7"});
  CHECK(p.request.query.text == "Presentation");
  CHECK(p.request.deep_traversal);
  CHECK(p.request.rebuild_results);
  CHECK(p.request.rows.first == 0);
  CHECK(p.request.rows.last == 4);
  CHECK(p.request.options != nullptr);
}

TEST_CASE("dates, EqualTo and an Or of folders") {
  auto p = search(
      "<And><airsync:Class>Email</airsync:Class>"
      "<GreaterThan><email:DateReceived/><Value>2024-01-01T00:00:00.000Z</Value></GreaterThan>"
      "<LessThan><email:DateReceived/><Value>2024-02-01T00:00:00.000Z</Value></LessThan>"
      "<EqualTo><email:Subject/><Value>Budget</Value></EqualTo>"
      "<EqualTo><email:From/><Value>bob</Value></EqualTo>"
      "<Or><airsync:CollectionId>1</airsync:CollectionId>"
      "<airsync:CollectionId>2</airsync:CollectionId></Or></And>");
  REQUIRE(p.status == kSearchSuccess);
  CHECK(p.request.query.since == 1704067200);
  CHECK(p.request.query.before == 1706745600);
  CHECK(p.request.query.subject == "Budget");
  CHECK(p.request.query.from == "bob");
  CHECK(p.request.collection_ids.size() == 2);
  CHECK_FALSE(p.request.no_mail_class);
  CHECK(p.request.rows.last == kMaxSearchRows - 1);  // default page
}

TEST_CASE("refusals carry the spec's Store status") {
  CHECK(search("<Or><FreeText>a</FreeText><FreeText>b</FreeText></Or>").status ==
        kSearchTooComplex);
  CHECK(search("<And><FreeText>a</FreeText><FreeText>b</FreeText></And>").status ==
        kSearchTooComplex);
  CHECK(search("<And><ConversationId>abc</ConversationId></And>").status == kSearchTooComplex);
  CHECK(search("<And/>").status == kSearchInvalidRequest);
  CHECK(search("<And><GreaterThan><email:DateReceived/><Value>yesterday</Value></GreaterThan>"
               "</And>")
            .status == kSearchInvalidRequest);
  CHECK(search("<FreeText>x</FreeText>", "<Options><Range>9-1</Range></Options>").status ==
        kSearchInvalidRequest);
}

TEST_CASE("a class IMAP does not hold gives an empty search, and Range is clamped") {
  auto p = search("<And><airsync:Class>Calendar</airsync:Class><FreeText>x</FreeText></And>",
                  "<Options><Range>10-100000</Range></Options>");
  REQUIRE(p.status == kSearchSuccess);
  CHECK(p.request.no_mail_class);
  CHECK(p.request.rows.first == 10);
  CHECK(p.request.rows.last == 10 + kMaxSearchRows - 1);
}

TEST_CASE("Find: MailBoxSearchCriterion") {
  auto d =
      doc("<Find xmlns=\"Find\" xmlns:airsync=\"AirSync\"><SearchId>abc</SearchId>"
          "<ExecuteSearch><MailBoxSearchCriterion><Query>"
          "<airsync:Class>Email</airsync:Class>"
          "<airsync:CollectionId>5</airsync:CollectionId>"
          "<FreeText>budget</FreeText></Query>"
          "<Options><Range>0-9</Range><DeepTraversal/></Options>"
          "</MailBoxSearchCriterion></ExecuteSearch></Find>");
  auto p = parse_find_request(d.root);
  REQUIRE(p.status == kFindSuccess);
  CHECK(p.request.query.text == "budget");
  CHECK(p.request.collection_ids == std::vector<std::string>{"5"});
  CHECK(p.request.deep_traversal);
  CHECK(p.request.rows.last == 9);

  auto no_id =
      doc("<Find xmlns=\"Find\"><ExecuteSearch><MailBoxSearchCriterion><Query>"
          "<FreeText>x</FreeText></Query></MailBoxSearchCriterion></ExecuteSearch>"
          "</Find>");
  CHECK(parse_find_request(no_id.root).status == kFindInvalidRequest);
  auto no_text =
      doc("<Find xmlns=\"Find\"><SearchId>a</SearchId><ExecuteSearch>"
          "<MailBoxSearchCriterion><Query/></MailBoxSearchCriterion></ExecuteSearch>"
          "</Find>");
  CHECK(parse_find_request(no_text.root).status == kFindInvalidRequest);
}

}  // namespace
}  // namespace easgate
