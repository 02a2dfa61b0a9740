#include "gateway/commands/get_item_estimate_conversation.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "gateway/commands/conversation.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

// Threads per UID SEARCH, as in the Sync engine: a search stays a few kilobytes.
constexpr size_t kThreadsPerSearch = 64;

struct MemberCount {
  std::shared_ptr<RequestContext> request;
  ConversationEstimateInput in;
  std::function<void(Result<uint64_t>)> done;
  std::vector<std::vector<std::pair<std::string, std::string>>> chunks;  // HEADER keys
  std::set<std::string> wanted;  // ConversationIds of the window's replies
  std::set<uint32_t> found;      // UIDs the searches returned
};
using Count = std::shared_ptr<MemberCount>;

void count_members(const Count& c) {
  std::set<uint32_t> skip(c->in.uids.begin(), c->in.uids.end());
  skip.insert(c->in.pending_adds.begin(), c->in.pending_adds.end());
  std::vector<uint32_t> candidates;
  std::vector<std::string> ids;
  for (uint32_t u : c->found) {
    if (skip.count(u)) continue;
    candidates.push_back(u);
    ids.push_back(std::to_string(u));
  }
  if (candidates.empty()) return c->done(uint64_t{0});
  auto known = c->request->services.store->lookup_by_backend_ids(c->in.key, c->in.generation, ids);
  if (!known.is_ok()) return c->done(known.status());
  std::vector<uint32_t> unknown;
  for (size_t i = 0; i < candidates.size(); ++i)
    if (!(*known)[i]) unknown.push_back(candidates[i]);
  if (unknown.empty()) return c->done(uint64_t{0});
  c->request->services.mail_store->fetch_summaries(
      c->request->credentials, c->in.mailbox, unknown, true,
      [c](Result<std::vector<MessageSummary>> got) {
        if (!c->request->client_alive()) return;
        if (!got.is_ok()) return c->done(got.status());
        uint64_t n = 0;
        for (const MessageSummary& m : *got) {
          // Inside the window it is an ordinary Add, counted already.
          if (m.internal_date >= c->in.since) continue;
          auto keys = conversation_keys_of(m.header);
          if (keys && c->wanted.count(keys->conversation_id)) ++n;
        }
        c->done(n);
      });
}

void search_next(const Count& c) {
  if (c->chunks.empty()) return count_members(c);
  MailSearchQuery q;
  q.mailboxes = {c->in.mailbox.name};
  // BEFORE has day granularity (RFC 3501 6.4.4): the cutoff's day too, dates compared later.
  q.before = c->in.since + 86400;
  q.any_header = std::move(c->chunks.back());
  c->chunks.pop_back();
  c->request->services.mail_store->search(
      c->request->credentials, q, [c](Result<std::vector<MailSearchHit>> hits) {
        if (!c->request->client_alive()) return;
        if (!hits.is_ok()) return c->done(hits.status());
        for (const MailSearchHit& h : *hits)
          if (h.uidvalidity == 0 || h.uidvalidity == c->in.mailbox.uidvalidity)
            c->found.insert(h.uid);
        search_next(c);
      });
}

}  // namespace

void estimate_conversation_members(std::shared_ptr<RequestContext> request,
                                   ConversationEstimateInput input,
                                   std::function<void(Result<uint64_t>)> done) {
  auto c = std::make_shared<MemberCount>();
  c->request = std::move(request);
  c->in = std::move(input);
  c->done = std::move(done);
  if (c->in.uids.empty() || c->in.since == 0) return c->done(uint64_t{0});
  // The window's headers: only a reply (has_parent) can have older members, as in Sync.
  c->request->services.mail_store->fetch_summaries(
      c->request->credentials, c->in.mailbox, c->in.uids, true,
      [c](Result<std::vector<MessageSummary>> got) {
        if (!c->request->client_alive()) return;
        if (!got.is_ok()) return c->done(got.status());
        std::vector<std::pair<std::string, std::string>> chunk;
        size_t threads = 0;
        for (const MessageSummary& m : *got) {
          // Sync drops what is older than the window (unless a conversation brought it).
          if (m.internal_date > 0 && m.internal_date < c->in.since) continue;
          auto keys = conversation_keys_of(m.header);
          if (!keys || !keys->has_parent || !c->wanted.insert(keys->conversation_id).second)
            continue;
          auto criteria = thread_search_criteria(*keys);
          if (criteria.empty()) continue;
          chunk.insert(chunk.end(), criteria.begin(), criteria.end());
          if (++threads % kThreadsPerSearch == 0) {
            c->chunks.push_back(std::move(chunk));
            chunk.clear();
          }
        }
        if (!chunk.empty()) c->chunks.push_back(std::move(chunk));
        search_next(c);
      });
}

}  // namespace easgate
