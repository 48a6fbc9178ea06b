#ifndef INDICATORS_SERVER_CORE_DATASET_DATASET_TABLES_H_
#define INDICATORS_SERVER_CORE_DATASET_DATASET_TABLES_H_

// The tables of one dataset before it is indexed, and their query order.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "server/core/dataset/model.h"
#include "server/core/dataset/source_sets.h"

namespace indicators {

// The tables a loader produces. Indicators, regions and sources are sorted by
// id; observations refer to them by index and may be in any order.
struct DatasetTables {
  std::vector<Indicator> indicators;
  std::vector<Region> regions;
  std::vector<Source> sources;
  std::vector<Observation> observations;
  SourceSets source_sets;          // What `Observation::source_set` indexes.
  std::vector<std::string> notes;  // notes[0] must be "".
  // Each observation's place in its store's order (a database's ordinal),
  // kept in step with `observations` by the sort; empty when the rows came
  // from files, whose order is their position.
  std::vector<int64_t> positions;
};

// Limits of one dataset, from how rows are keyed for sorting.
inline constexpr size_t kMaxIndicators = (size_t{1} << 16) - 1;
inline constexpr size_t kMaxRegions = (size_t{1} << 24) - 1;

// Where a row goes in query order, but for its position: two keys compare
// as the rows do by everything `SortIntoQueryOrder` orders by before it.
struct QueryOrderKey {
  uint64_t hi;
  uint64_t lo;  // The low 32 bits are 0.
  bool operator<(const QueryOrderKey& o) const {
    return hi < o.hi || (hi == o.hi && lo < o.lo);
  }
  bool operator==(const QueryOrderKey& o) const {
    return hi == o.hi && lo == o.lo;
  }
};
QueryOrderKey QueryOrderKeyOf(const DatasetTables& tables,
                              const Observation& o);

// Sorts `tables->observations` into query order: indicator, region, period,
// then preference: status (final, preliminary, estimate), then the row's best
// source grade, then an exact figure before a hedged one (about, over, under,
// nearly), then the newest publication among the row's sources (an unknown
// date is the oldest), then position in the file. Applies the same permutation
// to `lines` unless it is null, and to `tables->positions` unless empty.
// Requires at most kMaxIndicators indicators and kMaxRegions regions. Returns
// at once if the rows are already in order.
void SortIntoQueryOrder(DatasetTables* tables, std::vector<uint32_t>* lines);

// Returns a map from each item's id (the member `id`) to its index in
// `items`. The keys view the items' strings: `items` must outlive the map.
template <typename T>
absl::flat_hash_map<absl::string_view, uint32_t> IndexById(
    const std::vector<T>& items, std::string T::*id) {
  absl::flat_hash_map<absl::string_view, uint32_t> index;
  index.reserve(items.size());
  for (uint32_t i = 0; i < items.size(); ++i) index.emplace(items[i].*id, i);
  return index;
}

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_DATASET_DATASET_TABLES_H_
