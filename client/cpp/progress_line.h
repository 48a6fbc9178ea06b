#ifndef INDICATORS_CLIENT_CPP_PROGRESS_LINE_H_
#define INDICATORS_CLIENT_CPP_PROGRESS_LINE_H_

#include <cstdint>
#include <cstdio>

#include "absl/time/time.h"

namespace indicators::client {

// A progress line on a terminal for a long stream: "12,345 rows  456,789
// rows/s  2.7 s", redrawn in place at most four times a second. It writes
// nothing unless `out` is a terminal, so pipes and files never see it.
class ProgressLine {
 public:
  explicit ProgressLine(std::FILE* out = stderr);
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  // Ends the line (see `Finish`).
  ~ProgressLine();

  // Counts `rows` more rows and redraws the line if it is due.
  void Add(int64_t rows);
  // Draws the final figures and ends the line; later calls do nothing.
  void Finish();

 private:
  void Draw(absl::Time now);

  std::FILE* out_;
  bool enabled_;
  int64_t rows_ = 0;
  absl::Time start_;
  absl::Time last_draw_;
};

}  // namespace indicators::client

#endif  // INDICATORS_CLIENT_CPP_PROGRESS_LINE_H_
