#include "server/rpc/metrics_endpoint.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "indicators/v1/indicator_service.pb.h"

namespace indicators::rpc {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& listen, std::shared_ptr<const DatasetManager> datasets,
    bool source_is_database) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  endpoint->registry_ = std::make_shared<prometheus::Registry>();
  // The service's descriptor, reached through a message of its file.
  const google::protobuf::ServiceDescriptor* service =
      v1::QueryObservationsRequest::descriptor()->file()->FindServiceByName(
          "IndicatorService");
  endpoint->calls_ =
      std::make_shared<CallMetrics>(*endpoint->registry_, *service);
  endpoint->dataset_ =
      std::make_shared<DatasetMetrics>(std::move(datasets), source_is_database);
  try {
    // One thread answers scrapes; the exposer throws if it cannot bind.
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(listen, 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "metrics_listen: cannot listen on ", listen, ": ", e.what()));
  }
  const std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("metrics_listen: cannot listen on ", listen));
  }
  endpoint->port_ = ports[0];
  endpoint->exposer_->RegisterCollectable(endpoint->registry_);
  endpoint->exposer_->RegisterCollectable(endpoint->dataset_);
  return endpoint;
}

}  // namespace indicators::rpc
