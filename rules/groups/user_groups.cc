#include "rules/groups/user_groups.h"

#include <algorithm>

namespace easgate {

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

UserGroups::UserGroups(std::map<std::string, std::vector<std::string>> members) {
  for (auto& [group, users] : members) {
    std::vector<std::string>& out = members_[group];
    for (const std::string& u : users) out.push_back(ascii_lower(u));
  }
}

std::vector<std::string> UserGroups::groups_of(const std::string& user) const {
  std::string wanted = ascii_lower(user);
  std::vector<std::string> out;
  for (const auto& [group, users] : members_) {
    if (std::find(users.begin(), users.end(), wanted) != users.end()) out.push_back(group);
  }
  return out;  // std::map iteration is already name order
}

}  // namespace easgate
