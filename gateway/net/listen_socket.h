#pragma once
// Listening sockets with SO_REUSEPORT: every worker binds its own socket on the same
// address and port and the kernel spreads connections across them, so there is no accept
// lock and no hand-off of accepted sockets between threads.

#include <cstdint>
#include <string>

#include "gateway/core/status.h"

namespace easgate {

// A bound, listening, non-blocking, close-on-exec socket on a numeric IPv4 or IPv6
// address ("0.0.0.0", "::", "127.0.0.1"). Port 0 picks a free port (read it back with
// local_port()). Fails with the address and errno text in the message.
Result<int> open_listen_socket(const std::string& address, uint16_t port, int backlog);

// The local port a socket is bound to; 0 on error.
uint16_t local_port(int fd);

}  // namespace easgate
