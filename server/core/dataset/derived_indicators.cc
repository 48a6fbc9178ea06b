#include "server/core/dataset/derived_indicators.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace indicators {
namespace {

constexpr RatioRule kRatioRules[] = {
    {"rd_intensity_derived", "R&D intensity (derived)", "percent", 0,
     "R&D expenditure as a percentage of GDP, computed by the service from "
     "the preferred rd_expenditure and gdp figures of the same region and "
     "year. GDP is the revised series, so for 2012-2018 it differs from the "
     "intensity each communique published.",
     "rd_expenditure", "gdp", 100, "rd_expenditure / gdp * 100",
     "rd_intensity"},
    {"rd_expenditure_per_capita", "R&D expenditure per resident (derived)",
     "CNY", 0,
     "R&D expenditure divided by the year-end resident population, computed "
     "by the service from the preferred figures of the same region and year.",
     "rd_expenditure", "population", 1, "rd_expenditure / population", ""},
    {"rd_expenditure_per_fte_derived",
     "R&D expenditure per full-time equivalent (derived)", "CNY", 0,
     "R&D expenditure divided by R&D personnel in full-time equivalent "
     "person-years, computed by the service from the preferred figures of "
     "the same region and year.",
     "rd_expenditure", "rd_personnel_fte", 1,
     "rd_expenditure / rd_personnel_fte", "rd_expenditure_per_fte"},
    {"gdp_per_capita", "GDP per resident (derived)", "CNY", 0,
     "GDP divided by the year-end resident population, computed by the "
     "service from the preferred figures of the same region and year.",
     "gdp", "population", 1, "gdp / population", ""},
    {"valid_invention_patents_per_10k_persons",
     "Invention patents in force per 10,000 residents (derived)", "patents", 0,
     "Valid invention patents per 10,000 year-end residents, computed by the "
     "service from the preferred figures of the same region and year.",
     "valid_invention_patents", "population", 1e4,
     "valid_invention_patents / population * 10000", ""},
};

// The preferred row of each (region, period) of one indicator: the first of
// each group, in query order.
std::vector<uint32_t> PreferredRows(const std::vector<Observation>& rows,
                                    uint32_t indicator) {
  auto begin = std::partition_point(
      rows.begin(), rows.end(),
      [&](const Observation& o) { return o.indicator < indicator; });
  std::vector<uint32_t> out;
  for (auto it = begin; it != rows.end() && it->indicator == indicator; ++it) {
    if (it != begin && (it - 1)->region == it->region &&
        (it - 1)->period == it->period) {
      continue;
    }
    out.push_back(static_cast<uint32_t>(it - rows.begin()));
  }
  return out;
}

}  // namespace

absl::Span<const RatioRule> RatioRules() { return kRatioRules; }

const RatioRule* RatioRuleFor(absl::string_view indicator_id) {
  for (const RatioRule& rule : kRatioRules) {
    if (indicator_id == rule.id || indicator_id == rule.published_equivalent) {
      return &rule;
    }
  }
  return nullptr;
}

std::optional<double> RatioValue(double num, int32_t num_multiplier, double den,
                                 int32_t den_multiplier, double scale,
                                 int32_t out_multiplier) {
  if (den == 0) return std::nullopt;
  const double value =
      num / den * scale *
      std::pow(10.0, num_multiplier - den_multiplier - out_multiplier);
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

namespace {

// Appends to `t` the derived indicators whose inputs it has (and that it
// does not publish itself), recording each in `out`.
void AddDerivedCatalog(DatasetTables* t, DerivedTables* out) {
  absl::flat_hash_map<absl::string_view, uint32_t> published =
      IndexById(t->indicators, &Indicator::id);
  std::vector<Indicator> added;
  for (const RatioRule& rule : kRatioRules) {
    auto num = published.find(rule.numerator);
    auto den = published.find(rule.denominator);
    if (num == published.end() || den == published.end() ||
        published.contains(rule.id)) {
      continue;
    }
    DerivedIndicator d{&rule, {num->second, den->second}, std::nullopt};
    if (auto eq = published.find(rule.published_equivalent);
        eq != published.end()) {
      d.published_equivalent = eq->second;
    }
    out->indicators.push_back(d);
    added.push_back({rule.id, rule.name, rule.unit, rule.unit_multiplier,
                     rule.description, Aggregation::kNone});
  }
  for (Indicator& i : added) t->indicators.push_back(std::move(i));
}

// Returns the derived row of `indicator` with `value` from inputs `n` and
// `m`: hedged if either is, the weaker status and reliability, and every
// source of both (in id order, as source indexes are).
Observation DerivedRow(DatasetTables* t, uint32_t indicator, double value,
                       const Observation& n, const Observation& m) {
  Observation o;
  o.value = value;
  o.indicator = indicator;
  o.region = n.region;
  o.period = n.period;
  o.qualifier =
      n.qualifier == Qualifier::kExact && m.qualifier == Qualifier::kExact
          ? Qualifier::kExact
          : Qualifier::kAbout;
  o.status = std::max(n.status, m.status);
  o.reliability = std::min(n.reliability, m.reliability);
  const absl::Span<const uint32_t> of_n = t->source_sets[n.source_set];
  const absl::Span<const uint32_t> of_m = t->source_sets[m.source_set];
  std::vector<uint32_t> cited(of_n.begin(), of_n.end());
  cited.insert(cited.end(), of_m.begin(), of_m.end());
  std::sort(cited.begin(), cited.end());
  cited.erase(std::unique(cited.begin(), cited.end()), cited.end());
  o.source_set = t->source_sets.Intern(cited);
  return o;
}

// Appends the rows of derived indicator `k` of `out`: one per region and
// period where both inputs have a preferred figure and the ratio is defined.
void AddDerivedRows(DatasetTables* t, size_t k, DerivedTables* out) {
  const DerivedIndicator& d = out->indicators[k];
  const uint32_t indicator = out->published_indicators + k;
  const Indicator& num_indicator = t->indicators[d.inputs[0]];
  const Indicator& den_indicator = t->indicators[d.inputs[1]];
  std::vector<Observation>& rows = t->observations;
  const std::vector<uint32_t> nums = PreferredRows(rows, d.inputs[0]);
  const std::vector<uint32_t> dens = PreferredRows(rows, d.inputs[1]);
  // Both lists are ordered by region, then period: a merge join.
  size_t i = 0, j = 0;
  while (i < nums.size() && j < dens.size()) {
    const Observation& n = rows[nums[i]];
    const Observation& m = rows[dens[j]];
    if (n.region != m.region || n.period != m.period) {
      const bool n_first =
          n.region < m.region || (n.region == m.region && n.period < m.period);
      (n_first ? i : j)++;
      continue;
    }
    std::optional<double> value = RatioValue(
        n.value, num_indicator.unit_multiplier, m.value,
        den_indicator.unit_multiplier, d.rule->scale, d.rule->unit_multiplier);
    if (value) {
      Observation o = DerivedRow(t, indicator, *value, n, m);
      out->inputs.push_back({nums[i], dens[j]});
      rows.push_back(o);
    }
    ++i;
    ++j;
  }
}

}  // namespace

DerivedTables AddDerivedIndicators(DatasetTables* t) {
  DerivedTables out;
  out.published_indicators = static_cast<uint32_t>(t->indicators.size());
  out.published_rows = static_cast<uint32_t>(t->observations.size());
  AddDerivedCatalog(t, &out);
  for (size_t k = 0; k < out.indicators.size(); ++k) {
    AddDerivedRows(t, k, &out);
  }
  return out;
}

}  // namespace indicators
