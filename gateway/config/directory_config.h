#pragma once
// `directory:` — where the Global Address List comes from (Search Store GAL, MS-ASCMD
// 2.2.1.16; ResolveRecipients, 2.2.1.15). Parsed by directory_section.cc.

#include <cstdint>
#include <string>

namespace easgate {

struct DirectoryConfig {
  // Absolute href of a CardDAV address book every user may read (read with the user's own
  // credentials), e.g. "/gal/contacts/". Empty: no GAL (GAL searches find nothing).
  std::string carddav_href;
  // Most entries one GAL search returns (MS-ASCMD 2.2.3.143.1: Exchange caps at 100).
  uint32_t max_results = 100;
};

}  // namespace easgate
