#pragma once
// Runs a function on the next turn of an event loop, so a callback is never invoked inline
// from the call that started the operation (callers never re-enter).

#include <functional>

struct event_base;

namespace easgate {

// Schedules `fn` on `base` with a zero timeout. Must be called on the loop's thread. If
// the base is freed before the turn comes, `fn` is neither run nor destroyed.
void defer_on_loop(event_base* base, std::function<void()> fn);

}  // namespace easgate
