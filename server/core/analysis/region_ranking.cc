#include "server/core/analysis/region_ranking.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/core/analysis/region_codes.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"
#include "server/core/dataset/value_bounds.h"

namespace indicators {

bool CertainlyAhead(const Interval& a, const Interval& b, bool ascending) {
  return ascending ? b.Above(a) : a.Above(b);
}

std::vector<RankRange> RankRanges(absl::Span<const Interval> bounds,
                                  bool ascending) {
  const int32_t n = static_cast<int32_t>(bounds.size());
  std::vector<RankRange> out(bounds.size(), RankRange{1, n});
  for (size_t i = 0; i < bounds.size(); ++i) {
    for (size_t j = 0; j < bounds.size(); ++j) {
      if (i == j) continue;
      if (CertainlyAhead(bounds[j], bounds[i], ascending)) ++out[i].best;
      if (CertainlyAhead(bounds[i], bounds[j], ascending)) --out[i].worst;
    }
  }
  return out;
}

namespace {

// The regions to rank: the parent's children with a series of `indicator`,
// or the listed regions, each once.
absl::StatusOr<std::vector<uint32_t>> RegionsToRank(const Dataset& d,
                                                    const RankRequest& request,
                                                    uint32_t indicator,
                                                    size_t max_ids) {
  const bool by_parent = !request.parent_region_code.empty();
  if (by_parent == !request.region_codes.empty()) {
    return InvalidField(
        by_parent ? reason::kInvalidRequest : reason::kMissingField,
        "parent_region_code",
        "give either a parent region or a list of region_codes (exactly one)");
  }
  if (request.region_codes.size() > max_ids) {
    return InvalidField(reason::kTooManyIds, "region_codes",
                        absl::StrCat("at most ", max_ids, " regions"));
  }
  std::vector<uint32_t> regions;
  if (by_parent) {
    std::optional<uint32_t> parent = d.FindRegion(request.parent_region_code);
    if (!parent) {
      return UnknownId(
          reason::kUnknownRegion, "parent_region_code",
          absl::StrCat("unknown region ", Quoted(request.parent_region_code)));
    }
    absl::Span<const Series> series = d.series_of(indicator);
    for (uint32_t child : d.children(*parent)) {
      if (std::any_of(series.begin(), series.end(),
                      [&](const Series& s) { return s.region == child; })) {
        regions.push_back(child);
      }
    }
    return regions;
  }
  return ResolveRegionCodes(d, request.region_codes);
}

// The latest period (by its last month, a year after its December) in which
// one of `regions` has a figure of `indicator`.
std::optional<Period> LatestPeriod(const Dataset& d, uint32_t indicator,
                                   absl::Span<const uint32_t> regions) {
  std::optional<Period> latest;
  for (const Series& s : d.series_of(indicator)) {
    if (!std::binary_search(regions.begin(), regions.end(), s.region)) continue;
    for (uint32_t r = s.begin; r < s.end; ++r) {
      const Period p = d.observations()[r].period;
      if (!latest || p.last_month_index() > latest->last_month_index() ||
          (p.last_month_index() == latest->last_month_index() && p.is_year())) {
        latest = p;
      }
    }
  }
  return latest;
}

}  // namespace

absl::StatusOr<Ranking> RankRegions(std::shared_ptr<const Dataset> dataset,
                                    const RankRequest& request,
                                    size_t max_ids) {
  const Dataset& d = *dataset;
  if (request.indicator_id.empty()) {
    return InvalidField(reason::kMissingField, "indicator_id", "is required");
  }
  std::optional<uint32_t> indicator = d.FindIndicator(request.indicator_id);
  if (!indicator) {
    return UnknownId(
        reason::kUnknownIndicator, "indicator_id",
        absl::StrCat("unknown indicator ", Quoted(request.indicator_id)));
  }
  ASSIGN_OR_RETURN(std::vector<uint32_t> regions,
                   RegionsToRank(d, request, *indicator, max_ids));
  Ranking out;
  out.dataset = dataset;
  out.indicator = *indicator;
  out.ascending = request.ascending;
  if (!request.period.empty()) {
    absl::StatusOr<Period> p = Period::Parse(request.period);
    if (!p.ok()) {
      return InvalidField(reason::kInvalidPeriod, "period",
                          p.status().message());
    }
    out.period = *p;
  } else if (std::optional<Period> latest =
                 LatestPeriod(d, *indicator, regions)) {
    out.period = *latest;
  } else {
    out.missing = regions;
    return out;
  }
  for (uint32_t region : regions) {
    std::optional<uint32_t> row =
        d.preferred_row(*indicator, region, out.period);
    if (!row) {
      out.missing.push_back(region);
      continue;
    }
    out.regions.push_back({region, *row, RowBounds(d, *row), {}});
  }
  auto by_code = [&](uint32_t a, uint32_t b) {
    return d.regions()[a].code < d.regions()[b].code;
  };
  std::sort(out.missing.begin(), out.missing.end(), by_code);
  std::sort(out.regions.begin(), out.regions.end(),
            [&](const RankedRegion& a, const RankedRegion& b) {
              const double x = d.observations()[a.row].value;
              const double y = d.observations()[b.row].value;
              if (x != y) return request.ascending ? x < y : x > y;
              return by_code(a.region, b.region);
            });
  std::vector<Interval> bounds;
  for (const RankedRegion& r : out.regions) bounds.push_back(r.bounds);
  const std::vector<RankRange> ranks = RankRanges(bounds, request.ascending);
  for (size_t i = 0; i < out.regions.size(); ++i) {
    out.regions[i].rank = ranks[i];
    for (size_t j = i + 1; j < out.regions.size(); ++j) {
      if (!CertainlyAhead(bounds[i], bounds[j], request.ascending)) {
        out.undetermined.emplace_back(i, j);
      }
    }
  }
  return out;
}

}  // namespace indicators
