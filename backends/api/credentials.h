#pragma once
// The user's own credentials, taken from HTTP Basic and passed through to the backends.
// They are never stored and never logged (DESIGN.md "State").

#include <string>

namespace easgate {

struct Credentials {
  // Mailbox identity as the backends know it, e.g. "alice@example.test". Derived from the
  // Basic user name ("alice", "DOMAIN\alice" or "alice@domain") by the auth check.
  std::string user;
  // The user's password, exactly as sent by the device.
  std::string password;
};

}  // namespace easgate
