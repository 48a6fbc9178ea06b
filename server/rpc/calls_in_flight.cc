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
  absl::MutexLock lock(&mu_);
  ++in_flight_;
  return Ticket(this);
}

absl::Status CallsInFlight::Admit() const {
  absl::MutexLock lock(&mu_);
  if (!refusing_) return absl::OkStatus();
  return ReasonError(absl::StatusCode::kUnavailable, reason::kShuttingDown,
                     "the server is shutting down and takes no new calls; "
                     "call another replica");
}

void CallsInFlight::Refuse() {
  absl::MutexLock lock(&mu_);
  refusing_ = true;
}

int64_t CallsInFlight::AwaitNone(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto none = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_flight_ == 0;
  };
  mu_.AwaitWithTimeout(absl::Condition(&none), timeout);
  return in_flight_;
}

void CallsInFlight::End() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

}  // namespace indicators::rpc
