#pragma once
// Everything a request needs from its worker: one instance per worker thread, built at
// start-up, so handlers never reach for globals and tests can hand in their own.

#include <event2/event.h>

#include <string>

namespace easgate {

class Authenticator;
class CollectionStore;
class Clock;
class MailStore;
class MailSubmitter;
class Metrics;
class StateStore;
class WorkerPush;
struct GatewayConfig;

struct WorkerServices {
  event_base* loop = nullptr;                   // this worker's event loop
  const GatewayConfig* config = nullptr;        // immutable, shared by all workers
  Metrics* metrics = nullptr;                   // shared, thread-safe
  const Clock* clock = nullptr;                 // injected time
  StateStore* store = nullptr;                  // this worker's own store connection
  Authenticator* authenticator = nullptr;       // verifies Basic credentials (cached)
  MailStore* mail_store = nullptr;              // IMAP, this worker's session pool
  CollectionStore* collection_store = nullptr;  // CalDAV/CardDAV, this worker's client
  MailSubmitter* mail_submitter = nullptr;      // SMTP submission, this worker's submitter
  WorkerPush* push = nullptr;                   // held Pings of this worker (gateway/push)
  std::string default_domain;                   // appended to a bare user name
};

}  // namespace easgate
