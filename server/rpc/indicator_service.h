#ifndef INDICATORS_SERVER_RPC_INDICATOR_SERVICE_H_
#define INDICATORS_SERVER_RPC_INDICATOR_SERVICE_H_

#include <memory>

#include "indicators/v1/indicator_service.grpc.pb.h"
#include "server/core/service_core.h"

namespace indicators::rpc {

// The `indicators.v1.IndicatorService` on gRPC's callback API. Each handler
// converts the request, calls `ServiceCore`, converts the result and finishes
// on the calling thread: the core never blocks, so callback threads never wait.
class IndicatorService final : public v1::IndicatorService::CallbackService {
 public:
  // `stream_batch_size` is the number of observations per streamed message.
  IndicatorService(std::shared_ptr<const ServiceCore> core,
                   size_t stream_batch_size)
      : core_(std::move(core)), stream_batch_size_(stream_batch_size) {}

  grpc::ServerUnaryReactor* ListIndicators(
      grpc::CallbackServerContext* context,
      const v1::ListIndicatorsRequest* request,
      v1::ListIndicatorsResponse* response) override;
  grpc::ServerUnaryReactor* GetIndicator(grpc::CallbackServerContext* context,
                                         const v1::GetIndicatorRequest* request,
                                         v1::Indicator* response) override;
  grpc::ServerUnaryReactor* ListRegions(
      grpc::CallbackServerContext* context,
      const v1::ListRegionsRequest* request,
      v1::ListRegionsResponse* response) override;
  grpc::ServerUnaryReactor* GetRegion(grpc::CallbackServerContext* context,
                                      const v1::GetRegionRequest* request,
                                      v1::Region* response) override;
  grpc::ServerUnaryReactor* ListSources(
      grpc::CallbackServerContext* context,
      const v1::ListSourcesRequest* request,
      v1::ListSourcesResponse* response) override;
  grpc::ServerUnaryReactor* GetSource(grpc::CallbackServerContext* context,
                                      const v1::GetSourceRequest* request,
                                      v1::Source* response) override;
  grpc::ServerUnaryReactor* QueryObservations(
      grpc::CallbackServerContext* context,
      const v1::QueryObservationsRequest* request,
      v1::QueryObservationsResponse* response) override;
  grpc::ServerWriteReactor<v1::StreamObservationsResponse>* StreamObservations(
      grpc::CallbackServerContext* context,
      const v1::StreamObservationsRequest* request) override;
  grpc::ServerUnaryReactor* GetDatasetInfo(
      grpc::CallbackServerContext* context,
      const v1::GetDatasetInfoRequest* request,
      v1::GetDatasetInfoResponse* response) override;

 private:
  std::shared_ptr<const ServiceCore> core_;
  size_t stream_batch_size_;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_INDICATOR_SERVICE_H_
