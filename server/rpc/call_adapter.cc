#include "server/rpc/call_adapter.h"

#include <grpcpp/support/proto_buffer_reader.h>

#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/errors.h"
#include "server/rpc/call_log.h"
#include "server/rpc/status_util.h"

namespace indicators::rpc {
namespace {

// Finishes a unary call with `status` and returns the response's `held`
// bytes to the budget once gRPC is done with the call (delivered, failed or
// cancelled).
class UnaryFinisher final : public grpc::ServerUnaryReactor {
 public:
  UnaryFinisher(std::shared_ptr<ResponseBudget> budget, size_t held,
                const grpc::Status& status)
      : budget_(std::move(budget)), held_(held) {
    Finish(status);
  }
  void OnDone() override {
    budget_->Release(held_);
    delete this;
  }

 private:
  std::shared_ptr<ResponseBudget> budget_;
  const size_t held_;
};

// Writes the messages of `source` with exactly one write in flight: the next
// message is made only when the previous write is done, so memory stays at
// one message however slow the reader is; that message holds its bytes
// against the budget. A cancelled or expired call fails its pending write,
// which ends the stream with CANCELLED.
class StreamWriter final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  // Finishes at once with `status` unless it is OK.
  StreamWriter(absl::string_view method, absl::Time start,
               const absl::Status& status,
               std::unique_ptr<MessageSource> source,
               std::shared_ptr<ResponseBudget> budget)
      : method_(method),
        start_(start),
        source_(std::move(source)),
        budget_(std::move(budget)) {
    if (!status.ok()) {
      End(status);
    } else {
      WriteNext();
    }
  }

  void OnWriteDone(bool ok) override {
    ReleaseMessage();
    if (!ok) {
      End(absl::CancelledError(
          "the stream was cancelled before the export completed"));
      return;
    }
    WriteNext();
  }

  void OnDone() override {
    ReleaseMessage();
    delete this;
  }

 private:
  void WriteNext() {
    if (!source_->Next(&message_)) {
      End(absl::OkStatus());
      return;
    }
    const size_t size = message_.Length();
    if (absl::Status held = budget_->Acquire(size); !held.ok()) {
      End(held);
      return;
    }
    held_ = size;
    StartWrite(&message_);
  }

  void ReleaseMessage() {
    budget_->Release(held_);
    held_ = 0;
  }

  void End(const absl::Status& status) {
    if (!status.ok()) LogFailedCall(method_, status, absl::Now() - start_);
    Finish(ToGrpcStatus(status));
  }

  const absl::string_view method_;
  const absl::Time start_;
  std::unique_ptr<MessageSource> source_;
  std::shared_ptr<ResponseBudget> budget_;
  grpc::ByteBuffer message_;
  size_t held_ = 0;  // Bytes of `message_` held against the budget.
};

}  // namespace

absl::Status CallAdapter::Admit(const grpc::CallbackServerContext& context,
                                Permission permission,
                                const grpc::ByteBuffer& bytes,
                                google::protobuf::Message* request) const {
  if (absl::Status allowed = authorizer_->Check(context, permission);
      !allowed.ok()) {
    return allowed;
  }
  grpc::ByteBuffer copy(bytes);  // Shares the slices.
  grpc::ProtoBufferReader reader(&copy);
  if (!request->ParseFromZeroCopyStream(&reader)) {
    return InvalidField(
        reason::kInvalidRequest, "request",
        absl::StrCat("not a valid ", request->GetDescriptor()->full_name()));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* CallAdapter::FinishUnary(absl::string_view method,
                                                   absl::Time start,
                                                   const absl::Status& status,
                                                   size_t held) const {
  if (!status.ok()) LogFailedCall(method, status, absl::Now() - start);
  return new UnaryFinisher(budget_, held, ToGrpcStatus(status));
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* CallAdapter::StartStream(
    absl::string_view method, absl::Time start, const absl::Status& status,
    std::unique_ptr<MessageSource> source) const {
  return new StreamWriter(method, start, status, std::move(source), budget_);
}

}  // namespace indicators::rpc
