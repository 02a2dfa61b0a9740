#pragma once
// Internal to ItemOperations: the state of one request while its operations run, and the
// per-operation steps (item_operations_fetch.cc, item_operations_empty.cc,
// item_operations_move.cc).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/commands/email_item.h"
#include "gateway/commands/item_operations_request.h"
#include "gateway/store/state_store.h"

namespace easgate {

class RequestContext;

struct ItemOperationsRun {
  std::shared_ptr<RequestContext> request;     // the request being answered
  DeviceKey device;                            // whose hierarchy and item maps resolve ids
  std::vector<ItemOperation> ops;              // parsed operations, request order
  std::vector<WbxmlElement> responses;         // one answer element per op, filled in order
  size_t next = 0;                             // the op running now
  bool multipart = false;                      // MS-ASAcceptMultiPart: data goes into parts
  std::vector<std::string> parts;              // multipart parts 1..N (part 0 is the WBXML)
  const ProvisioningPolicy* policy = nullptr;  // the user's effective policy
};

// Runs op `run->next` and appends its element to run->responses. Returns true when it
// finished at once (a refusal decided from the request and the store alone; `done` is then
// never called); false when a backend call is under way and `done` runs later on the loop.
bool run_fetch(const std::shared_ptr<ItemOperationsRun>& run, std::function<void()> done);
bool run_empty_folder(const std::shared_ptr<ItemOperationsRun>& run, std::function<void()> done);
bool run_move(const std::shared_ptr<ItemOperationsRun>& run, std::function<void()> done);

// Stores `data` as the next multipart part and returns its number ("1", "2"...).
std::string add_part(ItemOperationsRun& run, std::string data);

}  // namespace easgate
