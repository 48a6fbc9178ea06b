#include "client/cpp/progress_line.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace indicators::client {
namespace {

constexpr absl::Duration kRedrawEvery = absl::Milliseconds(250);

// Formats 1234567 as "1,234,567".
std::string Grouped(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace

ProgressLine::ProgressLine(std::FILE* out)
    : out_(out),
      enabled_(isatty(fileno(out)) == 1),
      start_(absl::Now()),
      last_draw_(start_) {}

ProgressLine::~ProgressLine() { Finish(); }

void ProgressLine::Add(int64_t rows) {
  rows_ += rows;
  if (!enabled_) return;
  const absl::Time now = absl::Now();
  if (now - last_draw_ >= kRedrawEvery) Draw(now);
}

void ProgressLine::Finish() {
  if (!enabled_) return;
  Draw(absl::Now());
  std::fputc('\n', out_);
  std::fflush(out_);
  enabled_ = false;
}

void ProgressLine::Draw(absl::Time now) {
  last_draw_ = now;
  const double seconds = absl::ToDoubleSeconds(now - start_);
  const int64_t rate =
      seconds > 0 ? static_cast<int64_t>(static_cast<double>(rows_) / seconds)
                  : 0;
  // "\r" returns to the line's start and "\033[K" clears what is left of it.
  std::fprintf(out_, "\r%s rows  %s rows/s  %.1f s\033[K",
               Grouped(rows_).c_str(), Grouped(rate).c_str(), seconds);
  std::fflush(out_);
}

}  // namespace indicators::client
