#include "server/http/inprocess_call.h"

#include <memory>

#include "absl/synchronization/notification.h"

namespace indicators::http {
namespace {

void Prepare(const CallSetup& setup, grpc::ClientContext* context) {
  for (const auto& [key, value] : setup.metadata) {
    context->AddMetadata(key, value);
  }
  if (setup.deadline.has_value()) {
    context->set_deadline(absl::ToChronoTime(*setup.deadline));
  }
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace

UnaryAnswer CallUnary(grpc::GenericStub& stub, const CallSetup& setup,
                      const std::string& request) {
  // Everything the call touches lives as long as gRPC holds the callback,
  // which may be after this thread has been woken and returned.
  struct State {
    grpc::ClientContext context;
    grpc::ByteBuffer in, out;
    grpc::Status status;
    absl::Notification done;
  };
  auto state = std::make_shared<State>();
  Prepare(setup, &state->context);
  state->in = ToBuffer(request);
  stub.UnaryCall(&state->context, setup.method, grpc::StubOptions(), &state->in,
                 &state->out, [state](grpc::Status status) {
                   state->status = std::move(status);
                   state->done.Notify();
                 });
  state->done.WaitForNotification();
  UnaryAnswer answer;
  answer.status = state->status;
  if (answer.status.ok()) answer.response = ToString(state->out);
  return answer;
}

StreamCall::StreamCall(grpc::GenericStub& stub, const CallSetup& setup,
                       const std::string& request)
    : request_(ToBuffer(request)) {
  Prepare(setup, &context_);
  stub.PrepareBidiStreamingCall(&context_, setup.method, grpc::StubOptions(),
                                this);
  AddHold();
  StartWriteLast(&request_, grpc::WriteOptions());
  StartRead(&read_);
  StartCall();
}

StreamCall::~StreamCall() {
  absl::MutexLock lock(&mu_);
  if (!done_) {
    context_.TryCancel();
    ReleaseHold();
    mu_.Await(absl::Condition(&done_));
  }
}

void StreamCall::ReleaseHold() {
  if (!held_) return;
  held_ = false;
  RemoveHold();
}

bool StreamCall::Next(std::string* message) {
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](StreamCall* call) ABSL_EXCLUSIVE_LOCKS_REQUIRED(call->mu_) {
          return call->message_ready_ || call->reads_ended_;
        },
        this));
    if (!message_ready_) {
      ReleaseHold();
      return false;
    }
    message_ready_ = false;
    *message = ToString(read_);
    read_.Clear();
  }
  StartRead(&read_);
  return true;
}

grpc::Status StreamCall::Finish() {
  absl::MutexLock lock(&mu_);
  if (!reads_ended_) context_.TryCancel();
  ReleaseHold();
  mu_.Await(absl::Condition(&done_));
  return status_;
}

void StreamCall::OnReadDone(bool ok) {
  absl::MutexLock lock(&mu_);
  if (ok) {
    message_ready_ = true;
  } else {
    reads_ended_ = true;
  }
}

void StreamCall::OnDone(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  status_ = status;
  reads_ended_ = true;
  done_ = true;
}

}  // namespace indicators::http
