#ifndef INDICATORS_SERVER_RPC_CALL_END_H_
#define INDICATORS_SERVER_RPC_CALL_END_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/rpc/call_metrics.h"

namespace indicators::rpc {

// Ends a call of `method` begun at `start` with `status`, the same way for
// unary, blocking and streaming calls: logs a failure (method, code, reason,
// duration), maps the status (`ToGrpcStatus`) and counts the outcome in
// `counted` unless it is null (with `counts_response`, an OK answer also
// counts its one response message). Returns the status to finish with.
grpc::Status EndCall(absl::string_view method, absl::Time start,
                     const absl::Status& status,
                     const CallMetrics::Method* counted, bool counts_response);

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_CALL_END_H_
