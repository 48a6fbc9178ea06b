#ifndef INDICATORS_SERVER_RPC_INDICATOR_SERVICE_H_
#define INDICATORS_SERVER_RPC_INDICATOR_SERVICE_H_

#include <memory>

#include "indicators/v1/indicator_service.grpc.pb.h"
#include "server/rpc/call_adapter.h"

namespace indicators::rpc {

namespace internal {
using Svc = v1::IndicatorService;
// Raw methods (request and response as bytes) for every call, so that
// responses are assembled from pre-encoded bytes and every method goes
// through the same adapter.
using ServiceBase = Svc::WithRawCallbackMethod_ListIndicators<Svc::WithRawCallbackMethod_GetIndicator<
    Svc::WithRawCallbackMethod_ListRegions<Svc::WithRawCallbackMethod_GetRegion<
        Svc::WithRawCallbackMethod_ListSources<Svc::WithRawCallbackMethod_GetSource<
            Svc::WithRawCallbackMethod_QueryObservations<Svc::WithRawCallbackMethod_StreamObservations<
                Svc::WithRawCallbackMethod_StreamObservationColumns<
                    Svc::WithRawCallbackMethod_GetDatasetInfo<Svc::WithRawCallbackMethod_ReloadDataset<
                        Svc::WithRawCallbackMethod_GetObservationHistory<
                            Svc::WithRawCallbackMethod_IngestObservations<
                                Svc::WithRawCallbackMethod_WatchObservations<
                                    Svc::WithRawCallbackMethod_AggregateObservations<
                                        Svc::WithRawCallbackMethod_SearchCatalog<
                                            Svc::WithRawCallbackMethod_RankRegions<
                                                Svc::WithRawCallbackMethod_ReconcileObservations<
                                                    Svc::
                                                        Service>>>>>>>>>>>>>>>>>>;
}  // namespace internal

// The `indicators.v1.IndicatorService` on gRPC's callback API: each method
// names its handler (`handlers.h`) and the permission it needs, and the one
// `CallAdapter` does the rest.
class IndicatorService final : public internal::ServiceBase {
 public:
  explicit IndicatorService(CallAdapter adapter)
      : adapter_(std::move(adapter)) {}

  using Context = grpc::CallbackServerContext;
  using Unary = grpc::ServerUnaryReactor;
  using Buffer = grpc::ByteBuffer;

  Unary* ListIndicators(Context* c, const Buffer* in, Buffer* out) override;
  Unary* GetIndicator(Context* c, const Buffer* in, Buffer* out) override;
  Unary* ListRegions(Context* c, const Buffer* in, Buffer* out) override;
  Unary* GetRegion(Context* c, const Buffer* in, Buffer* out) override;
  Unary* ListSources(Context* c, const Buffer* in, Buffer* out) override;
  Unary* GetSource(Context* c, const Buffer* in, Buffer* out) override;
  Unary* QueryObservations(Context* c, const Buffer* in, Buffer* out) override;
  grpc::ServerWriteReactor<Buffer>* StreamObservations(
      Context* c, const Buffer* in) override;
  grpc::ServerWriteReactor<Buffer>* StreamObservationColumns(
      Context* c, const Buffer* in) override;
  Unary* GetDatasetInfo(Context* c, const Buffer* in, Buffer* out) override;
  Unary* ReloadDataset(Context* c, const Buffer* in, Buffer* out) override;
  Unary* GetObservationHistory(Context* c, const Buffer* in,
                               Buffer* out) override;
  Unary* IngestObservations(Context* c, const Buffer* in, Buffer* out) override;
  grpc::ServerWriteReactor<Buffer>* WatchObservations(
      Context* c, const Buffer* in) override;
  Unary* AggregateObservations(Context* c, const Buffer* in,
                               Buffer* out) override;
  Unary* SearchCatalog(Context* c, const Buffer* in, Buffer* out) override;
  Unary* RankRegions(Context* c, const Buffer* in, Buffer* out) override;
  Unary* ReconcileObservations(Context* c, const Buffer* in,
                               Buffer* out) override;

 private:
  const CallAdapter adapter_;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_INDICATOR_SERVICE_H_
