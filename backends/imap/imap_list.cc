#include "backends/imap/imap_list.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "backends/imap/mailbox_name.h"
#include "gateway/core/log.h"

namespace easgate {
namespace {

bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

// RFC 3501 5.1: "INBOX" is case-insensitive; everything else is case-sensitive.
std::string normalise_name(std::string name) {
  if (iequals_ascii(name, "INBOX")) return "INBOX";
  return name;
}

SpecialUse special_use_of(const std::vector<std::string>& attrs) {
  static const std::pair<const char*, SpecialUse> kMap[] = {
      {"\\Drafts", SpecialUse::kDrafts},   {"\\Sent", SpecialUse::kSent},
      {"\\Trash", SpecialUse::kTrash},     {"\\Junk", SpecialUse::kJunk},
      {"\\Archive", SpecialUse::kArchive}, {"\\All", SpecialUse::kAll},
      {"\\Flagged", SpecialUse::kFlagged},
  };
  for (const std::string& a : attrs)
    for (const auto& [name, use] : kMap)
      if (iequals_ascii(a, name)) return use;
  return SpecialUse::kNone;
}

bool has_attr(const std::vector<std::string>& attrs, std::string_view name) {
  return std::any_of(attrs.begin(), attrs.end(),
                     [&](const std::string& a) { return iequals_ascii(a, name); });
}

}  // namespace

Result<ImapListEntry> parse_list_response(const ImapResponse& r) {
  // mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
  //                [SP mbox-list-extended]   (RFC 3501 9, RFC 5258 6)
  if (r.values.size() < 3 || !r.values[0].is_list())
    return Status::malformed("LIST response: expected (flags) delimiter mailbox");
  ImapListEntry e;
  for (const ImapValue& f : r.values[0].items) {
    if (f.kind != ImapValueKind::kAtom) return Status::malformed("LIST response: non-atom flag");
    e.attributes.push_back(f.text);
  }
  const ImapValue& d = r.values[1];
  if (d.kind == ImapValueKind::kNil) {
    e.delimiter = 0;
  } else if (d.kind == ImapValueKind::kString && d.text.size() == 1) {
    e.delimiter = d.text[0];
  } else {
    return Status::malformed("LIST response: delimiter must be one quoted char or NIL");
  }
  if (!r.values[2].is_astring() || r.values[2].text.empty())
    return Status::malformed("LIST response: missing mailbox name");
  e.name = normalise_name(r.values[2].text);
  return e;
}

Result<ImapMailboxStatus> parse_status_response(const ImapResponse& r) {
  // mailbox-data =/ "STATUS" SP mailbox SP "(" [status-att-list] ")"   (RFC 3501 9)
  if (r.values.size() != 2 || !r.values[0].is_astring() || !r.values[1].is_list())
    return Status::malformed("STATUS response: expected mailbox (attributes)");
  ImapMailboxStatus s;
  s.name = normalise_name(r.values[0].text);
  const auto& items = r.values[1].items;
  if (items.size() % 2 != 0) return Status::malformed("STATUS response: odd attribute list");
  for (size_t i = 0; i < items.size(); i += 2) {
    const ImapValue& key = items[i];
    const ImapValue& val = items[i + 1];
    if (key.kind != ImapValueKind::kAtom) return Status::malformed("STATUS response: bad attribute");
    if (key.is_atom("MAILBOXID")) {
      // RFC 8474 4: "MAILBOXID" SP "(" objectid ")"
      if (val.is_list() && val.items.size() == 1 && val.items[0].kind == ImapValueKind::kAtom)
        s.mailbox_id = val.items[0].text;
      else
        return Status::malformed("STATUS response: bad MAILBOXID");
      continue;
    }
    auto n = val.as_number();
    if (!n) return Status::malformed("STATUS response: " + key.text + " is not a number");
    if (key.is_atom("HIGHESTMODSEQ")) {
      s.highestmodseq = *n;
      continue;
    }
    if (*n > UINT32_MAX) return Status::malformed("STATUS response: " + key.text + " out of range");
    uint32_t v = static_cast<uint32_t>(*n);
    if (key.is_atom("UIDVALIDITY")) s.uidvalidity = v;
    else if (key.is_atom("MESSAGES")) s.messages = v;
    else if (key.is_atom("UIDNEXT")) s.uidnext = v;
    // Other attributes (UNSEEN, RECENT, SIZE, ...) are not needed here.
  }
  return s;
}

MailFolderInfo make_folder_info(const ImapListEntry& e, const ImapMailboxStatus* status) {
  MailFolderInfo f;
  f.name = e.name;
  f.delimiter = e.delimiter;
  f.parent_name = std::string(mailbox_parent(e.name, e.delimiter));
  std::string_view leaf = mailbox_leaf(e.name, e.delimiter);
  Result<std::string> display = mutf7_to_utf8(leaf);
  if (display) {
    f.display_name = std::move(display).value();
  } else {
    // Show the raw name rather than hide the folder.
    if (first_time_for_cause("imap_bad_mutf7"))
      log_warn("imap").msg("mailbox name is not valid modified UTF-7; showing it raw");
    f.display_name = std::string(leaf);
  }
  f.special_use = e.name == "INBOX" ? SpecialUse::kInbox : special_use_of(e.attributes);
  f.selectable = !has_attr(e.attributes, "\\Noselect") && !has_attr(e.attributes, "\\NonExistent");
  if (status) {
    f.uidvalidity = status->uidvalidity;
    f.mailbox_id = status->mailbox_id;
  }
  return f;
}

Result<std::vector<MailFolderInfo>> folders_from_responses(
    const std::vector<ImapResponse>& untagged) {
  std::vector<ImapListEntry> entries;
  std::unordered_map<std::string, ImapMailboxStatus> statuses;
  for (const ImapResponse& r : untagged) {
    if (r.keyword == "LIST") {
      auto e = parse_list_response(r);
      if (!e) return e.status();
      entries.push_back(std::move(e).value());
    } else if (r.keyword == "STATUS") {
      auto s = parse_status_response(r);
      if (!s) return s.status();
      std::string name = s->name;
      statuses[name] = std::move(s).value();
    }
  }
  std::vector<MailFolderInfo> out;
  out.reserve(entries.size());
  for (const ImapListEntry& e : entries) {
    auto it = statuses.find(e.name);
    out.push_back(make_folder_info(e, it == statuses.end() ? nullptr : &it->second));
  }
  std::stable_partition(out.begin(), out.end(),
                        [](const MailFolderInfo& f) { return f.name == "INBOX"; });
  return out;
}

}  // namespace easgate
