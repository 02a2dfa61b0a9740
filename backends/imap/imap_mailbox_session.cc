#include "backends/imap/imap_mailbox_session.h"

#include "backends/imap/loop_defer.h"

namespace easgate {
namespace {

uint64_t code_number(const ImapResponse& r) {
  if (r.code_args.size() != 1) return 0;
  return r.code_args[0].as_number().value_or(0);
}

ImapSelectResult select_result(ImapReply& reply) {
  ImapSelectResult s;
  s.selected_now = true;
  for (const ImapResponse& r : reply.untagged) {
    if (r.keyword == "EXISTS" && r.has_number) s.exists = static_cast<uint32_t>(r.number);
    if (r.condition != ImapCondition::kOk) continue;
    if (r.code == "UIDVALIDITY")
      s.uidvalidity = static_cast<uint32_t>(code_number(r));
    else if (r.code == "UIDNEXT")
      s.uidnext = static_cast<uint32_t>(code_number(r));
    else if (r.code == "HIGHESTMODSEQ")
      s.highestmodseq = code_number(r);
    else if (r.code == "NOMODSEQ")
      s.highestmodseq = 0;  // RFC 7162 3.1.2.2
  }
  s.untagged = std::move(reply.untagged);
  return s;
}

}  // namespace

Status mail_reply_status(ImapLease& lease, const ImapReply& reply, std::string_view what) {
  if (reply.state == ImapReplyState::kOk) return Status::ok();
  if (reply.state == ImapReplyState::kDisconnected || reply.state == ImapReplyState::kTimeout)
    lease.discard();
  Status st = imap_reply_status(reply, what);
  if (reply.state == ImapReplyState::kNo) {
    // RFC 5530 3 response codes say what kind of refusal it was.
    if (reply.code == "NONEXISTENT") return Status::not_found(st.message());
    // Dovecot 2.3 answers STATUS on a missing mailbox without the code (SELECT has it).
    if (reply.code.empty() && reply.text.rfind("Mailbox doesn't exist", 0) == 0)
      return Status::not_found(st.message());
    if (reply.code == "ALREADYEXISTS") return Status::conflict(st.message());
    if (reply.code == "OVERQUOTA" || reply.code == "LIMIT") return Status::too_large(st.message());
  }
  return st;
}

ImapCommandBuilder command_builder(ImapLease& lease) {
  return ImapCommandBuilder(lease->has_capability("LITERAL+"));
}

void send_command(const SharedLease& lease, Result<ImapCommand> command, ImapCallback done) {
  if (!command) {
    ImapReply reply;
    reply.state = ImapReplyState::kBad;
    reply.text = "not sent: " + command.status().message();
    done(std::move(reply));  // callers run inside a deferred callback already
    return;
  }
  lease->connection().send(std::move(command).value(), std::move(done));
}

void lease_session(ImapSessionPool& pool, const Credentials& credentials,
                   std::function<void(Status, SharedLease)> done) {
  pool.acquire(credentials, [done = std::move(done)](Result<ImapLease> acquired) {
    if (!acquired) {
      done(acquired.status(), nullptr);
      return;
    }
    done(Status::ok(), std::make_shared<ImapLease>(std::move(acquired).value()));
  });
}

void lease_selected(ImapSessionPool& pool, const Credentials& credentials, const MailboxRef& folder,
                    SelectParam param, SelectedDone done) {
  lease_session(
      pool, credentials,
      [folder, param = std::move(param), done = std::move(done)](Status st, SharedLease lease) {
        if (!st) {
          done(std::move(st), nullptr, {});
          return;
        }
        ImapConnection& c = lease->connection();
        std::string qresync = param ? param(c) : std::string();
        auto mismatch = [&](uint32_t have) {
          lease->release();
          done(Status::conflict("UIDVALIDITY of " + folder.name + " changed to " +
                                std::to_string(have))
                   .with_eas_status(3),
               nullptr, {});
        };
        if (qresync.empty() && c.selected().name == folder.name) {
          if (folder.uidvalidity != 0 && c.selected().uidvalidity != folder.uidvalidity) {
            mismatch(c.selected().uidvalidity);
            return;
          }
          // RFC 3501 7.3.1: messages other sessions appended reach this session's view only
          // with a command on it, so a reused selection catches up with NOOP first; else a
          // UID FETCH/STORE/MOVE of a message appended meanwhile silently matches nothing.
          send_command(lease, command_builder(*lease).atom("NOOP").build(),
                       [lease, done](ImapReply reply) {
                         Status st = mail_reply_status(*lease, reply, "IMAP NOOP");
                         if (!st) {
                           lease->release();
                           done(std::move(st), nullptr, {});
                           return;
                         }
                         ImapSelectResult reused;
                         reused.uidvalidity = lease->connection().selected().uidvalidity;
                         done(Status::ok(), lease, std::move(reused));
                       });
          return;
        }
        auto cmd = command_builder(*lease).atom("SELECT").string(folder.name);
        if (!qresync.empty()) cmd.raw(qresync);
        // RFC 3501 6.3.1: a SELECT that fails leaves nothing selected.
        c.set_selected({});
        send_command(lease, cmd.build(), [lease, folder, done](ImapReply reply) {
          Status st = mail_reply_status(*lease, reply, "IMAP SELECT " + folder.name);
          if (!st) {
            lease->release();
            done(std::move(st), nullptr, {});
            return;
          }
          ImapSelectResult s = select_result(reply);
          if (s.uidvalidity == 0) {
            lease->discard();
            lease->release();
            done(Status::backend_error("IMAP SELECT " + folder.name + " reported no UIDVALIDITY"),
                 nullptr, {});
            return;
          }
          lease->connection().set_selected({folder.name, s.uidvalidity});
          if (folder.uidvalidity != 0 && s.uidvalidity != folder.uidvalidity) {
            lease->release();
            done(Status::conflict("UIDVALIDITY of " + folder.name + " changed to " +
                                  std::to_string(s.uidvalidity))
                     .with_eas_status(3),
                 nullptr, {});
            return;
          }
          done(Status::ok(), lease, std::move(s));
        });
      });
}

}  // namespace easgate
