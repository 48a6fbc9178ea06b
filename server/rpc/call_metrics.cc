#include "server/rpc/call_metrics.h"

#include <string>

#include "server/core/base/errors.h"

namespace indicators::rpc {
namespace {

// Status code names as Go's codes.Code.String() spells them.
constexpr std::array<const char*, 17> kCodeNames = {"OK",
                                                    "Canceled",
                                                    "Unknown",
                                                    "InvalidArgument",
                                                    "DeadlineExceeded",
                                                    "NotFound",
                                                    "AlreadyExists",
                                                    "PermissionDenied",
                                                    "ResourceExhausted",
                                                    "FailedPrecondition",
                                                    "Aborted",
                                                    "OutOfRange",
                                                    "Unimplemented",
                                                    "Internal",
                                                    "Unavailable",
                                                    "DataLoss",
                                                    "Unauthenticated"};

// Prometheus' default buckets (DefBuckets in client_golang), in seconds.
const prometheus::Histogram::BucketBoundaries& HandlingBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

}  // namespace

const std::array<absl::string_view, 4> CallMetrics::kRefusalReasons = {
    reason::kRateLimited, reason::kTooManyStreams, reason::kServerBusy,
    reason::kShuttingDown};

void CallMetrics::Method::Refused(absl::string_view why) const {
  for (size_t i = 0; i < kRefusalReasons.size(); ++i) {
    if (kRefusalReasons[i] == why) (*refused_)[i]->Increment();
  }
}

void CallMetrics::Method::Handled(grpc::StatusCode code,
                                  absl::Duration elapsed) const {
  const size_t index = static_cast<size_t>(code);
  handled_[index < handled_.size() ? index : size_t{grpc::StatusCode::UNKNOWN}]
      ->Increment();
  seconds_->Observe(absl::ToDoubleSeconds(elapsed));
}

CallMetrics::CallMetrics(prometheus::Registry& registry,
                         const google::protobuf::ServiceDescriptor& service) {
  auto& started = prometheus::BuildCounter()
                      .Name("grpc_server_started_total")
                      .Help("Total number of RPCs started on the server.")
                      .Register(registry);
  auto& received =
      prometheus::BuildCounter()
          .Name("grpc_server_msg_received_total")
          .Help("Total number of RPC stream messages received on the server.")
          .Register(registry);
  auto& sent =
      prometheus::BuildCounter()
          .Name("grpc_server_msg_sent_total")
          .Help("Total number of gRPC stream messages sent by the server.")
          .Register(registry);
  auto& handled = prometheus::BuildCounter()
                      .Name("grpc_server_handled_total")
                      .Help(
                          "Total number of RPCs completed on the server, "
                          "regardless of success or failure.")
                      .Register(registry);
  auto& seconds =
      prometheus::BuildHistogram()
          .Name("grpc_server_handling_seconds")
          .Help(
              "Histogram of response latency (seconds) of gRPC that had "
              "been application-level handled by the server.")
          .Register(registry);
  auto& refused = prometheus::BuildCounter()
                      .Name("indicators_refused_calls_total")
                      .Help(
                          "Calls refused before they were looked at, by "
                          "reason: a caller's quota, a full queue, the "
                          "drain.")
                      .Register(registry);
  for (size_t i = 0; i < kRefusalReasons.size(); ++i) {
    refused_[i] = &refused.Add({{"reason", std::string(kRefusalReasons[i])}});
  }
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& m = *service.method(i);
    for (int protocol = 0; protocol < kProtocolCount; ++protocol) {
      const prometheus::Labels labels = {
          {"grpc_type", m.server_streaming() ? "server_stream" : "unary"},
          {"grpc_service", service.full_name()},
          {"grpc_method", m.name()},
          {"protocol", ProtocolName(static_cast<Protocol>(protocol))}};
      Method& method = methods_[m.name()][protocol];
      method.refused_ = &refused_;
      method.started_ = &started.Add(labels);
      method.received_ = &received.Add(labels);
      method.sent_ = &sent.Add(labels);
      method.seconds_ = &seconds.Add(labels, HandlingBuckets());
      for (size_t code = 0; code < kCodeNames.size(); ++code) {
        prometheus::Labels with_code = labels;
        with_code.emplace("grpc_code", kCodeNames[code]);
        method.handled_[code] = &handled.Add(with_code);
      }
    }
  }
}

const CallMetrics::Method* CallMetrics::Find(absl::string_view method,
                                             Protocol protocol) const {
  auto it = methods_.find(method);
  if (it == methods_.end()) return nullptr;
  return &it->second[static_cast<size_t>(protocol)];
}

}  // namespace indicators::rpc
