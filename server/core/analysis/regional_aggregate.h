#ifndef INDICATORS_SERVER_CORE_ANALYSIS_REGIONAL_AGGREGATE_H_
#define INDICATORS_SERVER_CORE_ANALYSIS_REGIONAL_AGGREGATE_H_

// Regional aggregates: an indicator added up over a region's children or a
// list of regions, period by period, from each region's preferred figure; a
// ratio only as the ratio of the sums of its numerator and denominator. Each
// aggregate keeps its inputs and its coverage.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/analysis/comparability.h"
#include "server/core/base/interval.h"
#include "server/core/dataset/dataset.h"

namespace indicators {

// The fields of `indicators.v1.AggregateObservationsRequest`, unchecked.
struct AggregateRequest {
  std::string indicator_id;
  std::string parent_region_code;
  std::vector<std::string> region_codes;
  std::string start_period;
  std::string end_period;
};

// The aggregate of one period.
struct RegionalAggregate {
  Period period = Period::Year(1000);
  double value = 0;
  // The interval the inputs' bounds allow (interval arithmetic).
  Interval bounds;
  Qualifier qualifier = Qualifier::kExact;  // kAbout if any input hedged.
  ObservationStatus status = ObservationStatus::kFinal;  // The weakest.
  Reliability reliability = Reliability::kOfficial;      // The weakest.
  std::vector<uint32_t> sources;  // Every input's, by index (id order).
  // (role, row): "part" for a sum; "numerator" and "denominator" for a ratio.
  std::vector<std::pair<std::string, uint32_t>> inputs;
  int32_t expected_regions = 0;
  std::vector<uint32_t> reporting;  // Regions.
  std::vector<uint32_t> missing;    // Expected regions without a figure.
  std::optional<uint32_t> published_total;  // The parent's preferred row.
  double share_of_published_total = 0;
};

struct Aggregates {
  std::shared_ptr<const Dataset> dataset;
  uint32_t indicator = 0;
  std::optional<uint32_t> parent;  // Region; none for a list.
  std::string formula;
  std::vector<RegionalAggregate> periods;  // Oldest first.
  std::vector<ComparabilityWarning> warnings;
};

// Aggregates as `request` asks. INVALID_ARGUMENT naming the field for a
// missing indicator, neither or both of a parent and a list, a malformed
// period or a ratio without a rule (reason NOT_AGGREGATABLE); NOT_FOUND for
// an unknown id. A list longer than `max_ids` is INVALID_ARGUMENT.
absl::StatusOr<Aggregates> AggregateRegions(
    std::shared_ptr<const Dataset> dataset, const AggregateRequest& request,
    size_t max_ids);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_ANALYSIS_REGIONAL_AGGREGATE_H_
