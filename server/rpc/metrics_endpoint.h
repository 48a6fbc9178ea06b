#ifndef INDICATORS_SERVER_RPC_METRICS_ENDPOINT_H_
#define INDICATORS_SERVER_RPC_METRICS_ENDPOINT_H_

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/rpc/call_metrics.h"
#include "server/serving/dataset_manager.h"
#include "server/serving/dataset_metrics.h"

namespace indicators::rpc {

// The Prometheus endpoint (prometheus-cpp's pull exposer): GET /metrics on
// its own HTTP port answers the call counters (`CallMetrics`) and the
// dataset's state (`DatasetMetrics`) in the text exposition format.
class MetricsEndpoint {
 public:
  // Listens on `listen` (host:port; port 0 picks a free one). UNAVAILABLE if
  // it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& listen, std::shared_ptr<const DatasetManager> datasets,
      bool source_is_database);

  // The call counters, for the call adapter.
  std::shared_ptr<const CallMetrics> calls() const { return calls_; }
  // Returns the port bound.
  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<DatasetMetrics> dataset_;
  std::shared_ptr<const CallMetrics> calls_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_METRICS_ENDPOINT_H_
