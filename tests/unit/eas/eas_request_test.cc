#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "gateway/eas/eas_request.h"

using namespace easgate;

namespace {

HttpRequest make_request(std::string query, std::string version = "14.1") {
  HttpRequest r;
  r.method = "POST";
  r.path = "/Microsoft-Server-ActiveSync";
  r.query = std::move(query);
  r.target = r.path + "?" + r.query;
  if (!version.empty()) r.headers.add("MS-ASProtocolVersion", version);
  r.headers.add("User-Agent", "Apple-iPhone/1705.4");
  return r;
}

}  // namespace

TEST_CASE("plain query form") {
  auto r = parse_eas_request(make_request(
      "Cmd=FolderSync&User=alice&DeviceId=ABC123&DeviceType=iPhone"));
  REQUIRE(r.is_ok());
  CHECK(r->command->command == EasCommand::kFolderSync);
  CHECK(r->version == ProtocolVersion::v14_1());
  CHECK(r->device_id == "ABC123");
  CHECK(r->device_type == "iPhone");
  CHECK(r->query_user == "alice");
  CHECK_FALSE(r->policy_key.has_value());
  CHECK_FALSE(r->base64_query);
  CHECK(r->user_agent == "Apple-iPhone/1705.4");
}

TEST_CASE("plain query with policy key, percent escapes and SaveInSent") {
  auto req = make_request(
      "Cmd=SmartReply&User=DOM%5Calice&DeviceId=d1&DeviceType=Android&ItemId=5%3A12&"
      "CollectionId=5&SaveInSent=T",
      "12.1");
  req.headers.add("X-MS-PolicyKey", "3942919513");
  auto r = parse_eas_request(req);
  REQUIRE(r.is_ok());
  CHECK(r->query_user == "DOM\\alice");
  CHECK(r->item_id == "5:12");
  CHECK(r->save_in_sent);
  REQUIRE(r->policy_key.has_value());
  CHECK(*r->policy_key == 3942919513u);
}

TEST_CASE("base64 query form: the MS-ASHTTP example") {
  // MS-ASHTTP 2.2.1.1.1.1: 14.0, Sync, locale 0x0409, DeviceId v140Device, SmartPhone.
  auto r = parse_eas_request(make_request("jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l", ""));
  REQUIRE(r.is_ok());
  CHECK(r->base64_query);
  CHECK(r->command->command == EasCommand::kSync);
  CHECK(r->version == ProtocolVersion::v14_0());
  CHECK(r->locale == 0x0409);
  CHECK(r->device_id == "v140Device");
  CHECK(r->device_type == "SmartPhone");
  CHECK_FALSE(r->policy_key.has_value());
}

TEST_CASE("base64 query with policy key and parameters") {
  std::string raw;
  raw += static_cast<char>(161);  // 16.1
  raw += static_cast<char>(9);    // FolderSync
  raw += "\x09\x04";
  raw += static_cast<char>(4);
  raw += "dev1";
  raw += static_cast<char>(4);
  raw += std::string("\x01\x02\x03\x04", 4);  // little endian 0x04030201
  raw += static_cast<char>(6);
  raw += "iPhone";
  raw += std::string("\x08\x05" "alice", 7);
  raw += std::string("\x07\x01\x03", 3);  // Options: SaveInSent | AcceptMultiPart
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  int val = 0, bits = -6;
  for (unsigned char c : raw) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      b64 += k[(val >> bits) & 0x3F];
      bits -= 6;
    }
  }
  if (bits > -6) b64 += k[((val << 8) >> (bits + 8)) & 0x3F];
  while (b64.size() % 4) b64 += '=';
  auto r = parse_eas_request(make_request(b64, ""));
  REQUIRE(r.is_ok());
  CHECK(r->version == ProtocolVersion::v16_1());
  CHECK(r->command->command == EasCommand::kFolderSync);
  CHECK(*r->policy_key == 0x04030201u);
  CHECK(r->query_user == "alice");
  CHECK(r->save_in_sent);
  CHECK(r->accept_multipart);
}

TEST_CASE("malformed requests are refused with a message naming the field") {
  struct Case {
    const char* query;
    const char* version;
    const char* expect;
  };
  const Case cases[] = {
      {"", "14.1", "no query"},
      {"User=a&DeviceId=d&DeviceType=t", "14.1", "no Cmd"},
      {"Cmd=Nope&DeviceId=d&DeviceType=t", "14.1", "unknown command"},
      {"Cmd=Sync&DeviceType=t", "14.1", "DeviceId is missing"},
      {"Cmd=Sync&DeviceId=a%20b&DeviceType=t", "14.1", "DeviceId must be"},
      {"Cmd=Sync&DeviceId=0123456789012345678901234567890123&DeviceType=t", "14.1",
       "DeviceId must be"},
      {"Cmd=Sync&DeviceId=d", "14.1", "DeviceType is missing"},
      {"Cmd=Sync&DeviceId=d&DeviceType=t", "", "MS-ASProtocolVersion header is missing"},
      {"Cmd=Sync&DeviceId=d&DeviceType=t", "13.0", "unsupported MS-ASProtocolVersion"},
      {"Cmd=Sync&DeviceId=%zz&DeviceType=t", "14.1", "bad percent escape"},
      {"Cmd=Sync&DeviceId=d%2&DeviceType=t", "14.1", "bad percent escape"},
      {"Cmd=Find&DeviceId=d&DeviceType=t", "14.1", "needs protocol 16.1"},
      {"!!!!", "", "neither plain text nor valid base64"},
      {"jA==", "", "truncated header"},
      {"jAAJBAp2MTQw", "", "truncated device id"},
      {"/wAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l", "", "unknown protocol version byte 255"},
      {"GQAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l", "", "not allowed with protocol 2.5"},
      {"eAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l", "", "not allowed with protocol 12.0"},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.query));
    auto r = parse_eas_request(make_request(c.query, c.version));
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().http_status() == 400);
    CHECK(r.status().message().find(c.expect) != std::string::npos);
  }
}

TEST_CASE("protocol versions") {
  CHECK(ProtocolVersion::parse("2.5")->code == 25);
  CHECK(ProtocolVersion::parse("16.1")->code == 161);
  CHECK_FALSE(ProtocolVersion::parse("16.2"));
  CHECK_FALSE(ProtocolVersion::parse("16"));
  CHECK_FALSE(ProtocolVersion::parse("1x.1"));
  CHECK(ProtocolVersion::v12_1().to_string() == "12.1");
  CHECK(ProtocolVersion::v14_0() < ProtocolVersion::v14_1());
}
