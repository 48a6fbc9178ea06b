// What comparability warnings cost a 100-row page: finding them (one pass,
// then the messages) and writing them after the pre-encoded rows, for a page
// that mixes nothing and one that mixes statuses, qualifiers and sources,
// beside encoding the page itself. bench/run.sh prints it.
// Reads the dataset in $INDICATORS_BENCH_DATA (a datagen directory: every
// page of its synthetic series mixes statuses, qualifiers and sources) or
// the frozen innovation test dataset.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "server/core/analysis/comparability.h"
#include "server/core/load/dataset_loader.h"
#include "server/core/service_core.h"
#include "server/wire/encoded_dataset.h"

namespace {

using indicators::ObservationFilter;

struct Fixture {
  std::shared_ptr<const indicators::Dataset> dataset;
  std::unique_ptr<indicators::rpc::EncodedDataset> encoded;
  std::vector<uint32_t> mixed;  // 100 rows of one series, everything mixed.
  std::vector<uint32_t> clean;  // 100 preferred final rows.
};

const Fixture& Data() {
  static const Fixture* fixture = [] {
    const char* dir = std::getenv("INDICATORS_BENCH_DATA");
    auto d =
        indicators::LoadDataset(dir != nullptr ? dir : INDICATORS_TEST_DATA);
    if (!d.ok()) std::abort();
    auto* f = new Fixture{
        *d, std::make_unique<indicators::rpc::EncodedDataset>(*d), {}, {}};
    indicators::ServiceCore core(*d, indicators::PageTokenCodec("k"));
    const bool synthetic = dir != nullptr;
    ObservationFilter mixed;
    mixed.indicator_ids = {synthetic ? "ind_000" : "rd_expenditure"};
    if (synthetic) mixed.region_codes = {"XA-000000"};
    // Preferred final figures: on the innovation data, the provinces' R&D
    // expenditure of 2019-2023 mixes nothing; every synthetic page still
    // mixes qualifiers.
    ObservationFilter clean = mixed;
    clean.source_mode = indicators::SourceMode::kPreferred;
    clean.statuses = {indicators::ObservationStatus::kFinal};
    if (!synthetic) {
      clean.start_period = "2019";
      clean.end_period = "2023";
    }
    f->mixed = core.QueryObservations(mixed, {100, ""})->items;
    f->clean = core.QueryObservations(clean, {100, ""})->items;
    return f;
  }();
  return *fixture;
}

void BM_EncodePage(benchmark::State& state) {
  const Fixture& f = Data();
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.encoded->QueryPage(f.mixed, ""));
  }
}
BENCHMARK(BM_EncodePage);

// Finds and writes the warnings of one page's rows.
void Warnings(benchmark::State& state, const std::vector<uint32_t>& rows) {
  const Fixture& f = Data();
  size_t count = 0;
  for (auto _ : state) {
    auto warnings = indicators::FindWarnings(*f.dataset, rows);
    count = warnings.size();
    benchmark::DoNotOptimize(f.encoded->Warnings(warnings));
  }
  state.counters["warnings"] = static_cast<double>(count);
}

void BM_WarningsOfAMixedPage(benchmark::State& state) {
  Warnings(state, Data().mixed);
}
BENCHMARK(BM_WarningsOfAMixedPage);

void BM_WarningsOfACleanPage(benchmark::State& state) {
  Warnings(state, Data().clean);
}
BENCHMARK(BM_WarningsOfACleanPage);

}  // namespace

BENCHMARK_MAIN();
