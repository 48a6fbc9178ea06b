#include "server/core/analysis/regional_aggregate.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"
#include "server/core/dataset/derived_indicators.h"

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

}  // namespace

absl::StatusOr<Aggregates> AggregateRegions(
    std::shared_ptr<const Dataset> dataset, const AggregateRequest& request,
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
  ASSIGN_OR_RETURN(Rule rule, RuleFor(d, *indicator));
  ASSIGN_OR_RETURN(std::optional<Period> start,
                   ParseBound(request.start_period, "start_period"));
  ASSIGN_OR_RETURN(std::optional<Period> end,
                   ParseBound(request.end_period, "end_period"));
  if (start && end && end->last_month_index() < start->first_month_index()) {
    return InvalidField(reason::kInvalidPeriod, "end_period",
                        "is before start_period");
  }

  Aggregates out{dataset, *indicator, std::nullopt, "", {}, {}};
  std::vector<uint32_t> expected;
  if (by_parent) {
    out.parent = d.FindRegion(request.parent_region_code);
    if (!out.parent) {
      return UnknownId(
          reason::kUnknownRegion, "parent_region_code",
          absl::StrCat("unknown region ", Quoted(request.parent_region_code)));
    }
    // The children that report every input in some period.
    for (uint32_t child : d.children(*out.parent)) {
      if (std::all_of(
              rule.inputs.begin(), rule.inputs.end(),
              [&](const auto& in) { return HasSeries(d, in.second, child); })) {
        expected.push_back(child);
      }
    }
  } else {
    for (size_t k = 0; k < request.region_codes.size(); ++k) {
      std::optional<uint32_t> r = d.FindRegion(request.region_codes[k]);
      if (!r) {
        return UnknownId(
            reason::kUnknownRegion, absl::StrCat("region_codes[", k, "]"),
            absl::StrCat("unknown region ", Quoted(request.region_codes[k])));
      }
      expected.push_back(*r);
    }
    std::sort(expected.begin(), expected.end());
    expected.erase(std::unique(expected.begin(), expected.end()),
                   expected.end());
  }
  std::vector<std::string> input_ids;
  for (const auto& [role, ind] : rule.inputs) {
    input_ids.push_back(d.indicators()[ind].id);
  }
  const std::string over =
      by_parent ? absl::StrCat("the regions of ", request.parent_region_code)
                : absl::StrJoin(request.region_codes, ", ");
  out.formula =
      rule.ratio == nullptr
          ? absl::StrCat("sum(", input_ids[0], ") over ", over)
          : absl::StrCat("sum(", input_ids[0], ") / sum(", input_ids[1], ")",
                         rule.ratio->scale == 1
                             ? ""
                             : absl::StrCat(" * ", rule.ratio->scale),
                         " over ", over);

  // Every period in range that any expected region reports, for every input.
  std::map<Period, RegionalAggregate> periods;
  auto in_range = [&](Period p) {
    return (!start || p.last_month_index() >= start->first_month_index()) &&
           (!end || p.last_month_index() <= end->last_month_index());
  };
  for (uint32_t region : expected) {
    for (const Series& s : d.series_of(rule.inputs[0].second)) {
      if (s.region != region) continue;
      for (uint32_t r = s.begin; r < s.end; ++r) {
        const Period p = d.observations()[r].period;
        if (in_range(p)) periods.try_emplace(p);
      }
    }
  }
  const Indicator& target = d.indicators()[*indicator];
  std::vector<std::string> incomplete;
  std::vector<FigureRef> incomplete_figures;
  for (auto& [period, a] : periods) {
    a.period = period;
    a.expected_regions = static_cast<int32_t>(expected.size());
    std::vector<double> sums(rule.inputs.size(), 0.0);
    for (uint32_t region : expected) {
      std::vector<uint32_t> rows;
      for (const auto& [role, ind] : rule.inputs) {
        if (std::optional<uint32_t> row =
                d.preferred_row(ind, region, period)) {
          rows.push_back(*row);
        }
      }
      if (rows.size() != rule.inputs.size()) {
        a.missing.push_back(region);
        continue;
      }
      a.reporting.push_back(region);
      for (size_t k = 0; k < rows.size(); ++k) {
        const Observation& o = d.observations()[rows[k]];
        sums[k] += o.value;
        a.inputs.emplace_back(rule.inputs[k].first, rows[k]);
        if (o.qualifier != Qualifier::kExact) a.qualifier = Qualifier::kAbout;
        a.status = std::max(a.status, o.status);
        a.reliability = std::min(a.reliability, o.reliability);
        for (uint32_t src : d.sources_of(o)) a.sources.push_back(src);
      }
    }
    if (a.reporting.empty()) continue;
    std::sort(a.sources.begin(), a.sources.end());
    a.sources.erase(std::unique(a.sources.begin(), a.sources.end()),
                    a.sources.end());
    if (rule.ratio == nullptr) {
      a.value = sums[0];
    } else {
      std::optional<double> ratio = RatioValue(
          sums[0], d.indicators()[rule.inputs[0].second].unit_multiplier,
          sums[1], d.indicators()[rule.inputs[1].second].unit_multiplier,
          rule.ratio->scale, target.unit_multiplier);
      if (!ratio) {  // The denominators add up to 0.
        a.reporting.clear();
        continue;
      }
      a.value = *ratio;
    }
    if (out.parent) {
      a.published_total = d.preferred_row(*indicator, *out.parent, period);
      if (a.published_total) {
        const double total = d.observations()[*a.published_total].value;
        if (total != 0) a.share_of_published_total = a.value / total;
      }
    }
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
  }
  for (auto& [period, a] : periods) {
    if (!a.reporting.empty()) out.periods.push_back(std::move(a));
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
