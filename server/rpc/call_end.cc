#include "server/rpc/call_end.h"

#include "absl/time/clock.h"
#include "server/core/base/errors.h"
#include "server/rpc/call_log.h"
#include "server/rpc/status_util.h"

namespace indicators::rpc {

grpc::Status EndCall(absl::string_view method, absl::Time start,
                     const absl::Status& status,
                     const CallMetrics::Method* counted, bool counts_response) {
  const absl::Duration elapsed = absl::Now() - start;
  if (!status.ok()) LogFailedCall(method, status, elapsed);
  grpc::Status answer = ToGrpcStatus(status);
  if (counted != nullptr) {
    if (counts_response && answer.ok()) counted->Sent();
    counted->Handled(answer.error_code(), elapsed);
    if (std::optional<ErrorDetail> detail = GetErrorDetail(status)) {
      counted->Refused(detail->reason);
    }
  }
  return answer;
}

}  // namespace indicators::rpc
