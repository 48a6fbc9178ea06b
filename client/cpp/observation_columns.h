#ifndef INDICATORS_CLIENT_CPP_OBSERVATION_COLUMNS_H_
#define INDICATORS_CLIENT_CPP_OBSERVATION_COLUMNS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "indicators/v1/indicator_service.pb.h"

namespace indicators::client {

// Turns the batches of one `StreamObservationColumns` export back into
// observations. Keeps the dictionaries the stream has sent (a code means the
// same entry in every stream of one dataset version, so one decoder serves a
// resumed stream too). Checks every batch: a code without an entry, a width
// other than 1, 2 or 4, or a column of the wrong length is DATA_LOSS naming
// the column, never a crash.
class ObservationColumnsDecoder {
 public:
  // Adds `message`'s dictionary entries, then appends its rows to `rows` as
  // `StreamObservations` sends them (`source_ids`, `unit`, `derived` filled
  // from the dictionaries).
  absl::Status Decode(const v1::StreamObservationColumnsResponse& message,
                      std::vector<v1::Observation>* rows);

 private:
  struct IndicatorFacts {
    std::string id;
    std::string unit;
    int32_t unit_multiplier = 0;
    bool derived = false;
  };
  // Entries by code; `known` marks the codes received.
  template <typename T>
  struct Dictionary {
    std::vector<T> entries;
    std::vector<bool> known;
    void Add(uint32_t code, T entry);
    bool Has(uint32_t code) const { return code < known.size() && known[code]; }
  };
  Dictionary<IndicatorFacts> indicators_;
  Dictionary<std::string> regions_, periods_, notes_;
  Dictionary<std::vector<std::string>> source_sets_;
};

}  // namespace indicators::client

#endif  // INDICATORS_CLIENT_CPP_OBSERVATION_COLUMNS_H_
