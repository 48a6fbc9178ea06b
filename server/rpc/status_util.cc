#include "server/rpc/status_util.h"

#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "server/core/base/errors.h"

namespace indicators::rpc {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const int code = static_cast<int>(status.code());
  const std::string message(status.message());
  // Abseil may grow codes that gRPC lacks; those are server faults.
  if (code <= 0 || code > static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, message);
  }
  std::optional<ErrorDetail> detail = GetErrorDetail(status);
  if (!detail)
    return grpc::Status(static_cast<grpc::StatusCode>(code), message);

  // AIP-193: an ErrorInfo with the reason, and the field as a violation.
  google::rpc::Status details;
  details.set_code(code);
  details.set_message(message);
  google::rpc::ErrorInfo info;
  info.set_reason(detail->reason);
  info.set_domain(std::string(kErrorDomain));
  const std::vector<FieldViolation> violations = GetFieldViolations(status);
  if (detail->field.empty() && violations.empty()) {
    // A refusal that is not about the request: no field to name; under a
    // quota, whose it is and when to come back.
    details.add_details()->PackFrom(info);
    if (std::optional<QuotaDetail> quota = GetQuotaDetail(status)) {
      google::rpc::QuotaFailure failure;
      google::rpc::QuotaFailure::Violation* violation =
          failure.add_violations();
      violation->set_subject(quota->subject);
      violation->set_description(quota->description);
      details.add_details()->PackFrom(failure);
      google::rpc::RetryInfo retry;
      const int64_t nanos = absl::ToInt64Nanoseconds(quota->retry_after);
      retry.mutable_retry_delay()->set_seconds(nanos / 1000000000);
      retry.mutable_retry_delay()->set_nanos(
          static_cast<int32_t>(nanos % 1000000000));
      details.add_details()->PackFrom(retry);
    }
    return grpc::Status(static_cast<grpc::StatusCode>(code), message,
                        details.SerializeAsString());
  }
  (*info.mutable_metadata())["field"] = detail->field;
  details.add_details()->PackFrom(info);
  google::rpc::BadRequest bad_request;
  for (const FieldViolation& v : violations) {
    google::rpc::BadRequest::FieldViolation* violation =
        bad_request.add_field_violations();
    violation->set_field(v.field);
    violation->set_description(v.description);
  }
  if (violations.empty()) {
    google::rpc::BadRequest::FieldViolation* violation =
        bad_request.add_field_violations();
    violation->set_field(detail->field);
    // The message is "field: description"; the violation carries the latter.
    violation->set_description(
        message.substr(std::min(message.size(), detail->field.size() + 2)));
  }
  details.add_details()->PackFrom(bad_request);
  return grpc::Status(static_cast<grpc::StatusCode>(code), message,
                      details.SerializeAsString());
}

}  // namespace indicators::rpc
