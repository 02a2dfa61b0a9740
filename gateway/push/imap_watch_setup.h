#pragma once
// Builds the process-wide IMAP watch registry from the configuration (push.imap_watch,
// backends.imap): main() calls it once; nullptr when push.imap_watch is off.

#include <memory>

#include "gateway/core/status.h"
#include "gateway/push/imap_watch_registry.h"

namespace easgate {

struct GatewayConfig;
class Metrics;
class PushHub;

Result<std::unique_ptr<ImapWatchRegistry>> start_imap_watch_registry(const GatewayConfig& config,
                                                                     PushHub& hub,
                                                                     Metrics* metrics);

}  // namespace easgate
