// Folder operations (create_folder, delete_folder, rename_folder) and search.

#include <algorithm>

#include "backends/imap/imap_fetch.h"
#include "backends/imap/imap_list.h"
#include "backends/imap/imap_mail_store.h"
#include "backends/imap/imap_mailbox_session.h"
#include "backends/imap/imap_sequence.h"
#include "backends/imap/mailbox_name.h"

namespace easgate {
namespace {

using NameDone = MailCallback<std::string>;

// Runs `next(delimiter)` once the session's hierarchy delimiter is known: cached on the
// connection, else one LIST "" "" (RFC 3501 6.3.8: returns the delimiter and root).
void with_delimiter(SharedLease lease, std::function<void(Status, char)> next) {
  int known = lease->connection().hierarchy_delimiter();
  if (known >= 0) {
    next(Status::ok(), static_cast<char>(known));
    return;
  }
  lease->connection().send_simple("LIST \"\" \"\"", [lease, next](ImapReply reply) {
    Status st = mail_reply_status(*lease, reply, "IMAP LIST \"\" \"\"");
    if (!st) return next(std::move(st), 0);
    for (const ImapResponse& r : reply.untagged) {
      if (r.keyword != "LIST" || r.values.size() < 2) continue;
      const ImapValue& d = r.values[1];
      int delim = d.kind == ImapValueKind::kString && d.text.size() == 1 ? d.text[0] : 0;
      lease->connection().set_hierarchy_delimiter(delim);
      return next(Status::ok(), static_cast<char>(delim));
    }
    next(Status::backend_error("IMAP LIST \"\" \"\" returned no delimiter"), 0);
  });
}

// parent + delimiter + modified UTF-7 of the leaf the user typed.
Result<std::string> child_name(const std::string& parent, const std::string& display, char delim) {
  if (display.empty()) return Status::invalid_argument("empty folder name");
  if (delim != 0 && display.find(delim) != std::string::npos)
    return Status::invalid_argument(std::string("folder name may not contain '") + delim + "'");
  auto leaf = utf8_to_mutf7(display);
  if (!leaf) return Status::invalid_argument("folder name is not valid UTF-8");
  if (parent.empty()) return *leaf;
  if (delim == 0) return Status::invalid_argument("the server has a flat namespace");
  return parent + delim + *leaf;
}

// Runs `next` once the session no longer has `name` selected: Dovecot answers a DELETE or
// RENAME of the selected mailbox with BYE, which would cost the session. UNSELECT
// (RFC 3691) leaves it without expunging; without UNSELECT the session is discarded after
// use instead.
void leave_if_selected(const SharedLease& lease, const std::string& name,
                       std::function<void()> next) {
  ImapConnection& c = lease->connection();
  if (c.selected().name != name) return next();
  c.set_selected({});
  if (!c.has_capability("UNSELECT")) {
    lease->discard();
    return next();
  }
  c.send_simple("UNSELECT", [lease, next](ImapReply reply) {
    if (reply.state != ImapReplyState::kOk) lease->discard();
    next();
  });
}

}  // namespace

void ImapMailStore::create_folder(const Credentials& credentials, const std::string& parent,
                                  const std::string& display_name, NameDone done) {
  lease_session(*pool_, credentials,
                [parent, display_name, done = std::move(done)](Status st, SharedLease lease) {
                  if (!st) {
                    done(std::move(st));
                    return;
                  }
                  with_delimiter(lease, [lease, parent, display_name, done](Status st, char delim) {
                    if (!st) return finish<std::string>(lease, done, std::move(st));
                    auto name = child_name(parent, display_name, delim);
                    if (!name) return finish<std::string>(lease, done, name.status());
                    auto cmd = command_builder(*lease).atom("CREATE").string(*name);
                    send_command(lease, cmd.build(), [lease, name = *name, done](ImapReply reply) {
                      Status st = mail_reply_status(*lease, reply, "IMAP CREATE " + name);
                      if (!st) return finish<std::string>(lease, done, std::move(st));
                      finish<std::string>(lease, done, name);
                    });
                  });
                });
}

void ImapMailStore::delete_folder(const Credentials& credentials, const std::string& mailbox,
                                  std::function<void(Status)> done) {
  lease_session(*pool_, credentials,
                [mailbox, done = std::move(done)](Status st, SharedLease lease) {
                  if (!st) {
                    done(std::move(st));
                    return;
                  }
                  leave_if_selected(lease, mailbox, [lease, mailbox, done] {
                    auto cmd = command_builder(*lease).atom("DELETE").string(mailbox);
                    send_command(lease, cmd.build(), [lease, mailbox, done](ImapReply reply) {
                      Status st = mail_reply_status(*lease, reply, "IMAP DELETE " + mailbox);
                      lease->release();
                      done(std::move(st));
                    });
                  });
                });
}

void ImapMailStore::rename_folder(const Credentials& credentials, const std::string& mailbox,
                                  const std::string& new_parent, const std::string& display_name,
                                  NameDone done) {
  lease_session(
      *pool_, credentials,
      [mailbox, new_parent, display_name, done = std::move(done)](Status st, SharedLease lease) {
        if (!st) {
          done(std::move(st));
          return;
        }
        with_delimiter(
            lease, [lease, mailbox, new_parent, display_name, done](Status st, char delim) {
              if (!st) return finish<std::string>(lease, done, std::move(st));
              auto name = child_name(new_parent, display_name, delim);
              if (!name) return finish<std::string>(lease, done, name.status());
              leave_if_selected(lease, mailbox, [lease, mailbox, name = *name, done] {
                auto cmd = command_builder(*lease).atom("RENAME").string(mailbox).string(name);
                send_command(lease, cmd.build(), [lease, mailbox, name, done](ImapReply reply) {
                  Status st = mail_reply_status(*lease, reply, "IMAP RENAME " + mailbox);
                  if (!st) return finish<std::string>(lease, done, std::move(st));
                  finish<std::string>(lease, done, name);
                });
              });
            });
      });
}

namespace {

using HitsDone = MailCallback<std::vector<MailSearchHit>>;

struct SearchWalk {
  SharedLease lease;
  MailSearchQuery query;
  std::vector<std::string> mailboxes;
  size_t next = 0;
  size_t max_uids = 0;
  std::vector<MailSearchHit> hits;
  HitsDone done;
};

bool ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// UID SEARCH [RETURN (ALL)] [CHARSET UTF-8] criteria (RFC 3501 6.4.4, RFC 4731).
Result<ImapCommand> search_command(ImapLease& lease, const MailSearchQuery& q) {
  auto b = command_builder(lease).atom("UID SEARCH");
  if (lease->has_capability("ESEARCH")) b.raw("RETURN (ALL)");
  bool utf8 = !ascii(q.text) || !ascii(q.from) || !ascii(q.to) || !ascii(q.subject);
  for (const auto& [name, value] : q.any_header) utf8 = utf8 || !ascii(name) || !ascii(value);
  if (utf8) b.atom("CHARSET UTF-8");
  bool any = false;
  auto key = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    b.atom(name).string(value);
    any = true;
  };
  key("TEXT", q.text);
  key("FROM", q.from);
  key("TO", q.to);
  key("SUBJECT", q.subject);
  if (q.since > 0) {
    b.atom("SINCE").atom(imap_search_date(q.since));
    any = true;
  }
  if (q.before > 0) {
    b.atom("BEFORE").atom(imap_search_date(q.before));
    any = true;
  }
  // OR k1 OR k2 k3: OR takes two keys, so n keys need n - 1 ORs in prefix form.
  for (size_t i = 0; i < q.any_header.size(); ++i) {
    if (i + 1 < q.any_header.size()) b.atom("OR");
    b.atom("HEADER").string(q.any_header[i].first).string(q.any_header[i].second);
    any = true;
  }
  if (!any) b.atom("ALL");
  return b.build();
}

void search_next(std::shared_ptr<SearchWalk> walk) {
  if (walk->next >= walk->mailboxes.size())
    return finish<std::vector<MailSearchHit>>(walk->lease, walk->done, std::move(walk->hits));
  std::string name = walk->mailboxes[walk->next++];
  ImapConnection& c = walk->lease->connection();
  auto search = [walk, name](uint32_t uidvalidity) {
    send_command(
        walk->lease, search_command(*walk->lease, walk->query),
        [walk, name, uidvalidity](ImapReply reply) {
          Status st = mail_reply_status(*walk->lease, reply, "IMAP UID SEARCH");
          if (!st)
            return finish<std::vector<MailSearchHit>>(walk->lease, walk->done, std::move(st));
          auto found = search_result(reply.untagged, walk->max_uids);
          if (!found)
            return finish<std::vector<MailSearchHit>>(walk->lease, walk->done, found.status());
          for (auto it = found->uids.rbegin(); it != found->uids.rend(); ++it)
            walk->hits.push_back({name, uidvalidity, *it});
          search_next(walk);
        });
  };
  if (c.selected().name == name) return search(c.selected().uidvalidity);
  c.set_selected({});
  auto cmd = command_builder(*walk->lease).atom("SELECT").string(name);
  send_command(walk->lease, cmd.build(), [walk, name, search](ImapReply reply) {
    Status st = mail_reply_status(*walk->lease, reply, "IMAP SELECT " + name);
    if (reply.state == ImapReplyState::kNo) return search_next(walk);  // gone meanwhile
    if (!st) return finish<std::vector<MailSearchHit>>(walk->lease, walk->done, std::move(st));
    uint32_t uidvalidity = 0;
    for (const ImapResponse& r : reply.untagged)
      if (r.condition == ImapCondition::kOk && r.code == "UIDVALIDITY" && r.code_args.size() == 1)
        uidvalidity = static_cast<uint32_t>(r.code_args[0].as_number().value_or(0));
    walk->lease->connection().set_selected({name, uidvalidity});
    search(uidvalidity);
  });
}

}  // namespace

void ImapMailStore::search(const Credentials& credentials, const MailSearchQuery& query,
                           HitsDone done) {
  auto walk = std::make_shared<SearchWalk>();
  walk->query = query;
  walk->mailboxes = query.mailboxes;
  walk->max_uids = pool_->options().max_uids;
  walk->done = std::move(done);
  lease_session(*pool_, credentials, [walk](Status st, SharedLease lease) {
    if (!st) {
      walk->done(std::move(st));
      return;
    }
    walk->lease = std::move(lease);
    if (!walk->mailboxes.empty()) return search_next(walk);
    // Every folder: LIST, skipping hierarchy-only nodes and the virtual \All / \Flagged
    // folders, which would report every message twice.
    walk->lease->connection().send_simple("LIST \"\" \"*\"", [walk](ImapReply reply) {
      Status st = mail_reply_status(*walk->lease, reply, "IMAP LIST");
      if (!st) return finish<std::vector<MailSearchHit>>(walk->lease, walk->done, std::move(st));
      for (const ImapResponse& r : reply.untagged) {
        if (r.keyword != "LIST") continue;
        auto e = parse_list_response(r);
        if (!e) return finish<std::vector<MailSearchHit>>(walk->lease, walk->done, e.status());
        MailFolderInfo f = make_folder_info(*e, nullptr);
        if (!f.selectable || f.special_use == SpecialUse::kAll ||
            f.special_use == SpecialUse::kFlagged)
          continue;
        walk->mailboxes.push_back(e->name);
      }
      search_next(walk);
    });
  });
}

}  // namespace easgate
