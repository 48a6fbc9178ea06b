#ifndef INDICATORS_SERVER_RPC_HANDLERS_H_
#define INDICATORS_SERVER_RPC_HANDLERS_H_

// The service's methods, one function each, in one shape: from the call (the
// snapshot it serves from) and the parsed request to the response bytes, or
// for a streaming method to the source of its messages, or a status. They
// never see gRPC's call objects: `CallAdapter` authorizes, parses, maps the
// status and finishes. A handler only converts and delegates to the core.

#include <grpcpp/support/byte_buffer.h>

#include <functional>
#include <memory>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "indicators/v1/indicator_service.pb.h"
#include "server/rpc/message_source.h"
#include "server/rpc/quota.h"
#include "server/serving/dataset_manager.h"

namespace indicators::rpc {

// What a handler sees of its call.
struct Call {
  // The dataset version the whole call is served from.
  const Snapshot& snapshot;
  // The server's datasets, for the methods that report or replace them.
  DatasetManager& datasets;
  // Observations per message of a streaming export.
  size_t stream_batch_size;
  // Returns true once the caller has gone or the deadline has passed.
  absl::FunctionRef<bool()> cancelled;
  // Whom the call counts against and the limits (null or unlimited: none).
  const QuotaSubject* quota = nullptr;
};

// A column batch holds this many times `stream_batch_size` rows: at about 17
// bytes a row against about 60, its messages are the row stream's size.
inline constexpr size_t kColumnBatchFactor = 8;

using Bytes = absl::StatusOr<grpc::ByteBuffer>;
using Messages = absl::StatusOr<std::unique_ptr<MessageSource>>;

namespace handlers {

Bytes ListIndicators(const Call& call, const v1::ListIndicatorsRequest& r);
Bytes GetIndicator(const Call& call, const v1::GetIndicatorRequest& r);
Bytes ListRegions(const Call& call, const v1::ListRegionsRequest& r);
Bytes GetRegion(const Call& call, const v1::GetRegionRequest& r);
Bytes ListSources(const Call& call, const v1::ListSourcesRequest& r);
Bytes GetSource(const Call& call, const v1::GetSourceRequest& r);
Bytes QueryObservations(const Call& call,
                        const v1::QueryObservationsRequest& r);
// Every match of the filter in query order, `stream_batch_size` per message;
// an empty result is one message with no observations.
Messages StreamObservations(const Call& call,
                            const v1::StreamObservationsRequest& r);
// The same matches as columns, `kColumnBatchFactor` x `stream_batch_size`
// rows per message; an empty result is one message with no rows.
Messages StreamObservationColumns(const Call& call,
                                  const v1::StreamObservationColumnsRequest& r);
// The changes to the filter's observations from a revision on, as this server
// loads them (see the contract), through the server's change log.
Messages WatchObservations(const Call& call,
                           const v1::WatchObservationsRequest& r);
Bytes GetObservationHistory(const Call& call,
                            const v1::GetObservationHistoryRequest& r);
Bytes GetDatasetInfo(const Call& call, const v1::GetDatasetInfoRequest& r);
// Sums (or ratios of sums) over a region's children or a list of regions.
Bytes AggregateObservations(const Call& call,
                            const v1::AggregateObservationsRequest& r);
Bytes RankRegions(const Call& call, const v1::RankRegionsRequest& r);
// The selected figures checked against each other, a page of figures.
Bytes ReconcileObservations(const Call& call,
                            const v1::ReconcileObservationsRequest& r);
// Free-text search over indicators, regions and sources.
Bytes SearchCatalog(const Call& call, const v1::SearchCatalogRequest& r);
// Writes a batch to the database and answers once it is committed and
// served; FAILED_PRECONDITION for a server of files.
Bytes IngestObservations(const Call& call,
                         const v1::IngestObservationsRequest& r);
// Reloads the dataset; FAILED_PRECONDITION if the new one is rejected (the
// previous version keeps serving).
Bytes ReloadDataset(const Call& call, const v1::ReloadDatasetRequest& r);

}  // namespace handlers
}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_HANDLERS_H_
