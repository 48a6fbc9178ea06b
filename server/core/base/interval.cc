#include "server/core/base/interval.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace indicators {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// One end of an interval: a value and whether it is outside.
struct End {
  double value;
  bool open;
};

// An infinite end is never reached.
Interval Normalized(Interval a) {
  if (std::isinf(a.lower)) a.lower_open = true;
  if (std::isinf(a.upper)) a.upper_open = true;
  return a;
}

// The product of two ends: 0 times anything is 0, reached when the 0 is.
End Times(End x, End y) {
  if (x.value == 0 && !x.open) return {0, false};
  if (y.value == 0 && !y.open) return {0, false};
  if (x.value == 0 || y.value == 0) return {0, true};
  return {x.value * y.value, x.open || y.open};
}

}  // namespace

bool Interval::lower_bounded() const { return !std::isinf(lower); }
bool Interval::upper_bounded() const { return !std::isinf(upper); }

bool Interval::Contains(double x) const {
  const bool above = lower_open ? x > lower : x >= lower;
  const bool below = upper_open ? x < upper : x <= upper;
  return above && below;
}

bool Interval::Above(const Interval& other) const {
  if (lower > other.upper) return true;
  return lower == other.upper && (lower_open || other.upper_open);
}

Interval operator+(const Interval& a, const Interval& b) {
  return Normalized({a.lower + b.lower, a.upper + b.upper,
                     a.lower_open || b.lower_open,
                     a.upper_open || b.upper_open});
}

Interval operator-(const Interval& a, const Interval& b) {
  return a + Interval{-b.upper, -b.lower, b.upper_open, b.lower_open};
}

Interval operator*(const Interval& a, const Interval& b) {
  const End candidates[] = {
      Times({a.lower, a.lower_open}, {b.lower, b.lower_open}),
      Times({a.lower, a.lower_open}, {b.upper, b.upper_open}),
      Times({a.upper, a.upper_open}, {b.lower, b.lower_open}),
      Times({a.upper, a.upper_open}, {b.upper, b.upper_open}),
  };
  Interval out{kInf, -kInf, true, true};
  for (const End& c : candidates) {
    if (c.value < out.lower || (c.value == out.lower && !c.open)) {
      out.lower_open = c.value < out.lower ? c.open : false;
      out.lower = c.value;
    }
    if (c.value > out.upper || (c.value == out.upper && !c.open)) {
      out.upper_open = c.value > out.upper ? c.open : false;
      out.upper = c.value;
    }
  }
  return Normalized(out);
}

Interval operator/(const Interval& a, const Interval& b) {
  if (b.lower > 0 || b.upper < 0) {
    // 1 / b, its ends swapped; 1 / inf is 0, never reached.
    const Interval inverse{1 / b.upper, 1 / b.lower, b.upper_open,
                           b.lower_open};
    return a * inverse;
  }
  if (b.lower == 0 && b.upper > 0 && a.lower >= 0) {
    // Non-negative by (0, u]: from a.lower / u up, without an upper bound.
    const End low = Times({a.lower, a.lower_open},
                          {1 / b.upper, b.upper_open || std::isinf(b.upper)});
    return Normalized({low.value, kInf, low.open, true});
  }
  return Interval::Whole();
}

Interval Scale(const Interval& a, double k) { return a * Interval::Point(k); }

Interval Shift(const Interval& a, double k) { return a + Interval::Point(k); }

Interval Intersection(const Interval& a, const Interval& b) {
  Interval out = a;
  if (b.lower > a.lower || (b.lower == a.lower && b.lower_open)) {
    out.lower = b.lower;
    out.lower_open = b.lower_open;
  }
  if (b.upper < a.upper || (b.upper == a.upper && b.upper_open)) {
    out.upper = b.upper;
    out.upper_open = b.upper_open;
  }
  return out;
}

std::string ToString(const Interval& a) {
  auto end = [](double v) {
    if (std::isinf(v)) return std::string(v < 0 ? "-inf" : "+inf");
    char buffer[64];
    const std::to_chars_result r =
        std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, r.ptr);
  };
  return absl::StrCat(a.lower_open ? "(" : "[", end(a.lower), ", ",
                      end(a.upper), a.upper_open ? ")" : "]");
}

}  // namespace indicators
