#include "server/rpc/indicator_service.h"

namespace indicators::rpc {

using Svc = IndicatorService;
constexpr Permission kRead = Permission::kRead;
constexpr Permission kAdmin = Permission::kAdmin;
constexpr Permission kWrite = Permission::kWrite;

Svc::Unary* Svc::ListIndicators(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Unary("ListIndicators", kRead, &handlers::ListIndicators, c,
                        in, out);
}

Svc::Unary* Svc::GetIndicator(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Unary("GetIndicator", kRead, &handlers::GetIndicator, c, in,
                        out);
}

Svc::Unary* Svc::ListRegions(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Unary("ListRegions", kRead, &handlers::ListRegions, c, in,
                        out);
}

Svc::Unary* Svc::GetRegion(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Unary("GetRegion", kRead, &handlers::GetRegion, c, in, out);
}

Svc::Unary* Svc::ListSources(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Unary("ListSources", kRead, &handlers::ListSources, c, in,
                        out);
}

Svc::Unary* Svc::GetSource(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Unary("GetSource", kRead, &handlers::GetSource, c, in, out);
}

Svc::Unary* Svc::QueryObservations(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Unary("QueryObservations", kRead,
                        &handlers::QueryObservations, c, in, out);
}

grpc::ServerWriteReactor<Svc::Buffer>* Svc::StreamObservations(
    Context* c, const Buffer* in) {
  return adapter_.Stream("StreamObservations", kRead,
                         &handlers::StreamObservations, c, in);
}

grpc::ServerWriteReactor<Svc::Buffer>* Svc::StreamObservationColumns(
    Context* c, const Buffer* in) {
  return adapter_.Stream("StreamObservationColumns", kRead,
                         &handlers::StreamObservationColumns, c, in);
}

Svc::Unary* Svc::GetDatasetInfo(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Unary("GetDatasetInfo", kRead, &handlers::GetDatasetInfo, c,
                        in, out);
}

Svc::Unary* Svc::ReloadDataset(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Blocking("ReloadDataset", kAdmin, &handlers::ReloadDataset, c,
                           in, out);
}

Svc::Unary* Svc::GetObservationHistory(Context* c, const Buffer* in,
                                       Buffer* out) {
  return adapter_.Blocking("GetObservationHistory", kRead,
                           &handlers::GetObservationHistory, c, in, out);
}

Svc::Unary* Svc::IngestObservations(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Blocking("IngestObservations", kWrite,
                           &handlers::IngestObservations, c, in, out);
}

grpc::ServerWriteReactor<Svc::Buffer>* Svc::WatchObservations(
    Context* c, const Buffer* in) {
  return adapter_.Stream("WatchObservations", kRead,
                         &handlers::WatchObservations, c, in);
}

Svc::Unary* Svc::AggregateObservations(Context* c, const Buffer* in,
                                       Buffer* out) {
  return adapter_.Unary("AggregateObservations", kRead,
                        &handlers::AggregateObservations, c, in, out);
}

Svc::Unary* Svc::SearchCatalog(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Unary("SearchCatalog", kRead, &handlers::SearchCatalog, c, in,
                        out);
}

Svc::Unary* Svc::RankRegions(Context* c, const Buffer* in, Buffer* out) {
  return adapter_.Unary("RankRegions", kRead, &handlers::RankRegions, c, in,
                        out);
}

Svc::Unary* Svc::ReconcileObservations(Context* c, const Buffer* in,
                                       Buffer* out) {
  return adapter_.Unary("ReconcileObservations", kRead,
                        &handlers::ReconcileObservations, c, in, out);
}

}  // namespace indicators::rpc
