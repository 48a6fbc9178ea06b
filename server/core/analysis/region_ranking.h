#ifndef INDICATORS_SERVER_CORE_ANALYSIS_REGION_RANKING_H_
#define INDICATORS_SERVER_CORE_ANALYSIS_REGION_RANKING_H_

// Regions ranked by one indicator in one period, from each region's preferred
// figure, with what the figures' bounds allow: each region's rank range (the
// best and the worst rank any values inside the bounds would give it) and the
// pairs the bounds cannot order.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/core/base/interval.h"
#include "server/core/dataset/dataset.h"

namespace indicators {

// The fields of `indicators.v1.RankRegionsRequest`, unchecked.
struct RankRequest {
  std::string indicator_id;
  std::string period;  // Empty: the latest with a figure of a ranked region.
  std::string parent_region_code;
  std::vector<std::string> region_codes;
  bool ascending = false;  // Rank 1 is the smallest, not the largest.
};

// Ranks of intervals: `bounds[i]` of item i. Rank 1 is the largest (or with
// `ascending` the smallest). An item's best rank is 1 + the number of items
// certainly ahead of it; its worst is the count of items minus those it is
// certainly ahead of. With points (exact bounds) both are its place in a
// plain sort, ties sharing the range of their places.
struct RankRange {
  int32_t best = 0;
  int32_t worst = 0;
};
std::vector<RankRange> RankRanges(absl::Span<const Interval> bounds,
                                  bool ascending);

// True if every value of `a` ranks before every value of `b`.
bool CertainlyAhead(const Interval& a, const Interval& b, bool ascending);

struct RankedRegion {
  uint32_t region = 0;
  uint32_t row = 0;  // Its preferred figure.
  Interval bounds;
  RankRange rank;
};

struct Ranking {
  std::shared_ptr<const Dataset> dataset;
  uint32_t indicator = 0;
  Period period = Period::Year(1000);
  bool ascending = false;
  // By point value (largest first, or smallest with `ascending`), ties by
  // region code.
  std::vector<RankedRegion> regions;
  // Ranked regions' places (i < j in `regions`) whose order the bounds
  // cannot decide; every other pair is in `regions`' order for certain.
  std::vector<std::pair<uint32_t, uint32_t>> undetermined;
  // Expected regions without a figure for the period, by code.
  std::vector<uint32_t> missing;
};

// Ranks as `request` asks: the parent's children that have a series of the
// indicator, or exactly the listed regions (one of the two is required).
// INVALID_ARGUMENT naming the field for a missing indicator, neither or both
// of a parent and a list, a malformed period or too long a list (more than
// `max_ids`); NOT_FOUND for an unknown id.
absl::StatusOr<Ranking> RankRegions(std::shared_ptr<const Dataset> dataset,
                                    const RankRequest& request, size_t max_ids);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_ANALYSIS_REGION_RANKING_H_
