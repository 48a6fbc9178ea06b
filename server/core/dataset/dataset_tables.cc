#include "server/core/dataset/dataset_tables.h"

#include <algorithm>
#include <utility>

namespace indicators {

QueryOrderKey QueryOrderKeyOf(const DatasetTables& tables,
                              const Observation& o) {
  // Indicator (16 bits), region (24), period (18), status (2), reliability
  // inverted (3); then whether the figure is hedged (1: any qualifier but
  // exact) and the newest publication among the row's sources, inverted.
  int32_t newest = 0;
  for (uint32_t s : tables.source_sets[o.source_set]) {
    newest = std::max(newest, tables.sources[s].published.sort_key);
  }
  return {uint64_t{o.indicator} << 47 | uint64_t{o.region} << 23 |
              static_cast<uint64_t>(o.period.sort_key()) << 5 |
              static_cast<uint64_t>(o.status) << 3 |
              (7 - static_cast<uint64_t>(o.reliability)),
          uint64_t{o.qualifier != Qualifier::kExact} << 63 |
              static_cast<uint64_t>(99999999 - newest) << 32};
}

void SortIntoQueryOrder(DatasetTables* tables, std::vector<uint32_t>* lines) {
  std::vector<Observation>& rows = tables->observations;
  // One 128-bit key per row, so that sorting compares integers only: the
  // query order key, with the row's position in its low 32 bits, which keeps
  // file order among equals.
  using Key = QueryOrderKey;
  std::vector<Key> keys(rows.size());
  bool sorted = true;
  for (size_t i = 0; i < rows.size(); ++i) {
    keys[i] = QueryOrderKeyOf(*tables, rows[i]);
    keys[i].lo |= i;
    sorted = sorted && (i == 0 || keys[i - 1] < keys[i]);
  }
  if (sorted) return;
  std::sort(keys.begin(), keys.end());
  std::vector<Observation> out;
  out.reserve(rows.size());
  for (const Key& k : keys) out.push_back(rows[static_cast<uint32_t>(k.lo)]);
  rows = std::move(out);
  if (!tables->positions.empty()) {
    std::vector<int64_t> permuted;
    permuted.reserve(rows.size());
    for (const Key& k : keys) {
      permuted.push_back(tables->positions[static_cast<uint32_t>(k.lo)]);
    }
    tables->positions = std::move(permuted);
  }
  if (lines != nullptr) {
    std::vector<uint32_t> permuted;
    permuted.reserve(lines->size());
    for (const Key& k : keys) {
      permuted.push_back((*lines)[static_cast<uint32_t>(k.lo)]);
    }
    *lines = std::move(permuted);
  }
}

}  // namespace indicators
