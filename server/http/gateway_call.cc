#include "server/http/gateway_call.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"
#include "server/rpc/call_protocol.h"

namespace indicators::http {
namespace {

// Returns the call's deadline from Connect-Timeout-Ms (at most 10 digits).
absl::StatusOr<std::optional<absl::Time>> DeadlineOf(
    const HttpExchange& exchange) {
  if (!exchange.has_header("Connect-Timeout-Ms")) {
    return std::optional<absl::Time>();
  }
  const absl::string_view text = exchange.header("Connect-Timeout-Ms");
  int64_t ms = 0;
  if (text.empty() || text.size() > 10 ||
      !std::all_of(text.begin(), text.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(text, &ms)) {
    return InvalidField(reason::kInvalidRequest, "Connect-Timeout-Ms",
                        absl::StrCat("must be 1 to 10 digits (milliseconds); "
                                     "got ",
                                     Quoted(text)));
  }
  return std::optional<absl::Time>(absl::Now() + absl::Milliseconds(ms));
}

}  // namespace

absl::StatusOr<CallSetup> GatewayCallSetup(absl::string_view method,
                                           const HttpExchange& exchange,
                                           bool json_request) {
  CallSetup setup;
  setup.method = std::string(method);
  const absl::string_view authorization = exchange.header("Authorization");
  if (!authorization.empty()) {
    // gRPC metadata values are printable ASCII; anything else cannot be a
    // token this server issued.
    for (char c : authorization) {
      if (c < 0x20 || c > 0x7e) {
        return FieldError(absl::StatusCode::kUnauthenticated,
                          reason::kInvalidRequest, "Authorization",
                          "holds bytes that are not printable ASCII");
      }
    }
    setup.metadata.emplace_back("authorization", std::string(authorization));
  }
  setup.metadata.emplace_back(rpc::kGatewayKey, rpc::GatewaySecret());
  setup.metadata.emplace_back(rpc::kClientAddressKey,
                              exchange.remote_address());
  if (json_request) {
    setup.metadata.emplace_back(rpc::kRequestEncodingKey, "json");
  }
  ASSIGN_OR_RETURN(setup.deadline, DeadlineOf(exchange));
  return setup;
}

}  // namespace indicators::http
