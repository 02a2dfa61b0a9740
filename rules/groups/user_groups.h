#pragma once
// Named groups of users, defined in YAML (governance.groups: group -> member users). Used
// by policy assignment and device access rules. Pure data; immutable after construction.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace easgate {

class UserGroups {
 public:
  UserGroups() = default;
  // group name -> member user ids (mailbox addresses); user ids compare case-insensitively.
  explicit UserGroups(std::map<std::string, std::vector<std::string>> members);

  // The groups `user` belongs to, sorted by name; empty when none.
  std::vector<std::string> groups_of(const std::string& user) const;
  bool has_group(const std::string& group) const { return members_.count(group) != 0; }
  const std::map<std::string, std::vector<std::string>>& members() const { return members_; }

 private:
  std::map<std::string, std::vector<std::string>> members_;  // group -> lower-cased users
};

// ASCII lower-casing for user ids and header values compared case-insensitively.
std::string ascii_lower(std::string_view text);

}  // namespace easgate
