#include "server/core/analysis/regional_aggregate.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/core/analysis/region_codes.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"
#include "server/core/dataset/derived_indicators.h"
#include "server/core/dataset/value_bounds.h"

namespace indicators {
namespace {

// The input indicators: one summed, or a numerator and a denominator.
struct Rule {
  std::vector<std::pair<std::string, uint32_t>> inputs;  // (role, indicator)
  const RatioRule* ratio = nullptr;
};

absl::StatusOr<Rule> RuleFor(const Dataset& d, uint32_t indicator) {
  const Indicator& i = d.indicators()[indicator];
  if (i.aggregation == Aggregation::kSum) return Rule{{{"part", indicator}}};
  const RatioRule* ratio = RatioRuleFor(i.id);
  std::optional<uint32_t> num, den;
  if (ratio != nullptr) {
    num = d.FindIndicator(ratio->numerator);
    den = d.FindIndicator(ratio->denominator);
  }
  if (!num || !den) {
    return InvalidField(
        reason::kNotAggregatable, "indicator_id",
        absl::StrCat(i.id,
                     " does not add up across regions (aggregation none) and "
                     "has no rule to aggregate it as a ratio of sums"));
  }
  return Rule{{{"numerator", *num}, {"denominator", *den}}, ratio};
}

absl::StatusOr<std::optional<Period>> ParseBound(const std::string& text,
                                                 absl::string_view field) {
  if (text.empty()) return std::nullopt;
  absl::StatusOr<Period> p = Period::Parse(text);
  if (!p.ok()) {
    return InvalidField(reason::kInvalidPeriod, field, p.status().message());
  }
  return *p;
}

bool HasSeries(const Dataset& d, uint32_t indicator, uint32_t region) {
  absl::Span<const Series> series = d.series_of(indicator);
  auto it =
      std::partition_point(series.begin(), series.end(),
                           [&](const Series& s) { return s.region < region; });
  return it != series.end() && it->region == region;
}

// A request checked against the dataset: the indicator, how it aggregates,
// and the period bounds.
struct CheckedRequest {
  uint32_t indicator = 0;
  Rule rule;
  std::optional<Period> start;
  std::optional<Period> end;
};

absl::StatusOr<CheckedRequest> Check(const Dataset& d,
                                     const AggregateRequest& request,
                                     size_t max_ids) {
  if (request.indicator_id.empty()) {
    return InvalidField(reason::kMissingField, "indicator_id", "is required");
  }
  std::optional<uint32_t> indicator = d.FindIndicator(request.indicator_id);
  if (!indicator) {
    return UnknownId(
        reason::kUnknownIndicator, "indicator_id",
        absl::StrCat("unknown indicator ", Quoted(request.indicator_id)));
  }
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
  CheckedRequest out;
  out.indicator = *indicator;
  ASSIGN_OR_RETURN(out.rule, RuleFor(d, *indicator));
  ASSIGN_OR_RETURN(out.start, ParseBound(request.start_period, "start_period"));
  ASSIGN_OR_RETURN(out.end, ParseBound(request.end_period, "end_period"));
  if (out.start && out.end &&
      out.end->last_month_index() < out.start->first_month_index()) {
    return InvalidField(reason::kInvalidPeriod, "end_period",
                        "is before start_period");
  }
  return out;
}

// Returns the regions expected to report: the parent's children that report
// every input in some period (and sets `parent`), or the listed regions,
// sorted and each once.
absl::StatusOr<std::vector<uint32_t>> ExpectedRegions(
    const Dataset& d, const AggregateRequest& request, const Rule& rule,
    std::optional<uint32_t>* parent) {
  std::vector<uint32_t> expected;
  if (!request.parent_region_code.empty()) {
    *parent = d.FindRegion(request.parent_region_code);
    if (!*parent) {
      return UnknownId(
          reason::kUnknownRegion, "parent_region_code",
          absl::StrCat("unknown region ", Quoted(request.parent_region_code)));
    }
    for (uint32_t child : d.children(**parent)) {
      if (std::all_of(
              rule.inputs.begin(), rule.inputs.end(),
              [&](const auto& in) { return HasSeries(d, in.second, child); })) {
        expected.push_back(child);
      }
    }
    return expected;
  }
  return ResolveRegionCodes(d, request.region_codes);
}

// Returns what the regions are aggregated over, as the formula names it.
std::string Over(const AggregateRequest& request) {
  return request.parent_region_code.empty()
             ? absl::StrJoin(request.region_codes, ", ")
             : absl::StrCat("the regions of ", request.parent_region_code);
}

// Returns the formula: "sum(x) over ..." or "sum(a) / sum(b) * k over ...".
std::string Formula(const Dataset& d, const Rule& rule,
                    const std::string& over) {
  const std::string& first = d.indicators()[rule.inputs[0].second].id;
  if (rule.ratio == nullptr)
    return absl::StrCat("sum(", first, ") over ", over);
  return absl::StrCat(
      "sum(", first, ") / sum(", d.indicators()[rule.inputs[1].second].id, ")",
      rule.ratio->scale == 1 ? "" : absl::StrCat(" * ", rule.ratio->scale),
      " over ", over);
}

// Returns an empty aggregate for every period in range that any expected
// region reports of the first input.
std::map<Period, RegionalAggregate> PeriodsInRange(
    const Dataset& d, const CheckedRequest& checked,
    const std::vector<uint32_t>& expected) {
  std::map<Period, RegionalAggregate> periods;
  const std::optional<Period>& start = checked.start;
  const std::optional<Period>& end = checked.end;
  auto in_range = [&](Period p) {
    return (!start || p.last_month_index() >= start->first_month_index()) &&
           (!end || p.last_month_index() <= end->last_month_index());
  };
  for (uint32_t region : expected) {
    for (const Series& s : d.series_of(checked.rule.inputs[0].second)) {
      if (s.region != region) continue;
      for (uint32_t r = s.begin; r < s.end; ++r) {
        const Period p = d.observations()[r].period;
        if (in_range(p)) periods.try_emplace(p);
      }
    }
  }
  return periods;
}

// Adds up the preferred figures of `a.period` of each expected region that
// reports every input; sets the aggregate's value, inputs, weakest
// qualifier, status and reliability, and sources. Returns false if no region
// reports, or the denominators add up to 0.
bool AddUp(const Dataset& d, const CheckedRequest& checked,
           const std::vector<uint32_t>& expected, RegionalAggregate* a) {
  const Rule& rule = checked.rule;
  a->expected_regions = static_cast<int32_t>(expected.size());
  std::vector<double> sums(rule.inputs.size(), 0.0);
  std::vector<Interval> sum_bounds(rule.inputs.size(), Interval::Point(0));
  for (uint32_t region : expected) {
    std::vector<uint32_t> rows;
    for (const auto& [role, ind] : rule.inputs) {
      if (std::optional<uint32_t> row =
              d.preferred_row(ind, region, a->period)) {
        rows.push_back(*row);
      }
    }
    if (rows.size() != rule.inputs.size()) {
      a->missing.push_back(region);
      continue;
    }
    a->reporting.push_back(region);
    for (size_t k = 0; k < rows.size(); ++k) {
      const Observation& o = d.observations()[rows[k]];
      sums[k] += o.value;
      sum_bounds[k] = sum_bounds[k] + RowBounds(d, rows[k]);
      a->inputs.emplace_back(rule.inputs[k].first, rows[k]);
      if (o.qualifier != Qualifier::kExact) a->qualifier = Qualifier::kAbout;
      a->status = std::max(a->status, o.status);
      a->reliability = std::min(a->reliability, o.reliability);
      for (uint32_t src : d.sources_of(o)) a->sources.push_back(src);
    }
  }
  if (a->reporting.empty()) return false;
  std::sort(a->sources.begin(), a->sources.end());
  a->sources.erase(std::unique(a->sources.begin(), a->sources.end()),
                   a->sources.end());
  if (rule.ratio == nullptr) {
    a->value = sums[0];
    a->bounds = sum_bounds[0];
    return true;
  }
  std::optional<double> ratio = RatioValue(
      sums[0], d.indicators()[rule.inputs[0].second].unit_multiplier, sums[1],
      d.indicators()[rule.inputs[1].second].unit_multiplier, rule.ratio->scale,
      d.indicators()[checked.indicator].unit_multiplier);
  if (!ratio) {  // The denominators add up to 0.
    a->reporting.clear();
    return false;
  }
  a->value = *ratio;
  a->bounds = RatioBounds(
      sum_bounds[0], d.indicators()[rule.inputs[0].second].unit_multiplier,
      sum_bounds[1], d.indicators()[rule.inputs[1].second].unit_multiplier,
      rule.ratio->scale, d.indicators()[checked.indicator].unit_multiplier);
  return true;
}

// Sets the parent's published figure of the period and the aggregate's share
// of it.
void SetPublishedTotal(const Dataset& d, uint32_t indicator, uint32_t parent,
                       RegionalAggregate* a) {
  a->published_total = d.preferred_row(indicator, parent, a->period);
  if (!a->published_total) return;
  const double total = d.observations()[*a->published_total].value;
  if (total != 0) a->share_of_published_total = a->value / total;
}

}  // namespace

absl::StatusOr<Aggregates> AggregateRegions(
    std::shared_ptr<const Dataset> dataset, const AggregateRequest& request,
    size_t max_ids) {
  const Dataset& d = *dataset;
  ASSIGN_OR_RETURN(const CheckedRequest checked, Check(d, request, max_ids));
  Aggregates out{dataset, checked.indicator, std::nullopt, "", {}, {}};
  ASSIGN_OR_RETURN(const std::vector<uint32_t> expected,
                   ExpectedRegions(d, request, checked.rule, &out.parent));
  const std::string over = Over(request);
  out.formula = Formula(d, checked.rule, over);

  const Indicator& target = d.indicators()[checked.indicator];
  std::vector<std::string> incomplete;
  std::vector<FigureRef> incomplete_figures;
  for (auto& [period, a] : PeriodsInRange(d, checked, expected)) {
    a.period = period;
    if (!AddUp(d, checked, expected, &a)) continue;
    if (out.parent) SetPublishedTotal(d, checked.indicator, *out.parent, &a);
    if (!a.missing.empty()) {
      incomplete.push_back(absl::StrCat(period.ToString(), " (",
                                        a.reporting.size(), " of ",
                                        a.expected_regions, ")"));
      if (incomplete_figures.size() < kMaxWarningFigures) {
        incomplete_figures.push_back(
            {target.id,
             out.parent ? d.regions()[*out.parent].code : "",
             period.ToString(),
             {}});
      }
    }
    out.periods.push_back(std::move(a));
  }
  if (!incomplete.empty()) {
    out.warnings.push_back(
        {WarningCode::kIncompleteCoverage,
         absl::StrCat(target.id, " over ", over,
                      ": not every expected region reported in ",
                      absl::StrJoin(incomplete, ", ")),
         {},
         std::move(incomplete_figures),
         static_cast<int64_t>(incomplete.size())});
  }
  return out;
}

}  // namespace indicators
