// Fuzzes request handling from raw request bytes, as the raw callback methods
// receive them: parse the bytes as a QueryObservationsRequest (filters and
// value options), an AggregateObservationsRequest, a SearchCatalogRequest and
// a StreamObservationColumnsRequest and run the service's own handler for each
// that parses (convert, validate, query the test dataset, encode; a column
// export to its end, each batch checked to parse with columns as long as its
// row count). Any bytes must give a response or a request error (never
// INTERNAL or UNKNOWN), and never crash.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "indicators/v1/indicator_service.pb.h"
#include "server/core/load/dataset_source.h"
#include "server/core/service_core.h"
#include "server/rpc/handlers.h"

namespace {

using indicators::rpc::DatasetManager;

DatasetManager& Datasets() {
  static DatasetManager* datasets = [] {
    auto source = std::make_shared<const indicators::CsvDirectorySource>(
        INDICATORS_DATA_DIR);
    auto dataset = source->Load();
    if (!dataset.ok()) __builtin_trap();
    return new DatasetManager(
        std::make_shared<const indicators::ServiceCore>(
            *dataset, indicators::PageTokenCodec("fuzzing key")),
        source);
  }();
  return *datasets;
}

// Parses `data` as `Request` and runs `handler`: a response (never empty:
// it always has a version) or a request error.
template <typename Request, typename Handler>
void Run(const uint8_t* data, size_t size, Handler handler) {
  Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  DatasetManager& datasets = Datasets();
  const auto snapshot = datasets.Current();
  const auto never_cancelled = [] { return false; };
  const indicators::rpc::Call call{*snapshot, datasets, 1000, never_cancelled};
  auto bytes = handler(call, request);
  if (!bytes.ok()) {
    const absl::StatusCode code = bytes.status().code();
    if (code != absl::StatusCode::kInvalidArgument &&
        code != absl::StatusCode::kNotFound) {
      __builtin_trap();
    }
    return;
  }
  if (bytes->Length() == 0) __builtin_trap();
}

// The same for a column export: every message, until the end.
void RunColumnExport(const uint8_t* data, size_t size) {
  namespace v1 = indicators::v1;
  v1::StreamObservationColumnsRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  DatasetManager& datasets = Datasets();
  const auto snapshot = datasets.Current();
  const auto never_cancelled = [] { return false; };
  // Small batches: many messages, and batches of many runs and of few.
  const indicators::rpc::Call call{*snapshot, datasets, 7, never_cancelled};
  auto source =
      indicators::rpc::handlers::StreamObservationColumns(call, request);
  if (!source.ok()) {
    const absl::StatusCode code = source.status().code();
    if (code != absl::StatusCode::kInvalidArgument &&
        code != absl::StatusCode::kNotFound) {
      __builtin_trap();
    }
    return;
  }
  grpc::ByteBuffer message;
  while (true) {
    auto pulled = (*source)->Next(&message);
    if (!pulled.ok()) __builtin_trap();
    if (*pulled != indicators::rpc::MessageSource::Pull::kMessage) break;
    std::vector<grpc::Slice> slices;
    if (!message.Dump(&slices).ok()) __builtin_trap();
    std::string bytes;
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    v1::StreamObservationColumnsResponse parsed;
    if (!parsed.ParseFromString(bytes)) __builtin_trap();
    const v1::ObservationColumns& c = parsed.columns();
    if (c.values().size() != size_t{c.row_count()} * 8 ||
        c.regions().codes().size() !=
            size_t{c.row_count()} * c.regions().width()) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace handlers = indicators::rpc::handlers;
  namespace v1 = indicators::v1;
  Run<v1::QueryObservationsRequest>(data, size, handlers::QueryObservations);
  Run<v1::AggregateObservationsRequest>(data, size,
                                        handlers::AggregateObservations);
  Run<v1::SearchCatalogRequest>(data, size, handlers::SearchCatalog);
  RunColumnExport(data, size);
  return 0;
}
