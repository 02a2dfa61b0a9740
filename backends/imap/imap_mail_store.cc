#include "backends/imap/imap_mail_store.h"

#include "backends/imap/imap_list.h"
#include "gateway/core/log.h"

namespace easgate {
namespace {

using FoldersDone = std::function<void(Result<std::vector<MailFolderInfo>>)>;

// State of one fallback listing: LIST done, STATUS per mailbox in turn.
struct StatusWalk {
  std::shared_ptr<ImapLease> lease;
  std::vector<ImapResponse> responses;  // LIST responses, then STATUS responses
  std::vector<std::string> names;       // selectable mailboxes still to STATUS
  size_t next = 0;
  std::string items;
  FoldersDone done;
};

void status_next(std::shared_ptr<StatusWalk> walk) {
  if (walk->next >= walk->names.size()) {
    walk->lease->release();
    walk->done(folders_from_responses(walk->responses));
    return;
  }
  ImapConnection& c = walk->lease->connection();
  Result<ImapCommand> cmd = ImapCommandBuilder(c.has_capability("LITERAL+"))
                                .atom("STATUS")
                                .string(walk->names[walk->next++])
                                .raw("(" + walk->items + ")")
                                .build();
  if (!cmd) {
    status_next(walk);
    return;
  }
  c.send(std::move(cmd).value(), [walk](ImapReply reply) {
    if (reply.state == ImapReplyState::kDisconnected || reply.state == ImapReplyState::kTimeout) {
      walk->lease->discard();
      walk->lease->release();
      walk->done(imap_reply_status(reply, "IMAP STATUS"));
      return;
    }
    // NO: the mailbox vanished between LIST and STATUS; it keeps uidvalidity 0.
    for (ImapResponse& r : reply.untagged)
      if (r.keyword == "STATUS") walk->responses.push_back(std::move(r));
    status_next(walk);
  });
}

}  // namespace

std::string imap_status_items(const ImapConnection& c) {
  std::string items = "UIDVALIDITY MESSAGES UIDNEXT";
  if (c.has_capability("CONDSTORE") || c.has_capability("QRESYNC")) items += " HIGHESTMODSEQ";
  if (c.has_capability("OBJECTID")) items += " MAILBOXID";  // RFC 8474 4
  return items;
}

void ImapMailStore::list_folders(const Credentials& credentials, FoldersDone done) {
  pool_->acquire(credentials, [stats = stats_, done = std::move(done)](Result<ImapLease> acquired) mutable {
    if (!acquired) {
      done(acquired.status());
      return;
    }
    auto lease = std::make_shared<ImapLease>(std::move(acquired).value());
    ImapConnection& c = lease->connection();
    const bool list_status = c.has_capability("LIST-STATUS");
    const bool special_use = c.has_capability("SPECIAL-USE");
    const bool list_extended = c.has_capability("LIST-EXTENDED");
    const std::string items = imap_status_items(c);

    std::string command = "LIST \"\" \"*\"";
    if (list_status) {
      // RFC 5819 2 / RFC 6154 2: one round trip for names, roles and STATUS.
      command += " RETURN (";
      if (special_use) command += "SPECIAL-USE ";
      command += "STATUS (" + items + "))";
    } else if (special_use && list_extended) {
      command += " RETURN (SPECIAL-USE)";
    }
    if (!list_status) {
      ++stats->list_status_fallbacks;
      if (first_time_for_cause("imap_no_list_status"))
        log_warn("imap").msg("IMAP server lacks LIST-STATUS; using STATUS per mailbox");
    }
    c.send_simple(command, [lease, list_status, items, done = std::move(done)](
                               ImapReply reply) mutable {
      if (reply.state != ImapReplyState::kOk) {
        if (reply.state != ImapReplyState::kNo) lease->discard();
        lease->release();
        done(imap_reply_status(reply, "IMAP LIST"));
        return;
      }
      if (list_status) {
        lease->release();
        done(folders_from_responses(reply.untagged));
        return;
      }
      auto walk = std::make_shared<StatusWalk>();
      walk->lease = lease;
      walk->items = items;
      walk->done = std::move(done);
      for (ImapResponse& r : reply.untagged) {
        if (r.keyword != "LIST") continue;
        auto e = parse_list_response(r);
        if (!e) {
          lease->release();
          walk->done(e.status());
          return;
        }
        MailFolderInfo f = make_folder_info(*e, nullptr);
        if (f.selectable) walk->names.push_back(e->name);
        walk->responses.push_back(std::move(r));
      }
      status_next(walk);
    });
  });
}

}  // namespace easgate
