// The read side of a mail sync: folder_state, changes_since, list_messages,
// fetch_summaries, fetch_message (see imap_mail_store.h for the costs).

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "backends/imap/imap_fetch.h"
#include "backends/imap/imap_list.h"
#include "backends/imap/imap_mail_store.h"
#include "backends/imap/imap_mailbox_session.h"
#include "backends/imap/imap_sequence.h"
#include "backends/imap/loop_defer.h"
#include "gateway/core/log.h"

namespace easgate {
namespace {

constexpr char kLog[] = "imap";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

bool condstore(ImapLease& lease) {
  return lease->has_capability("CONDSTORE") || lease->has_capability("QRESYNC");
}

// Every FETCH response of `untagged` parsed; unsolicited ones are included (callers
// filter by UID).
Result<std::vector<ImapFetchData>> fetches(const std::vector<ImapResponse>& untagged) {
  std::vector<ImapFetchData> out;
  for (const ImapResponse& r : untagged) {
    if (r.keyword != "FETCH") continue;
    auto d = parse_fetch_response(r);
    if (!d) return d.status();
    if (d->uid != 0) out.push_back(std::move(d).value());
  }
  return out;
}

// The snapshot diff of the degraded path: what differs between the caller's uid+flags
// and the server's listing.
// Flags equal as sets: a server may list the same keywords in another order (RFC 3501
// 7.4.2 gives FLAGS no order), which is no change.
bool same_flags(const MessageFlags& a, const MessageFlags& b) {
  if (a.seen != b.seen || a.flagged != b.flagged || a.answered != b.answered ||
      a.forwarded != b.forwarded || a.deleted != b.deleted || a.draft != b.draft ||
      a.keywords.size() != b.keywords.size())
    return false;
  if (a.keywords == b.keywords) return true;
  std::vector<std::string> x = a.keywords, y = b.keywords;
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  return x == y;
}

void diff_snapshot(const std::vector<MessageChange>& snapshot, std::vector<ImapFetchData>& now,
                   MessageChanges* out) {
  std::unordered_map<uint32_t, const MessageFlags*> known;
  known.reserve(snapshot.size());
  for (const MessageChange& m : snapshot) known[m.uid] = &m.flags;
  std::unordered_map<uint32_t, bool> present;
  present.reserve(now.size());
  for (ImapFetchData& d : now) {
    if (!d.flags) continue;
    present[d.uid] = true;
    auto it = known.find(d.uid);
    if (it != known.end() && same_flags(*it->second, *d.flags)) continue;
    out->changed.push_back({d.uid, std::move(*d.flags), d.modseq});
  }
  for (const MessageChange& m : snapshot)
    if (!present.count(m.uid)) out->vanished.push_back(m.uid);
  std::sort(out->vanished.begin(), out->vanished.end());
  out->vanished.erase(std::unique(out->vanished.begin(), out->vanished.end()), out->vanished.end());
}

MailFolderState state_of(const ImapSelectResult& s) {
  return MailFolderState{s.uidvalidity, s.uidnext, s.highestmodseq, s.exists};
}

}  // namespace

void ImapMailStore::folder_state(const Credentials& credentials, const std::string& mailbox,
                                 MailCallback<MailFolderState> done) {
  lease_session(
      *pool_, credentials, [mailbox, done = std::move(done)](Status st, SharedLease lease) {
        if (!st) {
          done(std::move(st));
          return;
        }
        // One STATUS. On the mailbox the session has selected, Dovecot answers STATUS from
        // the session's own view, which lags changes made by other sessions (observed: an
        // EXPUNGE elsewhere leaves MESSAGES/HIGHESTMODSEQ old, and a delete + re-create
        // leaves the old UIDVALIDITY even after NOOP). So the session leaves the mailbox
        // first (UNSELECT, RFC 3691; without it the session is not reused): two commands
        // then, one on every later call until something selects the mailbox again.
        auto cmd = command_builder(*lease).atom("STATUS").string(mailbox).raw(
            "(" + imap_status_items(lease->connection()) + ")");
        auto status = [lease, mailbox, cmd = cmd.build(), done]() {
        send_command(lease, cmd, [lease, mailbox, done](ImapReply reply) {
          Status st = mail_reply_status(*lease, reply, "IMAP STATUS " + mailbox);
          if (!st) return finish<MailFolderState>(lease, done, std::move(st));
          for (const ImapResponse& r : reply.untagged) {
            if (r.keyword != "STATUS") continue;
            auto s = parse_status_response(r);
            if (!s) return finish<MailFolderState>(lease, done, s.status());
            return finish<MailFolderState>(
                lease, done,
                MailFolderState{s->uidvalidity, s->uidnext, s->highestmodseq, s->messages});
          }
          finish<MailFolderState>(lease, done,
                                  Status::backend_error("IMAP STATUS returned no data"));
        });
        };
        ImapConnection& c = lease->connection();
        if (c.selected().name != mailbox) return status();
        c.set_selected({});
        if (!c.has_capability("UNSELECT")) {
          lease->discard();
          return status();
        }
        c.send_simple("UNSELECT", [lease, status](ImapReply reply) {
          if (reply.state != ImapReplyState::kOk) lease->discard();
          status();
        });
      });
}

void ImapMailStore::changes_since(const Credentials& credentials, const MailboxRef& folder,
                                  uint64_t modseq, const std::vector<MessageChange>& snapshot,
                                  MailCallback<MessageChanges> done) {
  if (folder.uidvalidity == 0)
    return answer_later<MessageChanges>(
        *pool_, std::move(done),
        Status::invalid_argument("changes_since needs the folder's UIDVALIDITY"));
  size_t max_uids = pool_->options().max_uids;
  // Whether QRESYNC is usable is known only once a session is leased.
  auto use_qresync = std::make_shared<bool>(false);
  SelectParam param = [folder, modseq, use_qresync](const ImapConnection& c) {
    *use_qresync = c.qresync_enabled() && modseq != 0;
    if (!*use_qresync) return std::string();
    return "(QRESYNC (" + std::to_string(folder.uidvalidity) + " " + std::to_string(modseq) + "))";
  };
  lease_selected(
      *pool_, credentials, folder, std::move(param),
      [use_qresync, modseq, snapshot, stats = stats_, max_uids, done = std::move(done)](
          Status st, SharedLease lease, ImapSelectResult sel) mutable {
        const bool qresync = *use_qresync;
        if (!st) {
          done(std::move(st));
          return;
        }
        MessageChanges out;
        out.state = state_of(sel);
        if (qresync && sel.highestmodseq != 0) {
          // RFC 7162 3.2.5.1: VANISHED (EARLIER) lists UIDs expunged since the modseq and the
          // FETCH responses carry every message changed or added since it.
          auto vanished = vanished_uids(sel.untagged, max_uids);
          if (!vanished) return finish<MessageChanges>(lease, done, vanished.status());
          out.vanished = std::move(vanished).value();
          auto changed = fetches(sel.untagged);
          if (!changed) return finish<MessageChanges>(lease, done, changed.status());
          for (ImapFetchData& d : *changed)
            if (d.flags) out.changed.push_back({d.uid, std::move(*d.flags), d.modseq});
          std::sort(out.changed.begin(), out.changed.end(),
                    [](const MessageChange& a, const MessageChange& b) { return a.uid < b.uid; });
          return finish<MessageChanges>(lease, done, std::move(out));
        }
        // Degraded: no QRESYNC (or no cursor yet): list every UID with its flags and diff.
        if (modseq != 0 || !lease->connection().qresync_enabled()) {
          ++stats->snapshot_fallbacks;
          if (first_time_for_cause("imap_no_qresync"))
            log_warn(kLog).msg("IMAP sync without QRESYNC: comparing full UID/FLAGS listings");
        }
        std::string items = condstore(*lease) ? "(UID FLAGS MODSEQ)" : "(UID FLAGS)";
        lease->connection().send_simple("UID FETCH 1:* " + items, [lease, out = std::move(out),
                                                                   snapshot = std::move(snapshot),
                                                                   done](ImapReply reply) mutable {
          Status st = mail_reply_status(*lease, reply, "IMAP UID FETCH 1:*");
          if (!st) return finish<MessageChanges>(lease, done, std::move(st));
          auto now = fetches(reply.untagged);
          if (!now) return finish<MessageChanges>(lease, done, now.status());
          out.from_snapshot = true;
          diff_snapshot(snapshot, *now, &out);
          std::sort(out.changed.begin(), out.changed.end(),
                    [](const MessageChange& a, const MessageChange& b) { return a.uid < b.uid; });
          finish<MessageChanges>(lease, done, std::move(out));
        });
      });
}

void ImapMailStore::list_messages(const Credentials& credentials, const MailboxRef& folder,
                                  const MessageListFilter& filter,
                                  MailCallback<MessageListing> done) {
  size_t max_uids = pool_->options().max_uids;
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(pool_->clock().wall_now().time_since_epoch())
          .count();
  lease_selected(
      *pool_, credentials, folder, nullptr,
      [filter, max_uids, now, done = std::move(done)](Status st, SharedLease lease,
                                                      ImapSelectResult sel) {
        if (!st) {
          done(std::move(st));
          return;
        }
        const bool esearch = lease->connection().has_capability("ESEARCH");
        std::string cmd = "UID SEARCH";
        // RFC 4731: RETURN (ALL COUNT) sends the matches as a compact UID set, so a 10,000
        // message folder answers in a few bytes.
        if (esearch) cmd += " RETURN (ALL COUNT)";
        std::string criteria;
        // SINCE has day granularity (RFC 3501 6.4.4): the listing would hold the cutoff
        // day's older messages, which the walk then drops, and GetItemEstimate would count
        // them. RFC 5032 YOUNGER takes seconds, so the window is exact.
        if (filter.since > 0 && now > filter.since && lease->connection().has_capability("WITHIN"))
          criteria += " YOUNGER " + std::to_string(now - filter.since);
        else if (filter.since > 0)
          criteria += " SINCE " + imap_search_date(filter.since);
        if (filter.uid_min > 0 || filter.uid_max > 0) {
          criteria += " UID " + std::to_string(std::max<uint32_t>(filter.uid_min, 1)) + ":" +
                      (filter.uid_max > 0 ? std::to_string(filter.uid_max) : std::string("*"));
        }
        cmd += criteria.empty() ? " ALL" : criteria;
        uint32_t uidvalidity = sel.uidvalidity;
        lease->connection().send_simple(
            cmd, [lease, filter, max_uids, uidvalidity, done](ImapReply reply) {
              Status st = mail_reply_status(*lease, reply, "IMAP UID SEARCH");
              if (!st) return finish<MessageListing>(lease, done, std::move(st));
              auto found = search_result(reply.untagged, max_uids);
              if (!found) return finish<MessageListing>(lease, done, found.status());
              std::vector<uint32_t>& uids = found->uids;
              // "UID n:*" matches the last message even when n is beyond it (RFC 3501 6.4.8).
              uids.erase(std::remove_if(uids.begin(), uids.end(),
                                        [&](uint32_t u) {
                                          return u < filter.uid_min ||
                                                 (filter.uid_max && u > filter.uid_max);
                                        }),
                         uids.end());
              MessageListing listing;
              listing.uidvalidity = uidvalidity;
              listing.total = std::min(found->count, uids.size());
              if (filter.limit > 0 && uids.size() > filter.limit)
                uids.erase(uids.begin(), uids.end() - static_cast<std::ptrdiff_t>(filter.limit));
              if (uids.empty()) return finish<MessageListing>(lease, done, std::move(listing));
              std::string fetch =
                  "UID FETCH " + format_uid_set(uids) + " (UID INTERNALDATE FLAGS RFC822.SIZE)";
              std::vector<uint32_t> wanted = uids;
              lease->connection().send_simple(
                  fetch, [lease, wanted = std::move(wanted), listing = std::move(listing),
                          done](ImapReply reply) mutable {
                    Status st = mail_reply_status(*lease, reply, "IMAP UID FETCH");
                    if (!st) return finish<MessageListing>(lease, done, std::move(st));
                    auto got = fetches(reply.untagged);
                    if (!got) return finish<MessageListing>(lease, done, got.status());
                    for (ImapFetchData& d : *got) {
                      if (!std::binary_search(wanted.begin(), wanted.end(), d.uid) || !d.flags)
                        continue;
                      listing.messages.push_back({d.uid, d.internal_date.value_or(0),
                                                  std::move(*d.flags), d.size.value_or(0)});
                    }
                    std::sort(listing.messages.begin(), listing.messages.end(),
                              [](const MessageListEntry& a, const MessageListEntry& b) {
                                return a.uid > b.uid;
                              });
                    listing.messages.erase(
                        std::unique(listing.messages.begin(), listing.messages.end(),
                                    [](const MessageListEntry& a, const MessageListEntry& b) {
                                      return a.uid == b.uid;
                                    }),
                        listing.messages.end());
                    finish<MessageListing>(lease, done, std::move(listing));
                  });
            });
      });
}

void ImapMailStore::fetch_summaries(const Credentials& credentials, const MailboxRef& folder,
                                    const std::vector<uint32_t>& uids, bool with_header,
                                    MailCallback<std::vector<MessageSummary>> done) {
  std::string set = format_uid_set(uids);
  if (set.empty()) {
    return answer_later<std::vector<MessageSummary>>(*pool_, std::move(done),
                                                     std::vector<MessageSummary>{});
  }
  lease_selected(*pool_, credentials, folder, nullptr,
                 [set, uids, with_header, done = std::move(done)](Status st, SharedLease lease,
                                                                  ImapSelectResult) {
                   using Out = std::vector<MessageSummary>;
                   if (!st) {
                     done(std::move(st));
                     return;
                   }
                   std::string items = "UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE";
                   if (condstore(*lease)) items += " MODSEQ";
                   if (with_header) items += " BODY.PEEK[HEADER]";
                   std::vector<uint32_t> wanted = uids;
                   std::sort(wanted.begin(), wanted.end());
                   lease->connection().send_simple(
                       "UID FETCH " + set + " (" + items + ")",
                       [lease, wanted = std::move(wanted), done](ImapReply reply) {
                         Status st = mail_reply_status(*lease, reply, "IMAP UID FETCH");
                         if (!st) return finish<Out>(lease, done, std::move(st));
                         auto got = fetches(reply.untagged);
                         if (!got) return finish<Out>(lease, done, got.status());
                         Out out;
                         for (ImapFetchData& d : *got) {
                           // Unsolicited FETCHes (flag changes by other sessions) carry no
                           // ENVELOPE.
                           if (!std::binary_search(wanted.begin(), wanted.end(), d.uid)) continue;
                           if (!d.envelope && d.parse_error.empty() && !d.body) continue;
                           MessageSummary m;
                           m.uid = d.uid;
                           if (d.flags) m.flags = std::move(*d.flags);
                           m.modseq = d.modseq;
                           m.internal_date = d.internal_date.value_or(0);
                           m.size = d.size.value_or(0);
                           if (d.envelope) m.envelope = std::move(*d.envelope);
                           if (d.body) m.body = std::move(*d.body);
                           m.body_error = std::move(d.parse_error);
                           if (!d.body && m.body_error.empty())
                             m.body_error = "no BODYSTRUCTURE in the response";
                           for (auto& [section, data] : d.sections)
                             if (section == "HEADER") m.header = std::move(data);
                           out.push_back(std::move(m));
                         }
                         std::sort(out.begin(), out.end(),
                                   [](const MessageSummary& a, const MessageSummary& b) {
                                     return a.uid < b.uid;
                                   });
                         finish<Out>(lease, done, std::move(out));
                       });
                 });
}

void ImapMailStore::fetch_messages(const Credentials& credentials, const MailboxRef& folder,
                                   const std::vector<uint32_t>& uids, uint64_t max_bytes,
                                   MailCallback<std::vector<FetchedMessage>> done) {
  using Out = std::vector<FetchedMessage>;
  std::string set = format_uid_set(uids);
  if (set.empty()) return answer_later<Out>(*pool_, std::move(done), Out{});
  const ImapOptions& o = pool_->options();
  uint64_t max = std::min<uint64_t>(o.max_message_bytes, o.parser_limits.max_literal - 1);
  if (max_bytes > 0) max = std::min(max, max_bytes);
  std::vector<uint32_t> wanted = uids;
  std::sort(wanted.begin(), wanted.end());
  lease_selected(
      *pool_, credentials, folder, nullptr,
      [set, max, wanted = std::move(wanted), done = std::move(done)](
          Status st, SharedLease lease, ImapSelectResult) mutable {
        if (!st) {
          done(std::move(st));
          return;
        }
        std::string items = "UID FLAGS INTERNALDATE RFC822.SIZE";
        if (condstore(*lease)) items += " MODSEQ";
        // A partial fetch bounds each literal: a huge message costs max bytes, not all.
        items += " BODY.PEEK[]<0." + std::to_string(max) + ">";
        lease->connection().send_simple(
            "UID FETCH " + set + " (" + items + ")",
            [lease, wanted = std::move(wanted), max, done](ImapReply reply) {
              Status st = mail_reply_status(*lease, reply, "IMAP UID FETCH BODY[]");
              if (!st) return finish<Out>(lease, done, std::move(st));
              auto got = fetches(reply.untagged);
              if (!got) return finish<Out>(lease, done, got.status());
              Out out;
              out.reserve(got->size());
              for (ImapFetchData& d : *got) {
                if (!std::binary_search(wanted.begin(), wanted.end(), d.uid)) continue;
                std::string* bytes = nullptr;
                for (auto& [name, data] : d.sections)
                  if (name.empty()) bytes = &data;
                if (!bytes) continue;  // an unsolicited FETCH (flags only)
                FetchedMessage m;
                m.uid = d.uid;
                if (d.flags) m.flags = std::move(*d.flags);
                m.modseq = d.modseq;
                m.internal_date = d.internal_date.value_or(0);
                m.size = d.size.value_or(bytes->size());
                m.bytes = std::move(*bytes);
                m.truncated = m.size > m.bytes.size() && m.bytes.size() >= max;
                out.push_back(std::move(m));
              }
              std::sort(out.begin(), out.end(), [](const FetchedMessage& a, const FetchedMessage& b) {
                return a.uid < b.uid;
              });
              out.erase(std::unique(out.begin(), out.end(),
                                    [](const FetchedMessage& a, const FetchedMessage& b) {
                                      return a.uid == b.uid;
                                    }),
                        out.end());
              finish<Out>(lease, done, std::move(out));
            });
      });
}

void ImapMailStore::fetch_message(const Credentials& credentials, const MailboxRef& folder,
                                  uint32_t uid, const MessagePart& part,
                                  MailCallback<std::string> done) {
  for (char c : part.section) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.')
      return answer_later<std::string>(
          *pool_, std::move(done), Status::invalid_argument("bad section spec: " + part.section));
  }
  if (uid == 0)
    return answer_later<std::string>(*pool_, std::move(done), Status::invalid_argument("UID 0"));
  // Always a partial fetch capped one byte beyond the maximum: a too large message is
  // detected without the server sending all of it or the parser dropping the session.
  const ImapOptions& o = pool_->options();
  uint64_t max = std::min<uint64_t>(o.max_message_bytes, o.parser_limits.max_literal - 1);
  uint64_t cap = max + 1;
  uint64_t length = part.length > 0 ? std::min(part.length, cap) : cap;
  std::string cmd = "UID FETCH " + std::to_string(uid) + " (UID BODY.PEEK[" + part.section + "]<" +
                    std::to_string(part.offset) + "." + std::to_string(length) + ">)";
  lease_selected(
      *pool_, credentials, folder, nullptr,
      [cmd, uid, max, section = part.section, done = std::move(done)](Status st, SharedLease lease,
                                                                      ImapSelectResult) {
        if (!st) {
          done(std::move(st));
          return;
        }
        lease->connection().send_simple(cmd, [lease, uid, max, section, done](ImapReply reply) {
          Status st = mail_reply_status(*lease, reply, "IMAP UID FETCH BODY");
          if (!st) return finish<std::string>(lease, done, std::move(st));
          auto got = fetches(reply.untagged);
          if (!got) return finish<std::string>(lease, done, got.status());
          for (ImapFetchData& d : *got) {
            if (d.uid != uid) continue;
            for (auto& [name, data] : d.sections) {
              // The reply names the section with its origin: "1.2]<0" is not sent; the key is
              // "BODY[1.2]<0>" and parse_fetch_response keeps "1.2".
              if (!iequals(name, section)) continue;
              if (data.size() > max)
                return finish<std::string>(
                    lease, done,
                    Status::too_large("message larger than " + std::to_string(max) + " bytes"));
              return finish<std::string>(lease, done, std::move(data));
            }
          }
          finish<std::string>(lease, done,
                              Status::not_found("no message with UID " + std::to_string(uid)));
        });
      });
}

}  // namespace easgate
