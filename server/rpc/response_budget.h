#ifndef INDICATORS_SERVER_RPC_RESPONSE_BUDGET_H_
#define INDICATORS_SERVER_RPC_RESPONSE_BUDGET_H_

#include <atomic>
#include <cstddef>

#include "absl/status/status.h"

namespace indicators::rpc {

// A server-wide bound on the bytes of responses that calls hold and have not
// yet delivered. A client that never reads its answers (an HTTP/2 window of
// one byte) keeps its responses in memory until its call ends; this bound
// keeps a flood of such calls from exhausting the machine. Large responses
// may use three quarters of it, so that a flood of them leaves room for the
// small answers that well-behaved callers ask for. Thread-safe, lock-free.
class ResponseBudget {
 public:
  explicit ResponseBudget(size_t capacity_bytes) : capacity_(capacity_bytes) {}

  // Reserves `bytes` for a response, or returns RESOURCE_EXHAUSTED saying
  // why (nothing reserved).
  absl::Status Acquire(size_t bytes);
  // Returns bytes reserved by `Acquire`. When the budget falls back to low
  // use after a flood filled it, returns freed memory to the system.
  void Release(size_t bytes);

  size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  std::atomic<size_t> in_use_{0};
  std::atomic<bool> flooded_{false};
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_RESPONSE_BUDGET_H_
