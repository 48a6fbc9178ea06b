#include "server/core/analysis/value_conversion.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"
#include "server/core/dataset/value_bounds.h"

namespace indicators {
namespace {

constexpr int32_t kMinMultiplier = -12;
constexpr int32_t kMaxMultiplier = 15;

// Why one row cannot be expressed as asked, or "" if it can.
struct Refusal {
  absl::string_view field;
  std::string why;
};

ExpressedValue AsPublished(const Dataset& d, uint32_t row) {
  const Observation& o = d.observations()[row];
  const Indicator& indicator = d.indicators()[o.indicator];
  ExpressedValue v;
  v.row = row;
  v.value = o.value;
  v.bounds = RowBounds(d, row);
  v.unit = indicator.unit;
  v.unit_multiplier = indicator.unit_multiplier;
  v.qualifier = o.qualifier;
  v.status = o.status;
  v.reliability = o.reliability;
  absl::Span<const uint32_t> sources = d.sources_of(o);
  v.sources.assign(sources.begin(), sources.end());
  return v;
}

}  // namespace

bool IsCurrency(absl::string_view unit) {
  return unit.size() == 3 && absl::ascii_isupper(unit[0]) &&
         absl::ascii_isupper(unit[1]) && absl::ascii_isupper(unit[2]);
}

bool IsAmount(absl::string_view unit) {
  return unit != "percent" && !absl::StrContains(unit, "_per_");
}

std::string CanonicalText(const ValueOptions& o) {
  if (o.empty() && !o.skip_unconvertible) return "";
  return absl::StrCat(
      ";cur=", o.currency,
      ";mult=", o.unit_multiplier ? absl::StrCat(*o.unit_multiplier) : "-",
      ";tr=", o.transform.value(), ";skip=", o.skip_unconvertible,
      o.include_bounds ? ";bounds=1" : "");
}

absl::Status CheckValueOptions(const ValueOptions& o) {
  RETURN_IF_ERROR(CheckEnum(o.transform, ValueTransform::kLevel,
                            ValueTransform::kGrowth, "value_options.transform")
                      .status());
  if (!o.currency.empty() && o.currency != "USD" && o.currency != "CNY") {
    return InvalidField(reason::kInvalidRequest, "value_options.currency",
                        absl::StrCat(Quoted(o.currency),
                                     " is not a currency the dataset has a "
                                     "rate for (USD or CNY)"));
  }
  if (o.unit_multiplier && (*o.unit_multiplier < kMinMultiplier ||
                            *o.unit_multiplier > kMaxMultiplier)) {
    return InvalidField(
        reason::kInvalidRequest, "value_options.unit_multiplier",
        absl::StrCat(*o.unit_multiplier, " is outside [", kMinMultiplier, ", ",
                     kMaxMultiplier, "]"));
  }
  if (o.transform.value() == static_cast<int>(ValueTransform::kGrowth) &&
      (!o.currency.empty() || o.unit_multiplier)) {
    return InvalidField(reason::kInvalidRequest, "value_options.transform",
                        "growth is a percentage: it takes no currency or "
                        "power of ten");
  }
  return absl::OkStatus();
}

namespace {

// Expresses `v` (row `row`) as its growth over the same period a year
// earlier, with the weaker qualifier, status and reliability of the two and
// the sources of both. Sets `no_previous` (and leaves `v`) when there is no
// figure a year earlier.
Refusal ExpressAsGrowth(const Dataset& d, uint32_t row, ExpressedValue* v,
                        bool* no_previous) {
  const Observation& o = d.observations()[row];
  const Indicator& indicator = d.indicators()[o.indicator];
  if (indicator.aggregation != Aggregation::kSum) {
    return {"value_options.transform",
            absl::StrCat("growth is for summable indicators; ", indicator.id,
                         " is a ratio")};
  }
  const Period earlier =
      o.period.is_year() ? Period::Year(o.period.year() - 1)
                         : Period::Month(o.period.year() - 1, o.period.month());
  std::optional<uint32_t> previous =
      o.period.year() > 1000 ? d.preferred_row(o.indicator, o.region, earlier)
                             : std::nullopt;
  if (!previous) {
    *no_previous = true;
    return {};
  }
  const Observation& p = d.observations()[*previous];
  if (p.value == 0) {
    return {"value_options.transform", "the figure a year earlier is 0"};
  }
  v->value = (o.value / p.value - 1) * 100;
  v->bounds = Scale(Shift(*v->bounds / RowBounds(d, *previous), -1), 100);
  v->unit = "percent";
  v->unit_multiplier = 0;
  v->previous_row = previous;
  v->converted = true;
  if (p.qualifier != Qualifier::kExact) v->qualifier = Qualifier::kAbout;
  if (v->qualifier != Qualifier::kExact) v->qualifier = Qualifier::kAbout;
  v->status = std::max(v->status, p.status);
  v->reliability = std::min(v->reliability, p.reliability);
  for (uint32_t src : d.sources_of(p)) v->sources.push_back(src);
  std::sort(v->sources.begin(), v->sources.end());
  v->sources.erase(std::unique(v->sources.begin(), v->sources.end()),
                   v->sources.end());
  return {};
}

// Where the dataset keeps the yuan's dollar rate (either may be missing).
struct RateSeries {
  std::optional<uint32_t> indicator;
  std::optional<uint32_t> region;
};

// Expresses `v` (row `row`, in money) in `currency` at the yuan's dollar
// rate of its year.
Refusal ExpressInCurrency(const Dataset& d, uint32_t row,
                          const std::string& currency, const RateSeries& rates,
                          ExpressedValue* v) {
  const Observation& o = d.observations()[row];
  const Indicator& indicator = d.indicators()[o.indicator];
  if (!IsCurrency(indicator.unit)) {
    return {"value_options.currency",
            absl::StrCat("its unit ", indicator.unit, " is not money")};
  }
  const std::optional<uint32_t>& rate_indicator = rates.indicator;
  const std::optional<uint32_t>& rate_region = rates.region;
  if (!rate_indicator || !rate_region) {
    return {"value_options.currency",
            absl::StrCat("the dataset has no ", kRateIndicator)};
  }
  const std::optional<uint32_t> rate = d.preferred_row(
      *rate_indicator, *rate_region, Period::Year(o.period.year()));
  if (!rate) {
    return {"value_options.currency",
            absl::StrCat("the dataset has no ", kRateIndicator, " of ",
                         kRateRegion, " for ", o.period.year())};
  }
  const Observation& r = d.observations()[*rate];
  const double rate_scale =
      std::pow(10.0, d.indicators()[*rate_indicator].unit_multiplier);
  const double per_usd = r.value * rate_scale;
  if (!(per_usd > 0) || !std::isfinite(per_usd)) {
    return {"value_options.currency",
            absl::StrCat("the rate of ", o.period.year(),
                         " is not a positive number")};
  }
  v->value = currency == "USD" ? v->value / per_usd : v->value * per_usd;
  const Interval rate_bounds = Scale(RowBounds(d, *rate), rate_scale);
  v->bounds =
      currency == "USD" ? *v->bounds / rate_bounds : *v->bounds * rate_bounds;
  v->unit = currency;
  v->rate_row = rate;
  v->converted = true;
  return {};
}

// Expresses `v` (an amount) in units of 10^`multiplier`.
Refusal ExpressInMultiplier(int32_t multiplier, ExpressedValue* v) {
  if (!IsAmount(v->unit)) {
    return {"value_options.unit_multiplier",
            absl::StrCat("its unit ", v->unit, " is a ratio, not an amount")};
  }
  v->value *= std::pow(10.0, v->unit_multiplier - multiplier);
  v->bounds =
      Scale(*v->bounds, std::pow(10.0, v->unit_multiplier - multiplier));
  v->unit_multiplier = multiplier;
  v->converted = true;
  return {};
}

}  // namespace

absl::StatusOr<ExpressedValues> ExpressValues(const Dataset& d,
                                              absl::Span<const uint32_t> rows,
                                              const ValueOptions& options) {
  RETURN_IF_ERROR(CheckValueOptions(options));
  ExpressedValues out;
  out.values.reserve(rows.size());
  const bool growth =
      options.transform.value() == static_cast<int>(ValueTransform::kGrowth);
  const RateSeries rates{d.FindIndicator(kRateIndicator),
                         d.FindRegion(kRateRegion)};
  for (const uint32_t row : rows) {
    const Indicator& indicator =
        d.indicators()[d.observations()[row].indicator];
    ExpressedValue v = AsPublished(d, row);
    Refusal refusal;
    if (growth) {
      bool no_previous = false;
      refusal = ExpressAsGrowth(d, row, &v, &no_previous);
      if (no_previous) {
        out.no_previous.push_back(row);
        continue;
      }
    }
    if (refusal.why.empty() && !options.currency.empty() &&
        options.currency != indicator.unit) {
      refusal = ExpressInCurrency(d, row, options.currency, rates, &v);
    }
    if (refusal.why.empty() && options.unit_multiplier &&
        *options.unit_multiplier != v.unit_multiplier) {
      refusal = ExpressInMultiplier(*options.unit_multiplier, &v);
    }
    if (refusal.why.empty() && !std::isfinite(v.value)) {
      refusal = {"value_options",
                 "the converted value is too large for a double"};
    }
    if (!refusal.why.empty()) {
      if (!options.skip_unconvertible) {
        return InvalidField(
            reason::kUnconvertibleValue, refusal.field,
            absl::StrCat(DescribeRow(d, row),
                         " cannot be converted: ", refusal.why,
                         " (set value_options.skip_unconvertible to return "
                         "it unconverted with a warning)"));
      }
      out.not_converted.push_back(row);
      v = AsPublished(d, row);
    }
    if (!options.include_bounds) v.bounds.reset();
    out.values.push_back(std::move(v));
  }
  return out;
}

}  // namespace indicators
