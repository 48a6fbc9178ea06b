#ifndef INDICATORS_SERVER_RPC_OFFLOADED_CALL_H_
#define INDICATORS_SERVER_RPC_OFFLOADED_CALL_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <chrono>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/rpc/call_metrics.h"
#include "server/rpc/calls_in_flight.h"

namespace indicators::rpc {

// A unary call whose handler runs on the blocking executor. It finishes
// exactly once: with the handler's answer (`Answer`), with RESOURCE_EXHAUSTED
// when the executor's queue is full (`Refuse`), or as soon as the caller
// leaves or its deadline passes (`OnCancel`: CANCELLED or DEADLINE_EXCEEDED),
// whichever comes first; the others are then dropped. It deletes itself once
// gRPC is done with it and the executor has let go of it, so a handler that
// is still waiting on a database after its call ended never touches a call
// object that is gone.
class OffloadedCall final : public grpc::ServerUnaryReactor {
 public:
  // Logs and counts the call as `method` (in `counted`, unless it is null);
  // writes the answer to `response`; holds `ticket` until gRPC is done.
  OffloadedCall(absl::string_view method, absl::Time start,
                const grpc::CallbackServerContext& context,
                grpc::ByteBuffer* response, const CallMetrics::Method* counted,
                CallsInFlight::Ticket ticket);

  // Called by the executor before the handler: returns false (and lets go
  // of the call) if the call has already finished, so its handler is
  // skipped.
  bool Begin();
  // Returns true once the call has finished or been cancelled.
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // Finishes with `answer` unless the call has finished, then lets go.
  void Answer(absl::StatusOr<grpc::ByteBuffer> answer);
  // Finishes with RESOURCE_EXHAUSTED: the executor's `threads` are busy and
  // `max_queued` calls wait. The executor never had the call.
  void Refuse(int threads, size_t max_queued);

  void OnCancel() override;
  void OnDone() override;

 private:
  // Finishes with `status` (and `bytes` if OK) unless finished already.
  void FinishOnce(const absl::Status& status, grpc::ByteBuffer* bytes);
  // Drops one of the two holders (gRPC, the executor); the last deletes.
  void Release();

  const absl::string_view method_;
  const absl::Time start_;
  const std::chrono::system_clock::time_point deadline_;
  grpc::ByteBuffer* const response_;
  const CallMetrics::Method* const counted_;
  CallsInFlight::Ticket ticket_;  // Only OnDone touches it.
  std::atomic<bool> cancelled_{false};
  std::atomic<int> holders_{2};
  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_OFFLOADED_CALL_H_
