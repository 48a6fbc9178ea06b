#include "server/core/dataset/value_bounds.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "server/core/dataset/dataset.h"
#include "server/core/dataset/derived_indicators.h"

namespace indicators {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

double RoundingUnit(double value) {
  if (value == 0 || !std::isfinite(value)) return 0;
  // The shortest spelling that reads back as `value`: d.ddde±x; its last
  // digit is nonzero, so the unit is 10^(x - digits after the point).
  char buffer[64];
  const std::to_chars_result r = std::to_chars(
      buffer, buffer + sizeof buffer - 1, value, std::chars_format::scientific);
  *r.ptr = '\0';
  const char* e = std::strchr(buffer, 'e');
  const char* point =
      static_cast<const char*>(std::memchr(buffer, '.', e - buffer));
  const int fraction_digits =
      point == nullptr ? 0 : static_cast<int>(e - point - 1);
  const int exponent = std::atoi(e + 1);
  return std::pow(10.0, exponent - fraction_digits);
}

Interval StatedBounds(double value, Qualifier q) {
  const double unit = RoundingUnit(value);
  switch (q) {
    case Qualifier::kExact:
      if (unit == 0) return Interval::Point(value);
      return {value - unit / 2, value + unit / 2, false, true};
    case Qualifier::kAbout:
      if (unit == 0) return Interval::Point(value);
      return {value - unit / 2, value + unit / 2, false, false};
    case Qualifier::kOver:
      return {value, kInf, true, true};
    case Qualifier::kUnder:
      if (value > 0) return {0, value, false, true};
      return {-kInf, value, true, true};
    case Qualifier::kNearly:
      if (value > 0) return {value - unit, value, false, true};
      if (value < 0) return {value, value + unit, true, false};
      return {-kInf, 0, true, true};
  }
  return Interval::Whole();
}

Interval RatioBounds(const Interval& numerator, int32_t num_multiplier,
                     const Interval& denominator, int32_t den_multiplier,
                     double scale, int32_t out_multiplier) {
  const double factor =
      scale * std::pow(10.0, num_multiplier - den_multiplier - out_multiplier);
  return Scale(numerator / denominator, factor);
}

Interval RowBounds(const Dataset& d, uint32_t row) {
  const Observation& o = d.observations()[row];
  if (!d.is_derived_row(row)) return StatedBounds(o.value, o.qualifier);
  const std::array<uint32_t, 2>& inputs = d.inputs_of(row);
  const Observation& num = d.observations()[inputs[0]];
  const Observation& den = d.observations()[inputs[1]];
  const RatioRule& rule = *d.derivation_of_indicator(o.indicator).rule;
  return RatioBounds(StatedBounds(num.value, num.qualifier),
                     d.indicators()[num.indicator].unit_multiplier,
                     StatedBounds(den.value, den.qualifier),
                     d.indicators()[den.indicator].unit_multiplier, rule.scale,
                     rule.unit_multiplier);
}

}  // namespace indicators
