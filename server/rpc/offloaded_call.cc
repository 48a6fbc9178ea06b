#include "server/rpc/offloaded_call.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/base/errors.h"
#include "server/rpc/call_end.h"

namespace indicators::rpc {

OffloadedCall::OffloadedCall(absl::string_view method, absl::Time start,
                             const grpc::CallbackServerContext& context,
                             grpc::ByteBuffer* response,
                             const CallMetrics::Method* counted,
                             CallsInFlight::Ticket ticket)
    : method_(method),
      start_(start),
      deadline_(context.deadline()),
      response_(response),
      counted_(counted),
      ticket_(std::move(ticket)) {}

bool OffloadedCall::Begin() {
  if (!cancelled()) return true;
  Release();
  return false;
}

void OffloadedCall::Answer(absl::StatusOr<grpc::ByteBuffer> answer) {
  FinishOnce(answer.status(), answer.ok() ? &*answer : nullptr);
  Release();
}

void OffloadedCall::Refuse(int threads, size_t max_queued) {
  FinishOnce(
      FieldError(absl::StatusCode::kResourceExhausted, reason::kServerBusy,
                 "request",
                 absl::StrCat("the server's ", threads,
                              " threads for database and load work "
                              "are busy and ",
                              max_queued, " calls wait for them; retry later")),
      nullptr);
  Release();
}

void OffloadedCall::OnCancel() {
  if (std::chrono::system_clock::now() >= deadline_) {
    FinishOnce(absl::DeadlineExceededError(
                   "the deadline passed before the server had the answer"),
               nullptr);
  } else {
    FinishOnce(absl::CancelledError("the caller went away"), nullptr);
  }
}

void OffloadedCall::OnDone() {
  // gRPC is done: the call no longer holds up a drain, even if its handler
  // is still waiting on the database.
  ticket_ = CallsInFlight::Ticket();
  Release();
}

void OffloadedCall::FinishOnce(const absl::Status& status,
                               grpc::ByteBuffer* bytes) {
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
    cancelled_.store(true, std::memory_order_release);
    if (bytes != nullptr) *response_ = std::move(*bytes);
  }
  Finish(EndCall(method_, start_, status, counted_, /*counts_response=*/true));
}

void OffloadedCall::Release() {
  if (holders_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

}  // namespace indicators::rpc
