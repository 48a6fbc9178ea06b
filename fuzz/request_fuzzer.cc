// Fuzzes request handling from raw request bytes, as the raw callback methods
// receive them: parse a QueryObservationsRequest and run the service's own
// handler for it (convert, validate, query the test dataset, encode). Any
// bytes must give a response or a request error (never INTERNAL or UNKNOWN),
// and never crash.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "indicators/v1/indicator_service.pb.h"
#include "server/core/dataset_source.h"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  indicators::v1::QueryObservationsRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  DatasetManager& datasets = Datasets();
  const auto snapshot = datasets.Current();
  const indicators::rpc::Call call{*snapshot, datasets, 1000,
                                   [] { return false; }};
  auto bytes = indicators::rpc::handlers::QueryObservations(call, request);
  if (!bytes.ok()) {
    const absl::StatusCode code = bytes.status().code();
    if (code != absl::StatusCode::kInvalidArgument &&
        code != absl::StatusCode::kNotFound) {
      __builtin_trap();
    }
    return 0;
  }
  if (bytes->Length() == 0) __builtin_trap();  // Always has a version.
  return 0;
}
