#ifndef INDICATORS_SERVER_CORE_DATASET_DATASET_H_
#define INDICATORS_SERVER_CORE_DATASET_DATASET_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "server/core/dataset/dataset_tables.h"
#include "server/core/dataset/derived_indicators.h"
#include "server/core/dataset/model.h"

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

// One immutable version of the dataset with its indexes. Every method is safe
// to call from many threads at once; nothing changes after `Create`.
class Dataset {
 public:
  // Sorts the observations into query order (see `SortIntoQueryOrder`) and
  // builds the indexes. `version` identifies the content; `revision` is the
  // store's change counter it was read at (0 for a CSV directory).
  // With `sorted`, the caller has put the observations in query order
  // already (the sort is skipped, not checked).
  static std::shared_ptr<const Dataset> Create(DatasetTables tables,
                                               std::string version,
                                               absl::Time load_time,
                                               int64_t revision = 0,
                                               bool sorted = false);

  const std::string& version() const { return version_; }
  absl::Time load_time() const { return load_time_; }
  int64_t revision() const { return revision_; }

  // Tables sorted by id (the derived indicators, after the published ones,
  // by rule); indexes into them are stable for this version.
  const std::vector<Indicator>& indicators() const { return t_.indicators; }
  const std::vector<Region>& regions() const { return t_.regions; }
  const std::vector<Source>& sources() const { return t_.sources; }
  // Observations in query order: the published ones, then the derived ones.
  const std::vector<Observation>& observations() const {
    return t_.observations;
  }

  // Each published row's place in its store (a database's ordinal), by row;
  // empty when the dataset came from files.
  const std::vector<int64_t>& positions() const { return t_.positions; }

  // The published indicators are [0, published_indicator_count()) and the
  // published observations [0, published_observation_count()); what follows
  // is derived (`derived_indicators.h`).
  uint32_t published_indicator_count() const {
    return derived_.published_indicators;
  }
  uint32_t published_observation_count() const {
    return derived_.published_rows;
  }
  bool is_derived_indicator(uint32_t indicator) const {
    return indicator >= derived_.published_indicators;
  }
  bool is_derived_row(uint32_t row) const {
    return row >= derived_.published_rows;
  }
  // How derived indicator `indicator` is computed.
  const DerivedIndicator& derivation_of_indicator(uint32_t indicator) const {
    return derived_.indicators[indicator - derived_.published_indicators];
  }
  // The input rows (numerator, denominator) of derived row `row`.
  const std::array<uint32_t, 2>& inputs_of(uint32_t row) const {
    return derived_.inputs[row - derived_.published_rows];
  }
  // Returns the preferred row of a figure (the first of its period in query
  // order), or nullopt if the figure has no observation.
  std::optional<uint32_t> preferred_row(uint32_t indicator, uint32_t region,
                                        Period period) const;

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
  // Every indicator (published and derived) in id order.
  const std::vector<uint32_t>& indicators_by_id() const {
    return indicators_by_id_;
  }
  // The scan sequence: the rows of every indicator in id order, each
  // indicator's rows in query order. (The table holds the derived rows after
  // every published one, so for them a row's index is not its place in id
  // order.) Returns the place in that sequence of `indicator`'s first row,
  // and of row `row`.
  uint64_t scan_begin(uint32_t indicator) const {
    return scan_begin_[indicator];
  }
  uint64_t ScanPosition(uint32_t row) const;
  // The first row of `indicator` (its rows are consecutive), and how many.
  uint32_t first_row(uint32_t indicator) const;
  uint32_t row_count(uint32_t indicator) const;
  // Returns the source indexes of an observation, ordered by id.
  absl::Span<const uint32_t> sources_of(const Observation& o) const {
    return t_.source_sets[o.source_set];
  }
  // Returns the distinct source sets that observations cite.
  const SourceSets& source_sets() const { return t_.source_sets; }
  // Returns the day (as YYYYMMDD) from which observation `o` was known: the
  // earliest publication date among its sources, where a date given only as
  // YYYY-MM or YYYY counts from the last day of that month or year (the
  // latest it can mean); 0 if none of its sources has a date. A derived row
  // is known once both its inputs are (0 if either is undated). `o` must be
  // an element of `observations()`.
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
  std::vector<uint32_t> indicators_by_id_;
  std::vector<uint64_t> scan_begin_;  // By indicator.
  std::vector<IndicatorCoverage> coverage_;
  std::vector<uint32_t> source_known_from_;  // By source; 0 = no date.
  DerivedTables derived_;
};

// Names observation `row` for a message: "rd_expenditure CN-GD 2023 (S1;
// SEED)".
std::string DescribeRow(const Dataset& dataset, uint32_t row);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_DATASET_DATASET_H_
