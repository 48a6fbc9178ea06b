// What a full export costs the server's core, in process and without a
// socket: scanning and encoding every batch of the row stream
// (StreamObservations) and of the column export (StreamObservationColumns),
// per observation. bench/run.sh prints it beside the end-to-end rates.
// Reads the dataset in $INDICATORS_BENCH_DATA (a datagen directory) or the
// frozen innovation test dataset.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "server/core/analysis/comparability.h"
#include "server/core/load/dataset_loader.h"
#include "server/core/service_core.h"
#include "server/rpc/handlers.h"
#include "server/wire/encoded_columns.h"
#include "server/wire/encoded_dataset.h"

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

// The server's default rows per row-stream message, and per column batch.
constexpr size_t kRowBatch = 1000;
constexpr size_t kColumnBatch = indicators::rpc::kColumnBatchFactor * kRowBatch;

void ReportPerObservation(benchmark::State& state, int64_t rows) {
  state.counters["ns_per_observation"] = benchmark::Counter(
      static_cast<double>(rows),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The row stream's batches as sent (pre-encoded bytes), with their warnings
// (argument 1) or without (0: the encoding alone).
void BM_RowStreamExport(benchmark::State& state) {
  const Fixture& f = Data();
  const bool warnings = state.range(0) != 0;
  int64_t rows = 0;
  for (auto _ : state) {
    ObservationStream stream = Everything();
    indicators::SentWarnings sent;
    std::vector<uint32_t> batch;
    while (stream.Next(kRowBatch, &batch)) {
      std::string tail;
      if (warnings) {
        auto shown = indicators::ShowRows(*f.dataset, batch, {}, &sent);
        tail = f.encoded->Warnings(shown->warnings);
      }
      auto bytes = f.encoded->StreamBatch(batch, stream.ResumeToken(), tail);
      benchmark::DoNotOptimize(bytes);
      rows += batch.size();
    }
  }
  ReportPerObservation(state, rows);
}
BENCHMARK(BM_RowStreamExport)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// The column export's batches as sent.
void BM_ColumnExport(benchmark::State& state) {
  const Fixture& f = Data();
  int64_t rows = 0;
  for (auto _ : state) {
    ObservationStream stream = Everything();
    indicators::rpc::EncodedColumns::SentEntries sent(*f.columns);
    std::vector<indicators::RowRun> runs;
    while (stream.NextRuns(kColumnBatch, &runs)) {
      auto bytes = f.columns->Batch(runs, &sent, stream.ResumeToken());
      benchmark::DoNotOptimize(bytes);
      for (const auto& r : runs) rows += r.end - r.begin;
    }
  }
  ReportPerObservation(state, rows);
}
BENCHMARK(BM_ColumnExport)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
