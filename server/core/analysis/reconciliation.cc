#include "server/core/analysis/reconciliation.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/core/analysis/regional_aggregate.h"
#include "server/core/analysis/value_conversion.h"
#include "server/core/dataset/derived_indicators.h"
#include "server/core/dataset/value_bounds.h"

namespace indicators {

bool FigureChecks::discrepant() const {
  return std::any_of(checks.begin(), checks.end(), [](const Check& c) {
    return c.verdict == Verdict::kDiscrepant;
  });
}

namespace {

// A value with up to `digits` decimals, trailing zeros dropped.
std::string Number(double v, int digits = 4) {
  if (!std::isfinite(v)) return v > 0 ? "+inf" : (v < 0 ? "-inf" : "nan");
  std::string s = absl::StrFormat("%.*f", digits, v);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

// "480.26 bn CNY", "2.88 percent", "75000 enterprises".
std::string WithUnit(const Dataset& d, uint32_t indicator, double v) {
  const Indicator& i = d.indicators()[indicator];
  std::string scale;
  switch (i.unit_multiplier) {
    case 0:
      break;
    case 3:
      scale = "thousand ";
      break;
    case 6:
      scale = "mn ";
      break;
    case 9:
      scale = "bn ";
      break;
    case 12:
      scale = "tn ";
      break;
    default:
      scale = absl::StrCat("x10^", i.unit_multiplier, " ");
  }
  return absl::StrCat(Number(v), " ", scale, i.unit);
}

// "about 460 bn CNY" (the qualifier when not exact).
std::string Stated(const Dataset& d, uint32_t row) {
  const Observation& o = d.observations()[row];
  const std::string value = WithUnit(d, o.indicator, o.value);
  return o.qualifier == Qualifier::kExact
             ? value
             : absl::StrCat(QualifierName(o.qualifier), " ", value);
}

std::string SourceList(const Dataset& d, uint32_t row) {
  std::vector<absl::string_view> ids;
  for (uint32_t s : d.sources_of(d.observations()[row])) {
    ids.push_back(d.sources()[s].id);
  }
  return ids.empty() ? "no source" : absl::StrJoin(ids, ", ");
}

// "(S13, final)".
std::string Provenance(const Dataset& d, uint32_t row) {
  return absl::StrCat("(", SourceList(d, row), ", ",
                      StatusName(d.observations()[row].status), ")");
}

// Sets the verdict, the differences and the summary's tail of `c`, whose
// reference, compared value and both bounds are set.
void Judge(const Dataset& d, Check* c) {
  const double reference = d.observations()[c->reference].value;
  c->verdict = c->reference_bounds.Disjoint(c->compared_bounds)
                   ? Verdict::kDiscrepant
                   : Verdict::kConsistent;
  c->difference = c->compared_value - reference;
  c->relative_difference =
      reference == 0 ? 0 : c->difference / std::fabs(reference);
}

// "[2786.35, 2786.45)": ends to 6 decimals at most.
std::string BoundsText(const Interval& b) {
  return absl::StrCat(b.lower_open ? "(" : "[", Number(b.lower, 6), ", ",
                      Number(b.upper, 6), b.upper_open ? ")" : "]");
}

std::string Outcome(const Check& c) {
  std::string out = absl::StrCat(
      c.difference >= 0 ? "+" : "", Number(c.difference), " (",
      c.relative_difference >= 0 ? "+" : "",
      Number(c.relative_difference * 100, 3), " %), ",
      c.verdict == Verdict::kConsistent
          ? "consistent within bounds"
          : absl::StrCat("discrepant: ", BoundsText(c.compared_bounds), " and ",
                         BoundsText(c.reference_bounds), " do not meet"));
  switch (c.cause) {
    case DiscrepancyCause::kRevision:
      absl::StrAppend(&out, ", a revision");
      break;
    case DiscrepancyCause::kInputsPublishedLater:
      absl::StrAppend(&out, ", inputs published later than the figure");
      break;
    case DiscrepancyCause::kUnexplained:
      absl::StrAppend(&out, ", unexplained");
      break;
    case DiscrepancyCause::kNone:
      break;
  }
  return out;
}

// A check of row `compared` against row `reference`, judged.
Check RowAgainstRow(const Dataset& d, CheckKind kind, uint32_t reference,
                    uint32_t compared) {
  Check c;
  c.kind = kind;
  c.reference = reference;
  c.reference_bounds = RowBounds(d, reference);
  c.compared = compared;
  c.compared_value = d.observations()[compared].value;
  c.compared_bounds = RowBounds(d, compared);
  Judge(d, &c);
  return c;
}

// A computed figure's weakest qualifier, status and reliability, and its
// inputs' sources.
void AddInput(const Dataset& d, const std::string& role, uint32_t row,
              ComputedFigure* f) {
  const Observation& o = d.observations()[row];
  f->inputs.emplace_back(role, row);
  if (o.qualifier != Qualifier::kExact) f->qualifier = Qualifier::kAbout;
  f->status = std::max(f->status, o.status);
  f->reliability = std::min(f->reliability, o.reliability);
  for (uint32_t s : d.sources_of(o)) f->sources.push_back(s);
  std::sort(f->sources.begin(), f->sources.end());
  f->sources.erase(std::unique(f->sources.begin(), f->sources.end()),
                   f->sources.end());
}

// The parent's figure against the sum of its regions' preferred figures.
std::optional<Check> SumOfParts(const std::shared_ptr<const Dataset>& dataset,
                                uint32_t preferred) {
  const Dataset& d = *dataset;
  const Observation& o = d.observations()[preferred];
  const Indicator& indicator = d.indicators()[o.indicator];
  if (indicator.aggregation != Aggregation::kSum ||
      d.children(o.region).empty() || d.is_derived_row(preferred)) {
    return std::nullopt;
  }
  const std::string period = o.period.ToString();
  AggregateRequest request{
      indicator.id, d.regions()[o.region].code, {}, period, period};
  absl::StatusOr<Aggregates> sums =
      AggregateRegions(dataset, request, /*max_ids=*/0);
  if (!sums.ok()) return std::nullopt;
  auto it = std::find_if(
      sums->periods.begin(), sums->periods.end(),
      [&](const RegionalAggregate& a) { return a.period == o.period; });
  if (it == sums->periods.end()) return std::nullopt;
  const RegionalAggregate& sum = *it;
  Check c;
  c.kind = CheckKind::kSumOfParts;
  c.reference = preferred;
  c.reference_bounds = RowBounds(d, preferred);
  ComputedFigure f;
  f.indicator = o.indicator;
  f.region = o.region;
  f.period = o.period;
  f.value = sum.value;
  f.qualifier = sum.qualifier;
  f.status = sum.status;
  f.reliability = sum.reliability;
  f.sources = sum.sources;
  f.formula = sums->formula;
  f.inputs = sum.inputs;
  c.compared_value = sum.value;
  // Regions without a figure add an unknown non-negative amount each.
  c.compared_bounds =
      sum.missing.empty()
          ? sum.bounds
          : sum.bounds + Interval{0, Interval::Whole().upper, false, true};
  c.expected_regions = sum.expected_regions;
  c.reporting_regions = static_cast<int32_t>(sum.reporting.size());
  c.missing = sum.missing;
  c.compared = std::move(f);
  Judge(d, &c);
  if (c.verdict == Verdict::kDiscrepant)
    c.cause = DiscrepancyCause::kUnexplained;
  c.summary = absl::StrCat(
      "sum of parts: ", c.reporting_regions, " of ", c.expected_regions,
      " regions of ", d.regions()[o.region].code, " add up to ",
      WithUnit(d, o.indicator, sum.value), " against ", Stated(d, preferred),
      " ", Provenance(d, preferred), ": ", Outcome(c));
  return c;
}

// The derived indicator computing the same ratio as published `indicator`,
// or the reverse; nullopt if there is none.
std::optional<uint32_t> Counterpart(const Dataset& d, uint32_t indicator) {
  if (d.is_derived_indicator(indicator)) {
    return d.derivation_of_indicator(indicator).published_equivalent;
  }
  for (uint32_t i = d.published_indicator_count(); i < d.indicators().size();
       ++i) {
    if (d.derivation_of_indicator(i).published_equivalent == indicator) {
      return i;
    }
  }
  return std::nullopt;
}

// A published ratio against the one derived from its inputs.
std::optional<Check> DerivedVsPublished(const Dataset& d, uint32_t preferred) {
  const Observation& o = d.observations()[preferred];
  const std::optional<uint32_t> other = Counterpart(d, o.indicator);
  if (!other) return std::nullopt;
  const std::optional<uint32_t> other_row =
      d.preferred_row(*other, o.region, o.period);
  if (!other_row) return std::nullopt;
  const bool derived_side = d.is_derived_row(preferred);
  const uint32_t published = derived_side ? *other_row : preferred;
  const uint32_t derived = derived_side ? preferred : *other_row;
  Check c =
      RowAgainstRow(d, CheckKind::kDerivedVsPublished, published, derived);
  if (c.verdict == Verdict::kDiscrepant) {
    const uint32_t known = d.known_from(d.observations()[published]);
    bool later = false;
    for (uint32_t input : d.inputs_of(derived)) {
      const uint32_t input_known = d.known_from(d.observations()[input]);
      later |= known != 0 && input_known > known;
    }
    c.cause = later ? DiscrepancyCause::kInputsPublishedLater
                    : DiscrepancyCause::kUnexplained;
  }
  const DerivedIndicator& rule =
      d.derivation_of_indicator(d.observations()[derived].indicator);
  c.summary = absl::StrCat(
      "derived vs published: ", Stated(d, derived), " from ",
      rule.rule->formula, " (", SourceList(d, derived), ") against ",
      Stated(d, published), " ", Provenance(d, published), ": ", Outcome(c));
  return c;
}

bool SamePublisherAtAnotherTime(const Dataset& d, const Observation& a,
                                const Observation& b) {
  for (uint32_t x : d.sources_of(a)) {
    for (uint32_t y : d.sources_of(b)) {
      const Source& s = d.sources()[x];
      const Source& t = d.sources()[y];
      if (x != y && !s.publisher.empty() && s.publisher == t.publisher &&
          s.published.sort_key != t.published.sort_key) {
        return true;
      }
    }
  }
  return false;
}

// Another row of the figure against its preferred row.
Check AgainstPreferred(const Dataset& d, uint32_t preferred, uint32_t row) {
  Check c = RowAgainstRow(d, CheckKind::kSources, preferred, row);
  if (c.verdict == Verdict::kDiscrepant) {
    const Observation& p = d.observations()[preferred];
    const Observation& o = d.observations()[row];
    const bool status_moved = (p.status == ObservationStatus::kFinal) !=
                              (o.status == ObservationStatus::kFinal);
    c.cause = status_moved || SamePublisherAtAnotherTime(d, p, o)
                  ? DiscrepancyCause::kRevision
                  : DiscrepancyCause::kUnexplained;
  }
  c.summary = absl::StrCat("sources: ", Stated(d, row), " ", Provenance(d, row),
                           " against ", Stated(d, preferred), " ",
                           Provenance(d, preferred), ": ", Outcome(c));
  return c;
}

// The yuan figure that goes with dollar row `usd_row`: a row of `base`
// citing one of its sources, else the preferred one.
std::optional<uint32_t> YuanPartner(const Dataset& d, uint32_t usd_row,
                                    uint32_t base) {
  const Observation& o = d.observations()[usd_row];
  const std::optional<uint32_t> preferred =
      d.preferred_row(base, o.region, o.period);
  if (!preferred) return std::nullopt;
  absl::Span<const uint32_t> mine = d.sources_of(o);
  for (uint32_t r = *preferred; r < d.observations().size(); ++r) {
    const Observation& y = d.observations()[r];
    if (y.indicator != base || y.region != o.region || y.period != o.period) {
      break;
    }
    for (uint32_t s : d.sources_of(y)) {
      if (std::find(mine.begin(), mine.end(), s) != mine.end()) return r;
    }
  }
  return preferred;
}

// The rate a dollar row and its yuan figure imply against the dataset's.
std::optional<Check> ImpliedRate(const Dataset& d, uint32_t row) {
  const Observation& o = d.observations()[row];
  const Indicator& indicator = d.indicators()[o.indicator];
  if (indicator.unit != "USD" || !absl::EndsWith(indicator.id, "_usd") ||
      d.is_derived_row(row)) {
    return std::nullopt;
  }
  const std::optional<uint32_t> base = d.FindIndicator(
      absl::string_view(indicator.id).substr(0, indicator.id.size() - 4));
  const std::optional<uint32_t> rate_indicator =
      d.FindIndicator(kRateIndicator);
  const std::optional<uint32_t> rate_region = d.FindRegion(kRateRegion);
  if (!base || d.indicators()[*base].unit != "CNY" || !rate_indicator ||
      !rate_region) {
    return std::nullopt;
  }
  const std::optional<uint32_t> yuan = YuanPartner(d, row, *base);
  const std::optional<uint32_t> rate = d.preferred_row(
      *rate_indicator, *rate_region, Period::Year(o.period.year()));
  if (!yuan || !rate) return std::nullopt;
  const int32_t yuan_m = d.indicators()[*base].unit_multiplier;
  const int32_t usd_m = indicator.unit_multiplier;
  const int32_t rate_m = d.indicators()[*rate_indicator].unit_multiplier;
  const std::optional<double> implied = RatioValue(
      d.observations()[*yuan].value, yuan_m, o.value, usd_m, 1, rate_m);
  if (!implied) return std::nullopt;
  Check c;
  c.kind = CheckKind::kImpliedExchangeRate;
  c.reference = *rate;
  c.reference_bounds = RowBounds(d, *rate);
  ComputedFigure f;
  f.indicator = *rate_indicator;
  f.region = o.region;
  f.period = o.period;
  f.value = *implied;
  f.formula = absl::StrCat(d.indicators()[*base].id, " / ", indicator.id);
  AddInput(d, "numerator", *yuan, &f);
  AddInput(d, "denominator", row, &f);
  c.compared_value = *implied;
  c.compared_bounds = RatioBounds(RowBounds(d, *yuan), yuan_m,
                                  RowBounds(d, row), usd_m, 1, rate_m);
  c.compared = std::move(f);
  Judge(d, &c);
  if (c.verdict == Verdict::kDiscrepant)
    c.cause = DiscrepancyCause::kUnexplained;
  c.summary = absl::StrCat("implied exchange rate: ", Stated(d, *yuan), " / ",
                           Stated(d, row), " (", SourceList(d, row),
                           ") = ", WithUnit(d, *rate_indicator, *implied),
                           " against the dataset's ", Stated(d, *rate), " ",
                           Provenance(d, *rate), ": ", Outcome(c));
  return c;
}

}  // namespace

FigureChecks ReconcileFigure(const std::shared_ptr<const Dataset>& dataset,
                             uint32_t row, const CheckSet& checks) {
  const Dataset& d = *dataset;
  const Observation& o = d.observations()[row];
  FigureChecks out;
  out.indicator = o.indicator;
  out.region = o.region;
  out.period = o.period;
  const uint32_t preferred =
      d.preferred_row(o.indicator, o.region, o.period).value_or(row);
  auto wanted = [&](CheckKind k) { return checks[static_cast<int>(k) - 1]; };
  if (wanted(CheckKind::kSumOfParts)) {
    if (std::optional<Check> c = SumOfParts(dataset, preferred)) {
      out.checks.push_back(std::move(*c));
    }
  }
  if (wanted(CheckKind::kDerivedVsPublished)) {
    if (std::optional<Check> c = DerivedVsPublished(d, preferred)) {
      out.checks.push_back(std::move(*c));
    }
  }
  // The figure's rows follow its preferred one in query order.
  std::vector<uint32_t> rows;
  for (uint32_t r = preferred; r < d.observations().size(); ++r) {
    const Observation& x = d.observations()[r];
    if (x.indicator != o.indicator || x.region != o.region ||
        x.period != o.period) {
      break;
    }
    rows.push_back(r);
  }
  if (!d.is_derived_row(preferred)) {
    out.has_agreement = true;
    out.observation_count = static_cast<int32_t>(rows.size());
    std::vector<Check> sources;
    for (uint32_t r : rows) {
      const bool agrees =
          r == preferred || !RowBounds(d, r).Disjoint(RowBounds(d, preferred));
      for (uint32_t s : d.sources_of(d.observations()[r])) {
        (agrees ? out.agreeing_sources : out.disagreeing_sources).push_back(s);
      }
      if (r != preferred && wanted(CheckKind::kSources)) {
        out.checks.push_back(AgainstPreferred(d, preferred, r));
      }
    }
    for (std::vector<uint32_t>* v :
         {&out.agreeing_sources, &out.disagreeing_sources}) {
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    }
    std::vector<uint32_t> only_disagreeing;
    std::set_difference(
        out.disagreeing_sources.begin(), out.disagreeing_sources.end(),
        out.agreeing_sources.begin(), out.agreeing_sources.end(),
        std::back_inserter(only_disagreeing));
    out.disagreeing_sources = std::move(only_disagreeing);
  }
  if (wanted(CheckKind::kImpliedExchangeRate)) {
    for (uint32_t r : rows) {
      if (std::optional<Check> c = ImpliedRate(d, r)) {
        out.checks.push_back(std::move(*c));
      }
    }
  }
  return out;
}

}  // namespace indicators
