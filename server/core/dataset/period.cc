#include "server/core/dataset/period.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/core/base/errors.h"

namespace indicators {
namespace {

// Parses exactly `n` ASCII digits; returns -1 if `text` is anything else.
int ParseDigits(absl::string_view text, size_t n) {
  if (text.size() != n) return -1;
  int value = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

absl::StatusOr<Period> Period::Parse(absl::string_view text) {
  const int year = ParseDigits(text.substr(0, 4), 4);
  if (year >= 1000) {
    if (text.size() == 4) return Period(year, 0);
    if (text.size() == 7 && text[4] == '-') {
      const int month = ParseDigits(text.substr(5), 2);
      if (month >= 1 && month <= 12) return Period(year, month);
      return absl::InvalidArgumentError(absl::StrCat(
          Quoted(text), " has month ", text.substr(5), "; expected 01 to 12"));
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      Quoted(text),
      " is not a period; expected YYYY or YYYY-MM (year 1000-9999)"));
}

std::string Period::ToString() const {
  if (month_ == 0) return absl::StrFormat("%04d", year_);
  return absl::StrFormat("%04d-%02d", year_, month_);
}

}  // namespace indicators
