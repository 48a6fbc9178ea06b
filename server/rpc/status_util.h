#ifndef INDICATORS_SERVER_RPC_STATUS_UTIL_H_
#define INDICATORS_SERVER_RPC_STATUS_UTIL_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace indicators::rpc {

// The `ErrorInfo.domain` of every error this service reports.
inline constexpr absl::string_view kErrorDomain = "indicators.v1";

// Returns the gRPC status for a core status: the same code (Abseil and gRPC
// number them alike) and message, and for request errors a google.rpc.Status
// in the details trailer with an ErrorInfo (reason, domain, the field in
// metadata) and a BadRequest field violation. This is the only place codes
// are mapped.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_STATUS_UTIL_H_
