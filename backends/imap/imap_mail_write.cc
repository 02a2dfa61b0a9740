// The write side of a mail sync: store_flags, move_messages, append_message,
// expunge_messages.

#include <algorithm>
#include <map>

#include "backends/imap/imap_fetch.h"
#include "backends/imap/imap_mail_store.h"
#include "backends/imap/imap_mailbox_session.h"
#include "backends/imap/imap_sequence.h"
#include "gateway/core/log.h"

namespace easgate {
namespace {

constexpr char kLog[] = "imap";

using StoreDone = MailCallback<FlagUpdateResult>;

// Sends the (at most two: add, remove) STOREs of a flag update in turn, collecting the
// FETCH answers and MODIFIED codes.
void run_stores(SharedLease lease, std::vector<std::string> commands, size_t next,
                std::shared_ptr<std::map<uint32_t, MessageChange>> updated,
                std::shared_ptr<std::vector<uint32_t>> modified, size_t max_uids, StoreDone done) {
  if (next >= commands.size()) {
    FlagUpdateResult r;
    for (auto& [uid, change] : *updated) r.updated.push_back(std::move(change));
    std::sort(modified->begin(), modified->end());
    modified->erase(std::unique(modified->begin(), modified->end()), modified->end());
    r.modified = std::move(*modified);
    // A message refused by UNCHANGEDSINCE may still appear in `updated` from an
    // unsolicited FETCH; it was not changed by us.
    r.updated.erase(std::remove_if(r.updated.begin(), r.updated.end(),
                                   [&](const MessageChange& c) {
                                     return std::binary_search(r.modified.begin(), r.modified.end(),
                                                               c.uid);
                                   }),
                    r.updated.end());
    return finish<FlagUpdateResult>(lease, done, std::move(r));
  }
  std::string cmd = commands[next];
  lease->connection().send_simple(cmd, [lease, commands = std::move(commands), next, updated,
                                        modified, max_uids, done](ImapReply reply) mutable {
    Status st = mail_reply_status(*lease, reply, "IMAP UID STORE");
    if (!st) return finish<FlagUpdateResult>(lease, done, std::move(st));
    for (const ImapResponse& r : reply.untagged) {
      if (r.keyword != "FETCH") continue;
      auto d = parse_fetch_response(r);
      if (!d) return finish<FlagUpdateResult>(lease, done, d.status());
      if (d->uid == 0 || !d->flags) continue;
      (*updated)[d->uid] = MessageChange{d->uid, std::move(*d->flags), d->modseq};
    }
    // RFC 7162 3.1.3: "OK [MODIFIED set]" names the messages UNCHANGEDSINCE refused.
    if (reply.code == "MODIFIED" && reply.code_args.size() == 1 &&
        reply.code_args[0].kind == ImapValueKind::kAtom) {
      auto uids = parse_uid_set(reply.code_args[0].text, max_uids);
      if (!uids) return finish<FlagUpdateResult>(lease, done, uids.status());
      modified->insert(modified->end(), uids->begin(), uids->end());
    }
    run_stores(lease, std::move(commands), next + 1, updated, modified, max_uids, done);
  });
}

}  // namespace

void ImapMailStore::store_flags(const Credentials& credentials, const MailboxRef& folder,
                                const std::vector<uint32_t>& uids, const FlagUpdate& update,
                                MailCallback<FlagUpdateResult> done) {
  std::string set = format_uid_set(uids);
  auto add = imap_flag_list(update.add);
  auto remove = imap_flag_list(update.remove);
  if (!add) return answer_later<FlagUpdateResult>(*pool_, std::move(done), add.status());
  if (!remove) return answer_later<FlagUpdateResult>(*pool_, std::move(done), remove.status());
  if (set.empty() || (add->empty() && remove->empty()))
    return answer_later<FlagUpdateResult>(*pool_, std::move(done), FlagUpdateResult{});
  if (folder.uidvalidity == 0)
    return answer_later<FlagUpdateResult>(
        *pool_, std::move(done), Status::invalid_argument("store_flags needs UIDVALIDITY"));
  size_t max_uids = pool_->options().max_uids;
  lease_selected(*pool_, credentials, folder, nullptr,
                 [set, add = *add, remove = *remove, since = update.unchanged_since, max_uids,
                  done = std::move(done)](Status st, SharedLease lease, ImapSelectResult) {
                   if (!st) {
                     done(std::move(st));
                     return;
                   }
                   std::string modifier;
                   if (since > 0 && (lease->connection().has_capability("CONDSTORE") ||
                                     lease->connection().has_capability("QRESYNC")))
                     modifier = " (UNCHANGEDSINCE " + std::to_string(since) + ")";
                   // Not .SILENT: the untagged FETCH answers carry the new FLAGS and MODSEQ, which
                   // the sync engine records so it does not echo the device's own change back.
                   std::vector<std::string> commands;
                   if (!add.empty())
                     commands.push_back("UID STORE " + set + modifier + " +FLAGS (" + add + ")");
                   if (!remove.empty())
                     commands.push_back("UID STORE " + set + modifier + " -FLAGS (" + remove + ")");
                   run_stores(lease, std::move(commands), 0,
                              std::make_shared<std::map<uint32_t, MessageChange>>(),
                              std::make_shared<std::vector<uint32_t>>(), max_uids, done);
                 });
}

void ImapMailStore::move_messages(const Credentials& credentials, const MailboxRef& from,
                                  const std::vector<uint32_t>& uids, const std::string& to,
                                  MailCallback<MessageMoveResult> done) {
  std::string set = format_uid_set(uids);
  if (set.empty())
    return answer_later<MessageMoveResult>(*pool_, std::move(done), MessageMoveResult{});
  if (from.uidvalidity == 0)
    return answer_later<MessageMoveResult>(
        *pool_, std::move(done), Status::invalid_argument("move_messages needs UIDVALIDITY"));
  size_t max_uids = pool_->options().max_uids;
  lease_selected(
      *pool_, credentials, from, nullptr,
      [set, to, max_uids, stats = stats_, done = std::move(done)](Status st, SharedLease lease,
                                                                  ImapSelectResult) {
        if (!st) {
          done(std::move(st));
          return;
        }
        const bool move = lease->connection().has_capability("MOVE");
        const bool uidplus = lease->connection().has_capability("UIDPLUS");
        if (!move) {
          ++stats->move_fallbacks;
          if (first_time_for_cause("imap_no_move"))
            log_warn(kLog).msg(
                "IMAP server lacks MOVE; moving with COPY + \\Deleted + UID EXPUNGE");
        }
        // RFC 6851 3.1 UID MOVE; fallback RFC 3501 6.4.7 COPY then delete the originals.
        auto cmd =
            command_builder(*lease).atom(move ? "UID MOVE" : "UID COPY").atom(set).string(to);
        send_command(
            lease, cmd.build(), [lease, set, move, uidplus, max_uids, done](ImapReply reply) {
              Status st =
                  mail_reply_status(*lease, reply, move ? "IMAP UID MOVE" : "IMAP UID COPY");
              if (!st) return finish<MessageMoveResult>(lease, done, std::move(st));
              auto copy = find_copyuid(reply.code, reply.code_args, reply.untagged, max_uids);
              if (!copy) return finish<MessageMoveResult>(lease, done, copy.status());
              MessageMoveResult result{copy->uidvalidity, std::move(copy->uids)};
              if (move) return finish<MessageMoveResult>(lease, done, std::move(result));
              lease->connection().send_simple(
                  "UID STORE " + set + " +FLAGS.SILENT (\\Deleted)",
                  [lease, set, uidplus, result = std::move(result), done](ImapReply reply) mutable {
                    Status st = mail_reply_status(*lease, reply, "IMAP UID STORE \\Deleted");
                    if (!st) return finish<MessageMoveResult>(lease, done, std::move(st));
                    if (!uidplus) {
                      // A plain EXPUNGE would also remove what other clients marked \Deleted.
                      if (first_time_for_cause("imap_no_uidplus"))
                        log_warn(kLog).msg(
                            "IMAP server lacks UIDPLUS; moved originals stay \\Deleted");
                      return finish<MessageMoveResult>(lease, done, std::move(result));
                    }
                    lease->connection().send_simple(
                        "UID EXPUNGE " + set,
                        [lease, result = std::move(result), done](ImapReply reply) mutable {
                          Status st = mail_reply_status(*lease, reply, "IMAP UID EXPUNGE");
                          if (!st) return finish<MessageMoveResult>(lease, done, std::move(st));
                          finish<MessageMoveResult>(lease, done, std::move(result));
                        });
                  });
            });
      });
}

void ImapMailStore::append_message(const Credentials& credentials, const std::string& mailbox,
                                   const MessageFlags& flags, int64_t internal_date,
                                   std::string message, MailCallback<AppendResult> done) {
  auto list = imap_flag_list(flags);
  if (!list) return answer_later<AppendResult>(*pool_, std::move(done), list.status());
  if (message.empty())
    return answer_later<AppendResult>(*pool_, std::move(done),
                                      Status::invalid_argument("empty message"));
  auto data = std::make_shared<std::string>(std::move(message));
  lease_session(*pool_, credentials,
                [mailbox, list = *list, internal_date, data, done = std::move(done)](
                    Status st, SharedLease lease) {
                  if (!st) {
                    done(std::move(st));
                    return;
                  }
                  // RFC 3501 6.3.11: APPEND mailbox [(flags)] [date-time] literal; with LITERAL+
                  // the message goes out without waiting for "+" (RFC 7888).
                  auto cmd =
                      command_builder(*lease).atom("APPEND").string(mailbox).raw("(" + list + ")");
                  if (internal_date > 0) cmd.raw("\"" + imap_date_time(internal_date) + "\"");
                  cmd.literal(*data);
                  data->clear();
                  send_command(lease, cmd.build(), [lease, mailbox, done](ImapReply reply) {
                    Status st = mail_reply_status(*lease, reply, "IMAP APPEND " + mailbox);
                    if (!st) return finish<AppendResult>(lease, done, std::move(st));
                    AppendResult r;
                    // resp-code-apnd = "APPENDUID" SP nz-number SP append-uid (RFC 4315 4)
                    if (reply.code == "APPENDUID" && reply.code_args.size() == 2) {
                      auto v = reply.code_args[0].as_number();
                      auto u = reply.code_args[1].as_number();
                      if (v && u && *v <= UINT32_MAX && *u <= UINT32_MAX) {
                        r.uidvalidity = static_cast<uint32_t>(*v);
                        r.uid = static_cast<uint32_t>(*u);
                      }
                    }
                    finish<AppendResult>(lease, done, r);
                  });
                });
}

void ImapMailStore::expunge_messages(const Credentials& credentials, const MailboxRef& folder,
                                     const std::vector<uint32_t>& uids,
                                     std::function<void(Status)> done) {
  std::string set = format_uid_set(uids);
  auto answer = [this](std::function<void(Status)> cb, Status st) {
    defer_on_loop(pool_->base(), [cb = std::move(cb), st = std::move(st)]() { cb(st); });
  };
  if (set.empty()) return answer(std::move(done), Status::ok());
  if (folder.uidvalidity == 0)
    return answer(std::move(done), Status::invalid_argument("expunge_messages needs UIDVALIDITY"));
  lease_selected(
      *pool_, credentials, folder, nullptr,
      [set, done = std::move(done)](Status st, SharedLease lease, ImapSelectResult) {
        if (!st) {
          done(std::move(st));
          return;
        }
        auto end = [lease, done](Status st) {
          lease->release();
          done(std::move(st));
        };
        // Without UIDPLUS only a plain EXPUNGE exists, which would also remove what other
        // clients marked \Deleted: refuse before changing anything.
        if (!lease->connection().has_capability("UIDPLUS"))
          return end(Status::unsupported("IMAP server lacks UIDPLUS (UID EXPUNGE)"));
        lease->connection().send_simple(
            "UID STORE " + set + " +FLAGS.SILENT (\\Deleted)", [lease, set, end](ImapReply reply) {
              Status st = mail_reply_status(*lease, reply, "IMAP UID STORE \\Deleted");
              if (!st) return end(std::move(st));
              lease->connection().send_simple("UID EXPUNGE " + set, [lease, end](ImapReply reply) {
                end(mail_reply_status(*lease, reply, "IMAP UID EXPUNGE"));
              });
            });
      });
}

}  // namespace easgate
