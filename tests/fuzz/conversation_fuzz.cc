// libFuzzer target for the conversation readers (gateway/commands/conversation.h,
// reply_verb.h): whatever the bytes, the keys of a message are those of its header block
// alone (what IMAP returns for a hit), the id is the one Sync shows, the search criteria
// are well formed, and the reply verb is 1 or 2.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "backends/mime/email_fields.h"
#include "backends/mime/mime_message.h"
#include "gateway/commands/conversation.h"
#include "gateway/commands/reply_verb.h"

using namespace easgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Two messages: an original and a reply, split at the first NUL (or none).
  size_t cut = bytes.find('\0');
  std::string_view original = bytes.substr(0, cut);
  std::string_view reply = cut == std::string_view::npos ? bytes : bytes.substr(cut + 1);

  if (auto keys = conversation_keys_of(original)) {
    if (!keys->conversation_id.empty() && keys->conversation_id.size() != 16) abort();
    for (const auto& [name, value] : thread_search_criteria(*keys))
      if (name.empty() || value.empty()) abort();
    if (conversation_hex(keys->conversation_id).size() != 2 * keys->conversation_id.size()) abort();
    if (auto whole = mime::MimeMessage::parse(original)) {
      if (mime::extract_email_fields(*whole, {}).conversation_id != keys->conversation_id)
        abort();  // Move and ConversationMode would miss a message Sync labels as a member
    }
  }
  int verb = reply_verb(original, reply, "alice@example.test");
  if (verb != kLastVerbReplyToSender && verb != kLastVerbReplyToAll) abort();
  return 0;
}
