#ifndef INDICATORS_SERVER_CORE_DATASET_PERIOD_H_
#define INDICATORS_SERVER_CORE_DATASET_PERIOD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace indicators {

// A reference period: a calendar year (`YYYY`) or the end of a month
// (`YYYY-MM`). Years run from 1000 to 9999.
class Period {
 public:
  // Parses `YYYY` or `YYYY-MM`; anything else is INVALID_ARGUMENT with a
  // message saying what was expected.
  static absl::StatusOr<Period> Parse(absl::string_view text);

  // Returns a whole year.
  static Period Year(int year) { return Period(year, 0); }
  // Returns the month `month` (1-12) of `year`.
  static Period Month(int year, int month) { return Period(year, month); }

  int year() const { return year_; }
  // Returns 1-12, or 0 for a whole year.
  int month() const { return month_; }
  bool is_year() const { return month_ == 0; }

  // Returns the index of the period's last month since year 0 (a year ends in
  // December). Range filters compare these.
  int32_t last_month_index() const {
    return year_ * 12 + (month_ == 0 ? 11 : month_ - 1);
  }
  // Returns the index of the period's first month since year 0.
  int32_t first_month_index() const {
    return year_ * 12 + (month_ == 0 ? 0 : month_ - 1);
  }
  // Returns a key that orders periods by their last month, and a month before
  // the year that ends with it (`2022-12` before `2022`).
  int32_t sort_key() const {
    return last_month_index() * 2 + (month_ == 0 ? 1 : 0);
  }

  // Returns `YYYY` or `YYYY-MM`.
  std::string ToString() const;

  friend bool operator==(Period a, Period b) {
    return a.year_ == b.year_ && a.month_ == b.month_;
  }
  friend bool operator!=(Period a, Period b) { return !(a == b); }
  friend bool operator<(Period a, Period b) {
    return a.sort_key() < b.sort_key();
  }

 private:
  Period(int year, int month)
      : year_(static_cast<int16_t>(year)), month_(static_cast<int8_t>(month)) {}

  int16_t year_;
  int8_t month_;
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_DATASET_PERIOD_H_
