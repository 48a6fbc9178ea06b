#ifndef INDICATORS_SERVER_RPC_BLOCKING_EXECUTOR_H_
#define INDICATORS_SERVER_RPC_BLOCKING_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace indicators::rpc {

// A fixed set of threads for the work that waits on I/O or computes for long
// (a database read or transaction, a dataset load), so that gRPC's callback
// threads never do: at most `threads` tasks run at once and at most
// `max_queued` wait for a thread. Callers answer a full queue at once
// (`TrySchedule` returns false) instead of waiting for it.
class BlockingExecutor {
 public:
  // Starts `threads` threads (at least 1).
  BlockingExecutor(int threads, size_t max_queued);
  // Runs the tasks still queued, then joins the threads.
  ~BlockingExecutor();
  BlockingExecutor(const BlockingExecutor&) = delete;
  BlockingExecutor& operator=(const BlockingExecutor&) = delete;

  // Queues `task` to run on one of the threads; returns false (and drops
  // it) if `max_queued` tasks are already waiting.
  bool TrySchedule(absl::AnyInvocable<void() &&> task);

  // The number of threads and of tasks that may wait.
  int threads() const { return static_cast<int>(threads_.size()); }
  size_t max_queued() const { return max_queued_; }

 private:
  void Work();

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_BLOCKING_EXECUTOR_H_
