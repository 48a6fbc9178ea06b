#ifndef INDICATORS_SERVER_CORE_BASE_INTERVAL_H_
#define INDICATORS_SERVER_CORE_BASE_INTERVAL_H_

// Intervals of real numbers with open or closed ends, and the arithmetic that
// carries them through a computation: the result of an operation holds every
// value the operation can give for values inside its operands (and, for the
// four operations here, nothing more, up to the rounding of doubles).
// An end may be infinite (then it is open). Division by an interval that
// holds 0 gives the whole line, or a half-line for non-negative operands.

#include <limits>
#include <string>

namespace indicators {

struct Interval {
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  bool lower_open = true;  // `lower` itself is outside.
  bool upper_open = true;

  // [x, x].
  static Interval Point(double x) { return {x, x, false, false}; }
  // (-inf, +inf).
  static Interval Whole() { return {}; }

  bool lower_bounded() const;
  bool upper_bounded() const;
  bool Contains(double x) const;
  // True if every value of `*this` is larger than every value of `other`.
  bool Above(const Interval& other) const;
  // True if no value is in both.
  bool Disjoint(const Interval& other) const {
    return Above(other) || other.Above(*this);
  }

  friend bool operator==(const Interval& a, const Interval& b) {
    return a.lower == b.lower && a.upper == b.upper &&
           a.lower_open == b.lower_open && a.upper_open == b.upper_open;
  }
};

Interval operator+(const Interval& a, const Interval& b);
Interval operator-(const Interval& a, const Interval& b);
Interval operator*(const Interval& a, const Interval& b);
Interval operator/(const Interval& a, const Interval& b);
// a x k for an exact k.
Interval Scale(const Interval& a, double k);
// a + k for an exact k.
Interval Shift(const Interval& a, double k);
// The values in both (for intervals that are not disjoint).
Interval Intersection(const Interval& a, const Interval& b);

// "[455, 465)", "(75000, +inf)".
std::string ToString(const Interval& a);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_BASE_INTERVAL_H_
