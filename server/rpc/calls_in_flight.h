#ifndef INDICATORS_SERVER_RPC_CALLS_IN_FLIGHT_H_
#define INDICATORS_SERVER_RPC_CALLS_IN_FLIGHT_H_

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace indicators::rpc {

// The server's calls from the moment a handler is asked for them until gRPC
// is done with them (the answer written, or the call cancelled), and the
// refusal of new ones once the drain has begun. The drain refuses here, in
// the service, instead of leaving it to gRPC's shutdown: gRPC 1.51 answers a
// call that arrives on an open connection during its shutdown with a bare
// CANCELLED (grpc/grpc#41785), for as long as the shutdown waits, while a
// refusal here is UNAVAILABLE (reason SHUTTING_DOWN), which clients retry.
// gRPC's shutdown then starts only when no call is left. Thread-safe.
class CallsInFlight {
 public:
  // One call, counted while the ticket lives. Movable.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept : calls_(other.calls_) {
      other.calls_ = nullptr;
    }
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket();

   private:
    friend class CallsInFlight;
    explicit Ticket(CallsInFlight* calls) : calls_(calls) {}
    CallsInFlight* calls_ = nullptr;
  };

  // Counts a call that begins. Every call is counted, refused ones too (they
  // end at once).
  Ticket Begin();
  // OK, or UNAVAILABLE with reason SHUTTING_DOWN once `Refuse` was called.
  absl::Status Admit() const;
  // From now on `Admit` refuses.
  void Refuse();
  // Waits until no call is in flight or `timeout` passes; returns the calls
  // still in flight (0 when all ended).
  int64_t AwaitNone(absl::Duration timeout);

 private:
  void End();

  // Counting and the refusal are atomics, so a call pays no lock; the mutex
  // only wakes the drain's wait (`End` touches it once refusing).
  std::atomic<int64_t> in_flight_{0};
  std::atomic<bool> refusing_{false};
  absl::Mutex mu_;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_CALLS_IN_FLIGHT_H_
