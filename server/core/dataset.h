#ifndef INDICATORS_SERVER_CORE_DATASET_H_
#define INDICATORS_SERVER_CORE_DATASET_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "server/core/model.h"

namespace indicators {

// The observations of one indicator in one region: rows [begin, end) of
// `Dataset::observations()`, ordered by period and then by preference.
struct Series {
  uint32_t indicator;
  uint32_t region;
  uint32_t begin;
  uint32_t end;
};

// What the dataset holds for one indicator.
struct IndicatorCoverage {
  uint32_t indicator = 0;
  int64_t observation_count = 0;
  int32_t region_count = 0;
  std::optional<Period> first_period;
  std::optional<Period> last_period;
  int32_t source_count = 0;
};

// The tables a loader produces. Indicators, regions and sources are sorted by
// id; observations refer to them by index and may be in any order.
struct DatasetTables {
  std::vector<Indicator> indicators;
  std::vector<Region> regions;
  std::vector<Source> sources;
  std::vector<Observation> observations;
  std::vector<uint32_t> source_refs;  // Source indexes, ranges per observation.
  std::vector<std::string> notes;     // notes[0] must be "".
};

// Limits of one dataset, from how rows are keyed for sorting.
inline constexpr size_t kMaxIndicators = (size_t{1} << 16) - 1;
inline constexpr size_t kMaxRegions = (size_t{1} << 24) - 1;

// Sorts `tables->observations` into query order: indicator, region, period,
// then preference: status (final, preliminary, estimate), then the row's best
// source grade, then an exact figure before a hedged one (about, over, under,
// nearly), then the newest publication among the row's sources (an unknown
// date is the oldest), then position in the file. Applies the same permutation
// to `lines` unless it is null. Requires at most kMaxIndicators indicators and
// kMaxRegions regions. Returns at once if the rows are already in order.
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

// One immutable version of the dataset with its indexes. Every method is safe
// to call from many threads at once; nothing changes after `Create`.
class Dataset {
 public:
  // Sorts the observations into query order (see `SortIntoQueryOrder`) and
  // builds the indexes. `version` identifies the content; `revision` is the
  // store's change counter it was read at (0 for a CSV directory).
  static std::shared_ptr<const Dataset> Create(DatasetTables tables,
                                               std::string version,
                                               absl::Time load_time,
                                               int64_t revision = 0);

  const std::string& version() const { return version_; }
  absl::Time load_time() const { return load_time_; }
  int64_t revision() const { return revision_; }

  // Tables sorted by id; indexes into them are stable for this version.
  const std::vector<Indicator>& indicators() const { return t_.indicators; }
  const std::vector<Region>& regions() const { return t_.regions; }
  const std::vector<Source>& sources() const { return t_.sources; }
  // Observations in query order.
  const std::vector<Observation>& observations() const {
    return t_.observations;
  }

  // Return the index of an id, or nullopt if it is unknown.
  std::optional<uint32_t> FindIndicator(absl::string_view id) const;
  std::optional<uint32_t> FindRegion(absl::string_view code) const;
  std::optional<uint32_t> FindSource(absl::string_view id) const;

  // Returns the regions whose parent is `region`, ordered by code.
  absl::Span<const uint32_t> children(uint32_t region) const {
    return children_[region];
  }
  // Returns the series of one indicator, ordered by region code.
  absl::Span<const Series> series_of(uint32_t indicator) const;
  // Returns the source indexes of an observation, ordered by id.
  absl::Span<const uint32_t> sources_of(const Observation& o) const {
    return absl::MakeConstSpan(t_.source_refs)
        .subspan(o.sources_begin, o.sources_count);
  }
  // Returns the day (as YYYYMMDD) from which observation `o` was known: the
  // earliest publication date among its sources, where a date given only as
  // YYYY-MM or YYYY counts from the last day of that month or year (the
  // latest it can mean); 0 if none of its sources has a date.
  uint32_t known_from(const Observation& o) const;
  // The same for one source: its publication date as YYYYMMDD counted from
  // the last day it can mean; 0 if it has none.
  uint32_t source_known_from(uint32_t source) const {
    return source_known_from_[source];
  }
  absl::string_view note_of(const Observation& o) const {
    return t_.notes[o.note];
  }
  // Returns the distinct notes; `Observation::note` indexes them.
  const std::vector<std::string>& notes() const { return t_.notes; }
  // Returns the coverage of each indicator that has observations, by id.
  const std::vector<IndicatorCoverage>& coverage() const { return coverage_; }

 private:
  Dataset() = default;
  void BuildIndexes();

  DatasetTables t_;
  std::string version_;
  absl::Time load_time_;
  int64_t revision_ = 0;
  absl::flat_hash_map<absl::string_view, uint32_t> indicator_index_;
  absl::flat_hash_map<absl::string_view, uint32_t> region_index_;
  absl::flat_hash_map<absl::string_view, uint32_t> source_index_;
  std::vector<std::vector<uint32_t>> children_;
  std::vector<Series> series_;
  std::vector<uint32_t> series_by_indicator_;  // Offsets, size indicators + 1.
  std::vector<IndicatorCoverage> coverage_;
  std::vector<uint32_t> source_known_from_;  // By source; 0 = no date.
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_DATASET_H_
