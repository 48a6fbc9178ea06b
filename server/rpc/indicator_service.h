#ifndef INDICATORS_SERVER_RPC_INDICATOR_SERVICE_H_
#define INDICATORS_SERVER_RPC_INDICATOR_SERVICE_H_

#include <memory>

#include "indicators/v1/indicator_service.grpc.pb.h"
#include "server/core/service_core.h"
#include "server/rpc/auth.h"
#include "server/rpc/dataset_manager.h"

namespace indicators::rpc {

namespace internal {
using Svc = v1::IndicatorService;
// Raw methods (request and response as bytes) for every call on the request
// path, so that responses are assembled from pre-encoded bytes; the typed
// callback API for GetDatasetInfo and ReloadDataset, which are rare.
using ServiceBase = Svc::WithRawCallbackMethod_ListIndicators<
    Svc::WithRawCallbackMethod_GetIndicator<
        Svc::WithRawCallbackMethod_ListRegions<
            Svc::WithRawCallbackMethod_GetRegion<
                Svc::WithRawCallbackMethod_ListSources<
                    Svc::WithRawCallbackMethod_GetSource<
                        Svc::WithRawCallbackMethod_QueryObservations<
                            Svc::WithRawCallbackMethod_StreamObservations<
                                Svc::WithCallbackMethod_GetDatasetInfo<
                                    Svc::WithCallbackMethod_ReloadDataset<
                                        Svc::Service>>>>>>>>>>;
}  // namespace internal

// The `indicators.v1.IndicatorService` on gRPC's callback API. Each handler
// parses the request, calls `ServiceCore`, encodes the result from the
// dataset's pre-encoded bytes and finishes on the calling thread: the core
// never blocks, so callback threads never wait.
class IndicatorService final : public internal::ServiceBase {
 public:
  // Serves the snapshots of `manager` to callers `authorizer` admits;
  // `stream_batch_size` is the number of observations per streamed message;
  // ReloadDataset reloads from `data_dir`.
  IndicatorService(std::shared_ptr<DatasetManager> manager,
                   std::shared_ptr<const Authorizer> authorizer,
                   size_t stream_batch_size, std::string data_dir);

  grpc::ServerUnaryReactor* ListIndicators(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetIndicator(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListRegions(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetRegion(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetSource(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* QueryObservations(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamObservations(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* GetDatasetInfo(
      grpc::CallbackServerContext* context,
      const v1::GetDatasetInfoRequest* request,
      v1::GetDatasetInfoResponse* response) override;
  grpc::ServerUnaryReactor* ReloadDataset(
      grpc::CallbackServerContext* context,
      const v1::ReloadDatasetRequest* request,
      v1::ReloadDatasetResponse* response) override;

 private:
  std::shared_ptr<DatasetManager> manager_;
  std::shared_ptr<const Authorizer> authorizer_;
  size_t stream_batch_size_;
  std::string data_dir_;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_INDICATOR_SERVICE_H_
