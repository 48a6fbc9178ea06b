#ifndef INDICATORS_SERVER_HTTP_GATEWAY_CALL_H_
#define INDICATORS_SERVER_HTTP_GATEWAY_CALL_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/http/http_exchange.h"
#include "server/http/inprocess_call.h"

namespace indicators::http {

// Returns how to call `method` ("/indicators.v1.IndicatorService/M") for
// the HTTP request of `exchange`: its `Authorization` header (the caller's
// bearer token, as over gRPC), the gateway's mark (so that the service
// counts the call as HTTP and, with `json_request`, parses its request as
// JSON), and the deadline of its `Connect-Timeout-Ms` header.
// INVALID_ARGUMENT names a header that is not valid; UNAUTHENTICATED an
// Authorization header that cannot be a token.
absl::StatusOr<CallSetup> GatewayCallSetup(absl::string_view method,
                                           const HttpExchange& exchange,
                                           bool json_request);

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_GATEWAY_CALL_H_
