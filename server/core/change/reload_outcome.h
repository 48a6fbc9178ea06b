#ifndef INDICATORS_SERVER_CORE_CHANGE_RELOAD_OUTCOME_H_
#define INDICATORS_SERVER_CORE_CHANGE_RELOAD_OUTCOME_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace indicators {

// What one reload of the dataset did.
struct ReloadOutcome {
  absl::Time time;
  std::string trigger;  // Such as "SIGHUP" or "ReloadDataset".
  absl::Status status;  // OK, or why the new dataset was rejected.
  std::string version;  // Version served after the reload.
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_CHANGE_RELOAD_OUTCOME_H_
