#ifndef INDICATORS_SERVER_RPC_STATUS_UTIL_H_
#define INDICATORS_SERVER_RPC_STATUS_UTIL_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace indicators::rpc {

// Returns the gRPC status for a core status: the same code (Abseil and gRPC
// number them alike) and message. This is the only place codes are mapped.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_STATUS_UTIL_H_
