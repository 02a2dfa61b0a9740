#include "gateway/commands/search_mailbox.h"

#include <algorithm>
#include <map>
#include <set>

#include "gateway/commands/mail_item_ref.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

// A page being filled: its rows grouped by folder, fetched one folder at a time.
struct SearchRun {
  std::shared_ptr<RequestContext> request;
  std::function<void(MailboxSearchPage)> done;
  std::map<std::string, std::string> collection_of;  // mailbox -> folder ServerId
  std::vector<MailSearchHit> page;                   // the page's hits in result order
  std::vector<std::vector<size_t>> groups;           // indices into page, per folder
  size_t next_group = 0;
  std::vector<std::optional<FetchedMessage>> fetched;  // per page index
  MailboxSearchPage out;
};

void finish(const std::shared_ptr<SearchRun>& run) {
  for (size_t i = 0; i < run->page.size(); ++i) {
    if (!run->fetched[i]) continue;  // expunged between SEARCH and FETCH: not shown
    const MailSearchHit& hit = run->page[i];
    MailboxSearchRow row;
    row.collection_id = run->collection_of[hit.mailbox];
    row.long_id = make_long_id(row.collection_id, hit.uidvalidity, hit.uid);
    row.message = std::move(*run->fetched[i]);
    run->out.items.push_back(std::move(row));
  }
  if (!run->out.items.empty()) run->out.rows.last = run->out.rows.first + run->out.items.size() - 1;
  auto done = std::move(run->done);
  done(std::move(run->out));
}

void fetch_next_group(const std::shared_ptr<SearchRun>& run) {
  if (run->next_group == run->groups.size() || !run->request->client_alive()) {
    finish(run);
    return;
  }
  const std::vector<size_t>& group = run->groups[run->next_group];
  const MailSearchHit& first = run->page[group.front()];
  std::vector<uint32_t> uids;
  for (size_t i : group) uids.push_back(run->page[i].uid);
  RequestContext& request = *run->request;
  request.services.mail_store->fetch_messages(
      request.credentials, MailboxRef{first.mailbox, first.uidvalidity}, uids, 0,
      [run](Result<std::vector<FetchedMessage>> got) {
        const std::vector<size_t>& g = run->groups[run->next_group];
        if (got.is_ok()) {
          std::map<uint32_t, FetchedMessage*> by_uid;
          for (auto& m : *got) by_uid[m.uid] = &m;
          for (size_t i : g) {
            auto it = by_uid.find(run->page[i].uid);
            if (it != by_uid.end()) run->fetched[i] = std::move(*it->second);
          }
        } else {
          // The rows of this folder are left out; the rest of the page is still useful.
          log_warn("search")
              .msg("fetching search results failed")
              .kv("user", run->request->credentials.user)
              .kv("error", got.status().to_string());
        }
        ++run->next_group;
        fetch_next_group(run);
      });
}

}  // namespace

MailboxSearchPlan plan_mailbox_search(StateStore& store, const DeviceKey& device,
                                      const MailboxSearchRequest& request) {
  MailboxSearchPlan plan;
  auto hierarchy = store.load_current_folder_hierarchy(device);
  if (!hierarchy.is_ok()) {
    plan.outcome = MailboxSearchPlan::Outcome::kNoHierarchy;
    return plan;
  }
  if (request.no_mail_class) {
    plan.outcome = MailboxSearchPlan::Outcome::kEmpty;
    return plan;
  }
  const auto& folders = hierarchy->folders;
  std::set<std::string> chosen;
  if (request.collection_ids.empty()) {
    for (const auto& f : folders) chosen.insert(f.server_id);
  } else {
    for (const auto& id : request.collection_ids) {
      bool known = std::any_of(folders.begin(), folders.end(),
                               [&](const FolderEntry& f) { return f.server_id == id; });
      if (!known) {
        plan.outcome = MailboxSearchPlan::Outcome::kUnknownFolder;
        return plan;
      }
      chosen.insert(id);
    }
    // MS-ASCMD 2.2.3.45.1 DeepTraversal: the subfolders of each CollectionId too. Repeat
    // until no folder is added (the hierarchy is small; parents may follow children).
    for (bool grew = request.deep_traversal; grew;) {
      grew = false;
      for (const auto& f : folders) {
        if (chosen.count(f.parent_server_id) && chosen.insert(f.server_id).second) grew = true;
      }
    }
  }
  for (const auto& f : folders) {
    if (!chosen.count(f.server_id)) continue;
    if (auto mailbox = imap_mailbox_of(f)) plan.mailboxes.emplace_back(*mailbox, f.server_id);
  }
  plan.outcome = plan.mailboxes.empty() ? MailboxSearchPlan::Outcome::kEmpty
                                        : MailboxSearchPlan::Outcome::kReady;
  return plan;
}

void run_mailbox_search(std::shared_ptr<RequestContext> request, MailboxSearchPlan plan,
                        MailboxSearchRequest search, std::function<void(MailboxSearchPage)> done) {
  auto run = std::make_shared<SearchRun>();
  run->request = request;
  run->done = std::move(done);
  MailSearchQuery query = search.query;
  query.mailboxes.clear();
  for (const auto& [mailbox, collection] : plan.mailboxes) {
    query.mailboxes.push_back(mailbox);
    run->collection_of[mailbox] = collection;
  }
  IndexRange rows = search.rows;
  request->services.mail_store->search(
      request->credentials, query, [run, rows](Result<std::vector<MailSearchHit>> hits) {
        if (!hits.is_ok()) {
          run->out.status = hits.status();
          auto done = std::move(run->done);
          done(std::move(run->out));
          return;
        }
        run->out.total = hits->size();
        run->out.rows.first = rows.first;
        if (rows.first < hits->size()) {
          uint64_t end = std::min<uint64_t>(rows.last + 1, hits->size());
          run->page.assign(hits->begin() + static_cast<std::ptrdiff_t>(rows.first),
                           hits->begin() + static_cast<std::ptrdiff_t>(end));
        }
        run->fetched.resize(run->page.size());
        std::map<std::string, size_t> group_of;
        for (size_t i = 0; i < run->page.size(); ++i) {
          auto [it, fresh] = group_of.emplace(run->page[i].mailbox, run->groups.size());
          if (fresh) run->groups.emplace_back();
          run->groups[it->second].push_back(i);
        }
        fetch_next_group(run);
      });
}

}  // namespace easgate
