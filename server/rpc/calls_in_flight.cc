#include "server/rpc/calls_in_flight.h"

#include "server/core/base/errors.h"

namespace indicators::rpc {

CallsInFlight::Ticket& CallsInFlight::Ticket::operator=(
    Ticket&& other) noexcept {
  if (this != &other) {
    if (calls_ != nullptr) calls_->End();
    calls_ = other.calls_;
    other.calls_ = nullptr;
  }
  return *this;
}

CallsInFlight::Ticket::~Ticket() {
  if (calls_ != nullptr) calls_->End();
}

CallsInFlight::Ticket CallsInFlight::Begin() {
  in_flight_.fetch_add(1);
  return Ticket(this);
}

absl::Status CallsInFlight::Admit() const {
  if (!refusing_.load()) return absl::OkStatus();
  return ReasonError(absl::StatusCode::kUnavailable, reason::kShuttingDown,
                     "the server is shutting down and takes no new calls; "
                     "call another replica");
}

void CallsInFlight::Refuse() { refusing_.store(true); }

int64_t CallsInFlight::AwaitNone(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto none = [this] { return in_flight_.load() == 0; };
  mu_.AwaitWithTimeout(absl::Condition(&none), timeout);
  return in_flight_.load();
}

void CallsInFlight::End() {
  // The last call of a drain wakes its wait: taking and releasing the mutex
  // makes the waiter check its condition again. A call that sees no refusal
  // ended before the drain's wait began, which then sees its count.
  if (in_flight_.fetch_sub(1) == 1 && refusing_.load()) {
    absl::MutexLock lock(&mu_);
  }
}

}  // namespace indicators::rpc
