#ifndef INDICATORS_SERVER_RPC_CALL_METRICS_H_
#define INDICATORS_SERVER_RPC_CALL_METRICS_H_

#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "server/rpc/call_protocol.h"

namespace indicators::rpc {

// Counts calls under the names and labels of go-grpc-prometheus, so that the
// dashboards and alerts written for it work unchanged:
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_msg_received_total{...}, grpc_server_msg_sent_total{...}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{...} (histogram, Prometheus' default buckets)
// with grpc_type "unary" or "server_stream" and grpc_code as Go spells it
// ("OK", "NotFound"), and one label more, `protocol`: "grpc" for calls over
// gRPC, "connect" for calls through the HTTP gateway (dashboards that sum
// over it see every call). Every series of every method exists from the start,
// at zero, as go-grpc-prometheus's InitializeMetrics makes them. A call costs
// a few atomic increments and one histogram observation: the series are
// found once per method, not per call.
class CallMetrics {
 public:
  // The series of one method.
  class Method {
   public:
    // A call started and its request arrived.
    void Started() const {
      started_->Increment();
      received_->Increment();
    }
    // A response message was sent.
    void Sent() const { sent_->Increment(); }
    // The call ended with `code` after `elapsed`.
    void Handled(grpc::StatusCode code, absl::Duration elapsed) const;
    // The call was refused for `reason` (see `kRefusalReasons`).
    void Refused(absl::string_view reason) const;

   private:
    friend class CallMetrics;
    prometheus::Counter* started_ = nullptr;
    prometheus::Counter* received_ = nullptr;
    prometheus::Counter* sent_ = nullptr;
    prometheus::Histogram* seconds_ = nullptr;
    std::array<prometheus::Counter*, 17> handled_{};  // By status code.
    // indicators_refused_calls_total by reason, shared by the methods.
    const std::array<prometheus::Counter*, 4>* refused_ = nullptr;
  };

  // The reasons a call is refused without being looked at, counted in
  //   indicators_refused_calls_total{reason}
  // (RATE_LIMITED, TOO_MANY_STREAMS: a caller's quota; SERVER_BUSY: the
  // blocking queue; SHUTTING_DOWN: the drain).
  static const std::array<absl::string_view, 4> kRefusalReasons;

  // Registers the series of every method of `service` in `registry`.
  CallMetrics(prometheus::Registry& registry,
              const google::protobuf::ServiceDescriptor& service);

  // Returns the series of `method` (its name in the service) called over
  // `protocol`, or null.
  const Method* Find(absl::string_view method, Protocol protocol) const;

 private:
  absl::flat_hash_map<std::string, std::array<Method, kProtocolCount>> methods_;
  std::array<prometheus::Counter*, 4> refused_{};
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_CALL_METRICS_H_
