// What a full export costs the server's core, in process and without a
// socket: scanning and encoding every batch of the row stream
// (StreamObservations) and of the column export (StreamObservationColumns),
// per observation. bench/run.sh prints it beside the end-to-end rates.
// Reads the dataset in $INDICATORS_BENCH_DATA (a datagen directory) or the
// frozen innovation test dataset.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "server/core/comparability.h"
#include "server/core/dataset_loader.h"
#include "server/core/service_core.h"
#include "server/rpc/encoded_columns.h"
#include "server/rpc/encoded_dataset.h"

namespace {

using indicators::ObservationStream;

struct Fixture {
  std::shared_ptr<const indicators::Dataset> dataset;
  std::unique_ptr<indicators::ServiceCore> core;
  std::unique_ptr<indicators::rpc::EncodedDataset> encoded;
  std::unique_ptr<indicators::rpc::EncodedColumns> columns;
};

const Fixture& Data() {
  static const Fixture* fixture = [] {
    const char* dir = std::getenv("INDICATORS_BENCH_DATA");
    auto d =
        indicators::LoadDataset(dir != nullptr ? dir : INDICATORS_TEST_DATA);
    if (!d.ok()) std::abort();
    return new Fixture{*d,
                       std::make_unique<indicators::ServiceCore>(
                           *d, indicators::PageTokenCodec("k")),
                       std::make_unique<indicators::rpc::EncodedDataset>(*d),
                       std::make_unique<indicators::rpc::EncodedColumns>(*d)};
  }();
  return *fixture;
}

ObservationStream Everything() {
  auto stream = Data().core->StreamObservations({}, "");
  if (!stream.ok()) std::abort();
  return *std::move(stream);
}

// The row stream's batches as sent: 1000 rows, warnings, pre-encoded bytes.
void BM_RowStreamExport(benchmark::State& state) {
  const Fixture& f = Data();
  int64_t rows = 0;
  for (auto _ : state) {
    ObservationStream stream = Everything();
    indicators::SentWarnings sent;
    std::vector<uint32_t> batch;
    while (stream.Next(1000, &batch)) {
      auto shown = indicators::ShowRows(*f.dataset, batch, {}, &sent);
      auto bytes = f.encoded->StreamBatch(batch, stream.ResumeToken(),
                                          f.encoded->Warnings(shown->warnings));
      benchmark::DoNotOptimize(bytes);
      rows += batch.size();
    }
  }
  state.counters["ns_per_observation"] = benchmark::Counter(
      static_cast<double>(rows),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RowStreamExport)->Unit(benchmark::kMillisecond);

// The column export's batches as sent: 4000 rows.
void BM_ColumnExport(benchmark::State& state) {
  const Fixture& f = Data();
  int64_t rows = 0;
  for (auto _ : state) {
    ObservationStream stream = Everything();
    indicators::rpc::EncodedColumns::SentEntries sent(*f.columns);
    std::vector<indicators::RowRun> runs;
    while (stream.NextRuns(8000, &runs)) {
      auto bytes = f.columns->Batch(runs, &sent, stream.ResumeToken());
      benchmark::DoNotOptimize(bytes);
      for (const auto& r : runs) rows += r.end - r.begin;
    }
  }
  state.counters["ns_per_observation"] = benchmark::Counter(
      static_cast<double>(rows),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ColumnExport)->Unit(benchmark::kMillisecond);

// The row stream's encoding alone, without warnings.
void BM_RowEncodingOnly(benchmark::State& state) {
  const Fixture& f = Data();
  int64_t rows = 0;
  for (auto _ : state) {
    ObservationStream stream = Everything();
    std::vector<uint32_t> batch;
    while (stream.Next(1000, &batch)) {
      auto bytes = f.encoded->StreamBatch(batch, stream.ResumeToken(), "");
      benchmark::DoNotOptimize(bytes);
      rows += batch.size();
    }
  }
  state.counters["ns_per_observation"] = benchmark::Counter(
      static_cast<double>(rows),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RowEncodingOnly)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
