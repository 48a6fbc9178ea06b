#ifndef INDICATORS_SERVER_CORE_QUERY_RECORDED_HISTORY_H_
#define INDICATORS_SERVER_CORE_QUERY_RECORDED_HISTORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/dataset/records.h"

namespace indicators {

// One value of a figure as a store recorded it: current, or later revised or
// withdrawn.
struct RecordedValue {
  ObservationRecord record;
  int64_t recorded_at_micros = 0;  // Unix time, microseconds.
  int64_t recorded_in = 0;         // The revision (0: an import).
  int64_t superseded_in = 0;       // 0: current.
  bool withdrawn = false;
};

// Where the recorded values of a figure are kept (a database; a directory of
// files keeps none).
class RecordedHistory {
 public:
  virtual ~RecordedHistory() = default;
  // Returns every value recorded for the figure, current and superseded.
  virtual absl::StatusOr<std::vector<RecordedValue>> Read(
      const std::string& indicator_id, const std::string& region_code,
      const std::string& period) const = 0;
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_QUERY_RECORDED_HISTORY_H_
