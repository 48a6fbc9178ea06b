// Fuzzes the dataset loader: the input is split at NUL bytes into the four
// files (indicators, regions, sources, observations). Any input must give a
// dataset or an error, never a crash, leak or undefined behaviour; a dataset
// that loads must answer a query over everything.

#include <cstddef>
#include <cstdint>
#include <string>

#include "server/core/load/dataset_loader.h"
#include "server/core/query/observation_query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string texts[4];
  size_t file = 0;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0 && file < 3) {
      ++file;
    } else {
      texts[file].push_back(static_cast<char>(data[i]));
    }
  }
  auto dataset = indicators::LoadDatasetFromTexts("fuzz", texts);
  if (!dataset.ok()) return 0;
  auto filter = indicators::CompileFilter(**dataset, {});
  if (!filter.ok()) __builtin_trap();  // An empty filter always compiles.
  size_t rows = 0;
  indicators::ScanObservations(**dataset, *filter, 0, [&](uint32_t, uint64_t) {
    ++rows;
    return true;
  });
  if (rows != (*dataset)->observations().size()) __builtin_trap();
  return 0;
}
