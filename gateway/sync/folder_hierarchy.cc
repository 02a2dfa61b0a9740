#include "gateway/sync/folder_hierarchy.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace easgate {
namespace {

int mail_type(SpecialUse use, std::set<int>* defaults_taken) {
  int wanted = kFolderTypeUserMail;
  switch (use) {
    case SpecialUse::kInbox: wanted = kFolderTypeInbox; break;
    case SpecialUse::kDrafts: wanted = kFolderTypeDrafts; break;
    case SpecialUse::kTrash: wanted = kFolderTypeDeletedItems; break;
    case SpecialUse::kSent: wanted = kFolderTypeSentItems; break;
    default: return kFolderTypeUserMail;
  }
  // A device expects exactly one folder of each default type.
  if (!defaults_taken->insert(wanted).second) return kFolderTypeUserMail;
  return wanted;
}

int dav_type(const DavCollection& c, std::set<int>* defaults_taken) {
  int def = kFolderTypeCalendar, user = kFolderTypeUserCalendar;
  switch (c.kind) {
    case CollectionKind::kCalendar: break;
    case CollectionKind::kTasks: def = kFolderTypeTasks; user = kFolderTypeUserTasks; break;
    case CollectionKind::kContacts:
      def = kFolderTypeContacts;
      user = kFolderTypeUserContacts;
      break;
    case CollectionKind::kNotes: def = kFolderTypeNotes; user = kFolderTypeUserNotes; break;
  }
  if (c.is_default && defaults_taken->insert(def).second) return def;
  return user;
}

size_t depth_of(const FolderEntry& f, const std::unordered_map<std::string, const FolderEntry*>& by_id) {
  size_t depth = 0;
  const FolderEntry* cur = &f;
  // Bounded: a cycle (which the backend cannot produce) must not hang the gateway.
  while (cur->parent_server_id != "0" && depth < 64) {
    auto it = by_id.find(cur->parent_server_id);
    if (it == by_id.end()) break;
    cur = it->second;
    ++depth;
  }
  return depth;
}

void order_parents_first(std::vector<FolderEntry>* folders) {
  std::unordered_map<std::string, const FolderEntry*> by_id;
  for (const auto& f : *folders) by_id[f.server_id] = &f;
  std::vector<std::pair<size_t, size_t>> keyed;  // (depth, original index)
  for (size_t i = 0; i < folders->size(); ++i) keyed.emplace_back(depth_of((*folders)[i], by_id), i);
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<FolderEntry> out;
  out.reserve(folders->size());
  for (const auto& [d, i] : keyed) out.push_back(std::move((*folders)[i]));
  *folders = std::move(out);
}

}  // namespace

std::vector<BackendFolder> backend_folders_from(const std::vector<MailFolderInfo>& mail,
                                                const std::vector<DavCollection>& dav) {
  std::vector<BackendFolder> out;
  out.reserve(mail.size() + dav.size());
  std::set<int> defaults_taken;
  // INBOX first so it wins the Inbox type even if the server lists it late.
  std::vector<const MailFolderInfo*> ordered;
  for (const auto& m : mail) {
    if (m.special_use == SpecialUse::kInbox) ordered.insert(ordered.begin(), &m);
    else ordered.push_back(&m);
  }
  for (const MailFolderInfo* m : ordered) {
    // Virtual \All and \Flagged folders repeat messages held elsewhere; a phone would show
    // and count them twice.
    if (m->special_use == SpecialUse::kAll || m->special_use == SpecialUse::kFlagged) continue;
    BackendFolder f;
    f.backend_ref = "imap:" + m->name;
    if (!m->mailbox_id.empty()) f.backend_identity = "mailboxid:" + m->mailbox_id;
    else if (m->uidvalidity != 0) f.backend_identity = "uidvalidity:" + std::to_string(m->uidvalidity);
    f.parent_backend_ref = m->parent_name.empty() ? "" : "imap:" + m->parent_name;
    f.display_name = m->display_name.empty() ? m->name : m->display_name;
    f.type = mail_type(m->special_use, &defaults_taken);
    out.push_back(std::move(f));
  }
  for (const auto& c : dav) {
    BackendFolder f;
    f.backend_ref = "dav:" + c.href;
    f.backend_identity = "href:" + c.href;
    f.display_name = c.display_name;
    f.type = dav_type(c, &defaults_taken);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<FolderEntry> assign_server_ids(const std::vector<FolderEntry>& known,
                                           const std::vector<BackendFolder>& backend,
                                           const std::function<std::string()>& new_server_id) {
  std::vector<const FolderEntry*> match(backend.size(), nullptr);
  std::vector<bool> used(known.size(), false);

  // Pass 1: same folder under the same name.
  std::unordered_map<std::string, size_t> known_by_ref;
  for (size_t i = 0; i < known.size(); ++i) known_by_ref[known[i].backend_ref] = i;
  for (size_t b = 0; b < backend.size(); ++b) {
    auto it = known_by_ref.find(backend[b].backend_ref);
    if (it == known_by_ref.end() || used[it->second]) continue;
    const FolderEntry& k = known[it->second];
    // Same name but a new identity means the folder was deleted and made again: its items
    // (UIDs) are not the old ones, so it must be a new folder to the device.
    if (!k.backend_identity.empty() && !backend[b].backend_identity.empty() &&
        k.backend_identity != backend[b].backend_identity) {
      continue;
    }
    match[b] = &k;
    used[it->second] = true;
  }

  // Pass 2: renamed or moved: the identity is found under another name. Only identities
  // that are unique on both sides count (UIDVALIDITY values can coincide).
  std::map<std::string, std::vector<size_t>> known_by_identity, backend_by_identity;
  for (size_t i = 0; i < known.size(); ++i) {
    if (!used[i] && !known[i].backend_identity.empty()) {
      known_by_identity[known[i].backend_identity].push_back(i);
    }
  }
  for (size_t b = 0; b < backend.size(); ++b) {
    if (!match[b] && !backend[b].backend_identity.empty()) {
      backend_by_identity[backend[b].backend_identity].push_back(b);
    }
  }
  for (const auto& [identity, bs] : backend_by_identity) {
    auto it = known_by_identity.find(identity);
    if (bs.size() != 1 || it == known_by_identity.end() || it->second.size() != 1) continue;
    match[bs[0]] = &known[it->second[0]];
    used[it->second[0]] = true;
  }

  std::vector<FolderEntry> out;
  out.reserve(backend.size());
  std::unordered_map<std::string, std::string> id_by_ref;
  for (size_t b = 0; b < backend.size(); ++b) {
    FolderEntry e;
    e.server_id = match[b] ? match[b]->server_id : new_server_id();
    e.display_name = backend[b].display_name;
    e.type = backend[b].type;
    e.backend_ref = backend[b].backend_ref;
    e.backend_identity = backend[b].backend_identity;
    id_by_ref[e.backend_ref] = e.server_id;
    out.push_back(std::move(e));
  }
  for (size_t b = 0; b < backend.size(); ++b) {
    auto it = id_by_ref.find(backend[b].parent_backend_ref);
    out[b].parent_server_id = it == id_by_ref.end() ? "0" : it->second;
  }
  order_parents_first(&out);
  return out;
}

FolderHierarchyChanges diff_folder_hierarchy(const std::vector<FolderEntry>& older,
                                             const std::vector<FolderEntry>& newer) {
  FolderHierarchyChanges changes;
  std::unordered_map<std::string, const FolderEntry*> old_by_id;
  for (const auto& f : older) old_by_id[f.server_id] = &f;
  std::set<std::string> still_there;
  for (const auto& f : newer) {
    still_there.insert(f.server_id);
    auto it = old_by_id.find(f.server_id);
    if (it == old_by_id.end()) {
      changes.added.push_back(f);
    } else if (it->second->display_name != f.display_name ||
               it->second->parent_server_id != f.parent_server_id ||
               it->second->type != f.type) {
      changes.updated.push_back(f);
    }
  }
  for (const auto& f : older) {
    if (!still_there.count(f.server_id)) changes.deleted.push_back(f.server_id);
  }
  return changes;
}

}  // namespace easgate
