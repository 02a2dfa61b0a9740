#include "gateway/commands/conversation.h"

#include <doctest/doctest.h>

#include "backends/mime/email_fields.h"
#include "backends/mime/mime_message.h"

namespace easgate {
namespace {

std::string message(const std::string& headers) {
  return "From: Carol <carol@example.test>\r\nTo: alice@example.test\r\nSubject: s\r\n" + headers +
         "\r\nBody text.\r\n";
}

std::string shown_id(const std::string& bytes) {
  auto m = mime::MimeMessage::parse(bytes);
  REQUIRE(m.is_ok());
  return mime::extract_email_fields(*m, {}).conversation_id;
}

TEST_CASE("conversation keys: root and replies share the id Sync shows") {
  std::string root = message("Message-ID: <Root@Host>\r\n");
  std::string reply = message("Message-ID: <r1@host>\r\nIn-Reply-To: <root@host>\r\n");
  std::string reply2 = message(
      "Message-ID: <r2@host>\r\nIn-Reply-To: <r1@host>\r\nReferences: <root@host>\r\n"
      " <r1@host>\r\n");
  auto k0 = conversation_keys_of(root), k1 = conversation_keys_of(reply),
       k2 = conversation_keys_of(reply2);
  REQUIRE(k0);
  REQUIRE(k1);
  REQUIRE(k2);
  CHECK(k0->conversation_id.size() == 16);
  CHECK(k0->conversation_id == shown_id(root));
  CHECK(k1->conversation_id == k0->conversation_id);
  CHECK(k2->conversation_id == k0->conversation_id);
  CHECK_FALSE(k0->has_parent);
  CHECK(k1->has_parent);
  CHECK(k2->root_message_id == "root@host");
  auto criteria = thread_search_criteria(*k2);
  REQUIRE(criteria.size() == 3);
  CHECK(criteria[0] == std::pair<std::string, std::string>{"Message-ID", "<root@host>"});
  CHECK(criteria[1].first == "References");
  CHECK(criteria[2].first == "In-Reply-To");
  // The header block alone gives the same keys (what fetch_summaries returns).
  auto header_only = conversation_keys_of(reply2.substr(0, reply2.find("\r\n\r\n") + 4));
  REQUIRE(header_only);
  CHECK(header_only->conversation_id == k0->conversation_id);
  CHECK(conversation_hex(std::string("\x00\xab", 2)) == "00ab");
}

TEST_CASE("conversation keys: Thread-Index names the conversation by its GUID prefix") {
  // 22-byte header + one 5-byte response level, base64 (MS-OXOMSG 2.2.1.3).
  std::string ti = "AdQlBGkAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
  auto k = conversation_keys_of(message("Thread-Index: " + ti + "\r\n"));
  REQUIRE(k);
  CHECK(k->thread_index_prefix == ti.substr(0, 28));
  CHECK(k->has_parent);  // a response level follows the header
  auto criteria = thread_search_criteria(*k);
  REQUIRE(criteria.size() == 1);
  CHECK(criteria[0].first == "Thread-Index");
  CHECK(k->conversation_id == shown_id(message("Thread-Index: " + ti + "\r\n")));
}

TEST_CASE("conversation keys: nothing to search without any message id") {
  auto k = conversation_keys_of(message(""));
  REQUIRE(k);
  CHECK(k->root_message_id.empty());
  CHECK(thread_search_criteria(*k).empty());
}

}  // namespace
}  // namespace easgate
