#include "backends/imap/imap_list.h"

#include <doctest/doctest.h>

using namespace easgate;

namespace {

std::vector<ImapResponse> parse_lines(const std::string& wire) {
  ImapResponseParser p;
  p.feed(wire);
  std::vector<ImapResponse> out;
  for (;;) {
    auto r = p.next();
    REQUIRE(r.is_ok());
    if (!r->has_value()) break;
    out.push_back(std::move(**r));
  }
  return out;
}

}  // namespace

TEST_CASE("LIST-STATUS with special-use and MAILBOXID, INBOX first") {
  auto responses = parse_lines(
      "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
      "* STATUS Sent (UIDVALIDITY 11 MESSAGES 2 UIDNEXT 3 HIGHESTMODSEQ 9 MAILBOXID (Fsent1))\r\n"
      "* LIST (\\HasChildren) \"/\" inbox\r\n"
      "* STATUS INBOX (UIDVALIDITY 10 MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 1 MAILBOXID (Finbox))\r\n"
      "* LIST (\\Noselect \\HasChildren) \"/\" Archive\r\n"
      "* LIST (\\HasNoChildren) \"/\" \"Archive/Entw&APw-rfe\"\r\n"
      "* STATUS \"Archive/Entw&APw-rfe\" (UIDVALIDITY 12)\r\n"
      "* LIST (\\Trash) \"/\" {5}\r\nTrash\r\n");
  auto folders = folders_from_responses(responses);
  REQUIRE(folders.is_ok());
  REQUIRE(folders->size() == 5);
  const auto& f = *folders;
  CHECK(f[0].name == "INBOX");
  CHECK(f[0].special_use == SpecialUse::kInbox);
  CHECK(f[0].uidvalidity == 10);
  CHECK(f[0].mailbox_id == "Finbox");
  CHECK(f[1].name == "Sent");
  CHECK(f[1].special_use == SpecialUse::kSent);
  CHECK(f[1].uidvalidity == 11);
  CHECK(f[2].name == "Archive");
  CHECK_FALSE(f[2].selectable);
  CHECK(f[3].display_name == "Entw\xC3\xBCrfe");
  CHECK(f[3].parent_name == "Archive");
  CHECK(f[3].uidvalidity == 12);
  CHECK(f[3].delimiter == '/');
  CHECK(f[4].special_use == SpecialUse::kTrash);
  CHECK(f[4].uidvalidity == 0);
}

TEST_CASE("STATUS details and malformed data") {
  auto ok = parse_lines("* STATUS x (HIGHESTMODSEQ 12345678901234 UIDNEXT 4 UNSEEN 2)\r\n");
  auto st = parse_status_response(ok[0]);
  REQUIRE(st.is_ok());
  CHECK(st->highestmodseq == 12345678901234ull);
  CHECK(st->uidnext == 4);

  for (const char* bad : {"* STATUS x (UIDVALIDITY)\r\n", "* STATUS x (UIDVALIDITY abc)\r\n",
                          "* STATUS x (UIDVALIDITY 99999999999)\r\n", "* STATUS x\r\n",
                          "* STATUS x (MAILBOXID F1)\r\n"}) {
    auto r = parse_lines(bad);
    CHECK_MESSAGE(!parse_status_response(r[0]).is_ok(), bad);
  }
  for (const char* bad : {"* LIST \"/\" x\r\n", "* LIST () \"//\" x\r\n", "* LIST () \"/\" \"\"\r\n",
                          "* LIST (\"a\") \"/\" x\r\n"}) {
    auto r = parse_lines(bad);
    CHECK_MESSAGE(!parse_list_response(r[0]).is_ok(), bad);
  }
  auto flat = parse_lines("* LIST () NIL Notes\r\n");
  auto e = parse_list_response(flat[0]);
  REQUIRE(e.is_ok());
  CHECK(e->delimiter == 0);
  CHECK(make_folder_info(*e, nullptr).parent_name.empty());
}
