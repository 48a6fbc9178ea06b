#ifndef INDICATORS_SERVER_RPC_CALL_LOG_H_
#define INDICATORS_SERVER_RPC_CALL_LOG_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace indicators::rpc {

// The most lines `LogFailedCall` writes in one second; the failures over it
// are counted and reported in the next line written, so that a flood of bad
// calls can neither fill the disk nor block the server on a full stderr pipe.
inline constexpr int kMaxFailureLinesPerSecond = 20;

// Writes one line to stderr for a failed call: method, code, reason (if the
// status carries one), duration and the message (cut to 300 bytes, control
// bytes escaped so that a caller's input stays on one line). A caller refused
// under its quota is logged once a second, however many calls it makes.
void LogFailedCall(absl::string_view method, const absl::Status& status,
                   absl::Duration duration);

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_CALL_LOG_H_
