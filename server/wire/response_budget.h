#ifndef INDICATORS_SERVER_WIRE_RESPONSE_BUDGET_H_
#define INDICATORS_SERVER_WIRE_RESPONSE_BUDGET_H_

#include <grpc/slice.h>

#include <atomic>
#include <cstddef>
#include <memory>

#include "absl/status/statusor.h"

namespace indicators::rpc {

// A server-wide bound on the memory of encoded responses. Every page and
// stream message is allocated here, as a gRPC slice that gives its bytes
// back when gRPC frees it: after it is written to the socket, or when its
// call ends. A client that never reads its answers (an HTTP/2 window of one
// byte) keeps them alive until its call ends; this bound keeps a flood of
// such calls from exhausting the machine. Responses over 16 KiB may use three
// quarters of it, so that a flood of them leaves room for the small answers
// well-behaved callers ask for. Thread-safe, lock-free.
class ResponseBudget : public std::enable_shared_from_this<ResponseBudget> {
 public:
  explicit ResponseBudget(size_t capacity_bytes) : capacity_(capacity_bytes) {}

  // Returns a slice of `size` bytes (with `slack` writable bytes beyond them)
  // charged to the budget until it is freed, or RESOURCE_EXHAUSTED saying
  // why (nothing charged). The budget must be owned by a shared_ptr.
  absl::StatusOr<grpc_slice> Allocate(size_t size, size_t slack);

  size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  size_t capacity() const { return capacity_; }

  struct Block;  // The header of each allocation.

 private:
  static void Free(void* block);
  // Returns `bytes` charged by `Allocate`. When use falls back to low after a
  // flood filled the budget, hands freed memory back to the system.
  void Release(size_t bytes);

  const size_t capacity_;
  std::atomic<size_t> in_use_{0};
  std::atomic<bool> flooded_{false};
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_WIRE_RESPONSE_BUDGET_H_
