#ifndef INDICATORS_SERVER_HTTP_CONNECT_ERROR_H_
#define INDICATORS_SERVER_HTTP_CONNECT_ERROR_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/strings/string_view.h"

namespace indicators::http {

// The Connect protocol's error model (connectrpc.com/docs/protocol): the
// code names ("invalid_argument"), the HTTP status of each code for unary
// calls, and the JSON error body with the status's typed details.

// Returns Connect's name of `code`.
absl::string_view ConnectCodeName(grpc::StatusCode code);

// Returns the HTTP status a unary Connect call answers `code` with (200 for
// OK; 400, 401, 403, 404, 409, 429, 499, 500, 501, 503, 504 otherwise).
int HttpStatusOf(grpc::StatusCode code);

// Returns the JSON error of `status`: {"code", "message", "details"}, each
// detail {"type", "value", "debug"}: the type's full name, the detail's
// binary encoding in base64 without padding (so that any client decodes it
// as the gRPC detail it is), and its JSON form for people reading it. The
// details come from the status's `google.rpc.Status` (ErrorInfo, BadRequest,
// ...), exactly as a gRPC client receives them.
std::string ConnectErrorJson(const grpc::Status& status);

// Returns the whole seconds of the status's google.rpc.RetryInfo, rounded
// up, for an HTTP `Retry-After` header; 0 if it has none.
int RetryAfterSeconds(const grpc::Status& status);

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_CONNECT_ERROR_H_
