// Fuzzes request handling from raw request bytes, as the raw callback methods
// receive them: parse a QueryObservationsRequest, convert, validate, query the
// bundled dataset and encode the response. Any bytes must give a response or
// a request error (never INTERNAL or UNKNOWN), and never crash.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "indicators/v1/indicator_service.pb.h"
#include "server/core/dataset_loader.h"
#include "server/core/service_core.h"
#include "server/rpc/convert.h"
#include "server/rpc/encoded_dataset.h"

namespace {

struct Fixture {
  std::shared_ptr<const indicators::ServiceCore> core;
  std::unique_ptr<indicators::rpc::EncodedDataset> encoded;
};

const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    auto dataset = indicators::LoadDataset(INDICATORS_DATA_DIR);
    if (!dataset.ok()) __builtin_trap();
    auto* f = new Fixture;
    f->core = std::make_shared<const indicators::ServiceCore>(
        *dataset, indicators::PageTokenCodec("fuzzing key"));
    f->encoded = std::make_unique<indicators::rpc::EncodedDataset>(*dataset);
    return f;
  }();
  return *fixture;
}

void CheckIsRequestError(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument &&
      status.code() != absl::StatusCode::kNotFound) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = GetFixture();
  indicators::v1::QueryObservationsRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto filter = indicators::rpc::FromProto(request.filter());
  if (!filter.ok()) {
    CheckIsRequestError(filter.status());
    return 0;
  }
  auto page = f.core->QueryObservations(
      *filter, {request.page_size(), request.page_token()});
  if (!page.ok()) {
    CheckIsRequestError(page.status());
    return 0;
  }
  grpc::ByteBuffer bytes = f.encoded->QueryPage(page->items, page->next_page_token);
  if (bytes.Length() == 0) __builtin_trap();  // Always has a version.
  return 0;
}
