#include "server/rpc/status_util.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "server/core/base/errors.h"

namespace indicators::rpc {
namespace {

// The most bytes of field violations one error carries (about 4 KiB once
// base64-encoded in the trailer, beside the message).
constexpr size_t kMaxViolationBytes = 3000;

}  // namespace

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
  // As many violations as fit kMaxViolationBytes, then how many more: the
  // details go in a trailer, and a client refuses metadata over 8 KiB (a
  // batch of 10,000 bad items would otherwise reach it as
  // RESOURCE_EXHAUSTED, not as its own error).
  size_t bytes = 0;
  for (size_t i = 0; i < violations.size(); ++i) {
    const FieldViolation& v = violations[i];
    bytes += v.field.size() + v.description.size() + 8;
    if (bytes > kMaxViolationBytes && i > 0) {
      google::rpc::BadRequest::FieldViolation* more =
          bad_request.add_field_violations();
      more->set_field("request");
      more->set_description(absl::StrCat("and ", violations.size() - i,
                                         " more problems not listed"));
      break;
    }
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
