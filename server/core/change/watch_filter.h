#ifndef INDICATORS_SERVER_CORE_CHANGE_WATCH_FILTER_H_
#define INDICATORS_SERVER_CORE_CHANGE_WATCH_FILTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "server/core/dataset/dataset.h"
#include "server/core/query/observation_query.h"

namespace indicators {

// What a watch filter looks at in a changed observation, by ids, so that it
// applies to observations of any dataset version.
struct ChangedRow {
  std::string indicator_id;
  std::string region_code;
  int32_t last_month = 0;  // `Period::last_month_index`.
  std::vector<std::string> source_ids;
  ObservationStatus status = ObservationStatus::kFinal;
  Reliability reliability = Reliability::kUnspecified;
  bool derived = false;  // A derived indicator's row.
};

// Returns the `ChangedRow` of row `row` of `dataset`.
ChangedRow ChangedRowOf(const Dataset& dataset, uint32_t row);

// A filter for watching changes: checked against the dataset served when the
// watch starts (the same errors as a query), then resolved to ids (regions
// with their subregions then), so that it applies to later versions too.
class WatchFilter {
 public:
  // INVALID_ARGUMENT also for `latest_only`, `source_mode` PREFERRED and
  // `known_on`, which pick among versions of a figure.
  static absl::StatusOr<WatchFilter> Create(const Dataset& dataset,
                                            const ObservationFilter& filter,
                                            size_t max_ids = SIZE_MAX);

  bool Matches(const ChangedRow& row) const;

 private:
  absl::flat_hash_set<std::string> indicators_;  // Empty: all published.
  absl::flat_hash_set<std::string> regions_;     // Empty: all.
  absl::flat_hash_set<std::string> sources_;     // Empty: all.
  int32_t first_month_ = INT32_MIN;
  int32_t last_month_ = INT32_MAX;
  uint32_t status_mask_ = ~0u;
  Reliability min_reliability_ = Reliability::kUnspecified;
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_CHANGE_WATCH_FILTER_H_
