// Fuzzes request handling from raw request bytes, as the raw callback methods
// receive them: parse the bytes as a QueryObservationsRequest (filters and
// value options), an AggregateObservationsRequest, a SearchCatalogRequest, a
// StreamObservationColumnsRequest, a WatchObservationsRequest and a
// GetObservationHistoryRequest, and run the service's own handler for each
// that parses (convert, validate, query the test dataset, encode; a column
// export to its end, each batch checked to parse with columns as long as its
// row count; a watch through its initial matches and the changes of the
// reloads logged at start, each message checked to parse). Any bytes must
// give a response or a request error (never INTERNAL or UNKNOWN), and never
// crash.

#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "indicators/v1/indicator_service.pb.h"
#include "server/core/load/dataset_source.h"
#include "server/core/service_core.h"
#include "server/rpc/handlers.h"

namespace {

using indicators::rpc::DatasetManager;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The test dataset, served from a copy that two reloads changed: the log
// holds a revision that revises and withdraws rows and one that adds them
// back, for watches to read.
DatasetManager& Datasets() {
  static DatasetManager* datasets = [] {
    char scratch[] = "/tmp/request_fuzzer.XXXXXX";
    if (mkdtemp(scratch) == nullptr) __builtin_trap();
    const std::string dir = scratch;
    for (const char* file :
         {"indicators.csv", "regions.csv", "sources.csv", "observations.csv"}) {
      WriteFile(dir + "/" + file,
                ReadFile(std::string(INDICATORS_DATA_DIR) + "/" + file));
    }
    auto source = std::make_shared<const indicators::CsvDirectorySource>(dir);
    auto dataset = source->Load();
    if (!dataset.ok()) __builtin_trap();
    auto* manager = new DatasetManager(
        std::make_shared<const indicators::ServiceCore>(
            *dataset, indicators::PageTokenCodec("fuzzing key")),
        source);
    const std::string observations = ReadFile(dir + "/observations.csv");
    // Every third row's note revised, every seventh row withdrawn.
    std::vector<std::string> lines = absl::StrSplit(observations, '\n');
    std::vector<std::string> changed = {lines[0]};
    for (size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].empty() || i % 7 == 0) continue;
      if (i % 3 != 0 || lines[i].find('"') != std::string::npos) {
        changed.push_back(lines[i]);
      } else {
        changed.push_back(lines[i] + " (revised)");
      }
    }
    WriteFile(dir + "/observations.csv", absl::StrJoin(changed, "\n") + "\n");
    if (!manager->Reload("fuzzing, revision 1").ok()) __builtin_trap();
    WriteFile(dir + "/observations.csv", observations);
    if (!manager->Reload("fuzzing, revision 2").ok()) __builtin_trap();
    return manager;
  }();
  return *datasets;
}

// A handler's failure must be a request error.
void CheckRefusal(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
      return;
    default:
      __builtin_trap();
  }
}

// Returns the bytes of `message`.
std::string Flatten(const grpc::ByteBuffer& message) {
  std::vector<grpc::Slice> slices;
  if (!message.Dump(&slices).ok()) __builtin_trap();
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
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
  if (!bytes.ok()) return CheckRefusal(bytes.status());
  if (bytes->Length() == 0) __builtin_trap();
}

// Parses `data` as `Request` and runs the streaming `handler` with
// `batch_size` rows per message, pulling every message until the source has
// none (or none yet: a watch); each must parse as `Response` and pass
// `check`. A refusal must be a request error.
template <typename Request, typename Response, typename Handler, typename Check>
void RunStream(const uint8_t* data, size_t size, size_t batch_size,
               Handler handler, Check check) {
  using Pull = indicators::rpc::MessageSource::Pull;
  Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  DatasetManager& datasets = Datasets();
  const auto snapshot = datasets.Current();
  const auto never_cancelled = [] { return false; };
  const indicators::rpc::Call call{*snapshot, datasets, batch_size,
                                   never_cancelled};
  auto source = handler(call, request);
  if (!source.ok()) return CheckRefusal(source.status());
  (*source)->CallWhenReady([] {});
  grpc::ByteBuffer message;
  for (int messages = 0;; ++messages) {
    if (messages > 100000) __builtin_trap();  // A stream that never ends.
    auto pulled = (*source)->Next(&message);
    if (!pulled.ok()) __builtin_trap();
    if (*pulled != Pull::kMessage) break;
    Response parsed;
    if (!parsed.ParseFromString(Flatten(message))) __builtin_trap();
    check(request, parsed);
  }
  (*source)->StopCalling();
}

// A column batch holds columns as long as its row count.
void CheckColumns(const indicators::v1::StreamObservationColumnsRequest&,
                  const indicators::v1::StreamObservationColumnsResponse& m) {
  const indicators::v1::ObservationColumns& c = m.columns();
  if (c.values().size() != size_t{c.row_count()} * 8 ||
      c.regions().codes().size() !=
          size_t{c.row_count()} * c.regions().width()) {
    __builtin_trap();
  }
}

// A watch's changes come in revision order, each revision's last message
// (not `partial`) carrying its number.
class WatchCheck {
 public:
  void operator()(const indicators::v1::WatchObservationsRequest& request,
                  const indicators::v1::WatchObservationsResponse& m) {
    if (m.event() != indicators::v1::WATCH_EVENT_CHANGES) return;
    if (m.changes().empty()) __builtin_trap();
    if (m.partial()) return;
    const int64_t before = revision_.value_or(request.start_revision());
    if (m.revision() <= before && before != 0) __builtin_trap();
    revision_ = m.revision();
  }

 private:
  std::optional<int64_t> revision_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace handlers = indicators::rpc::handlers;
  namespace v1 = indicators::v1;
  Run<v1::QueryObservationsRequest>(data, size, handlers::QueryObservations);
  Run<v1::AggregateObservationsRequest>(data, size,
                                        handlers::AggregateObservations);
  Run<v1::SearchCatalogRequest>(data, size, handlers::SearchCatalog);
  Run<v1::GetObservationHistoryRequest>(data, size,
                                        handlers::GetObservationHistory);
  // Small batches: many messages, and batches of many runs and of few.
  RunStream<v1::StreamObservationColumnsRequest,
            v1::StreamObservationColumnsResponse>(
      data, size, 7, handlers::StreamObservationColumns, CheckColumns);
  // Revisions of many changes come in several messages.
  RunStream<v1::WatchObservationsRequest, v1::WatchObservationsResponse>(
      data, size, 50, handlers::WatchObservations, WatchCheck());
  return 0;
}
