#include "gateway/commands/reply_verb.h"

#include <gmime/gmime.h>

#include <set>
#include <string>

#include "backends/mime/compose.h"
#include "backends/mime/mime_message.h"

namespace easgate {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Every mailbox address of `list`, groups expanded, lower-cased.
void collect(InternetAddressList* list, std::set<std::string>& out) {
  if (!list) return;
  int n = internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* a = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(a)) {
      collect(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out);
    } else if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
      const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
      if (addr && *addr) out.insert(lower(addr));
    }
  }
}

}  // namespace

int reply_verb(std::string_view original, std::string_view reply_mime, std::string_view user) {
  auto recipients = mime::envelope_recipients(reply_mime);
  auto parsed = mime::MimeMessage::parse(original);
  if (!recipients.is_ok() || !parsed.is_ok()) return kLastVerbReplyToSender;
  GMimeMessage* m = parsed->gmime();
  std::set<std::string> others;  // the original's To + Cc
  collect(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO), others);
  collect(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_CC), others);
  std::set<std::string> sender;  // whom a plain reply goes to
  collect(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_FROM), sender);
  collect(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_SENDER), sender);
  collect(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_REPLY_TO), sender);
  sender.insert(lower(user));
  for (const std::string& r : *recipients) {
    std::string addr = lower(r);
    if (others.count(addr) && !sender.count(addr)) return kLastVerbReplyToAll;
  }
  return kLastVerbReplyToSender;
}

}  // namespace easgate
