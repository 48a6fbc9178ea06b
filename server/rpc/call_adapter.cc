#include "server/rpc/call_adapter.h"

#include <grpcpp/support/proto_buffer_reader.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/json_util.h"
#include "server/core/base/errors.h"
#include "server/core/base/utf8.h"
#include "server/rpc/call_end.h"
#include "server/rpc/call_protocol.h"

namespace indicators::rpc {
namespace {

// Writes the messages of `source` with exactly one write in flight: the next
// message is made only when the previous write is done, so memory stays at
// one message however slow the reader is. A source with nothing ready yet (a
// watch) calls back when it may have; a client that cancels meanwhile ends
// the stream (OnCancel). A cancelled or expired call fails its pending write,
// which ends the stream with CANCELLED; a source that fails ends it with its
// error.
class StreamWriter final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  // Finishes at once with `status` unless it is OK.
  StreamWriter(absl::string_view method, absl::Time start,
               const absl::Status& status,
               std::unique_ptr<MessageSource> source,
               const CallMetrics::Method* counted, CallsInFlight::Ticket ticket,
               Quotas::StreamTicket open)
      : method_(method),
        start_(start),
        counted_(counted),
        ticket_(std::move(ticket)),
        open_(std::move(open)),
        source_(std::move(source)) {
    if (!status.ok()) {
      {
        absl::MutexLock lock(&mu_);
        finished_ = true;
      }
      FinishWith(status);
      return;
    }
    source_->CallWhenReady([this] { OnReady(); });
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      message_.Clear();  // Frees its bytes before the next one is made.
      if (!ok) {
        if (finished_) return;
        finished_ = true;
      }
    }
    if (!ok) {
      FinishWith(absl::CancelledError(
          "the stream was cancelled before the export completed"));
      return;
    }
    if (counted_ != nullptr) counted_->Sent();
    WriteNext();
  }

  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      // With a write in flight, its failure ends the stream (OnWriteDone).
      if (!waiting_ || finished_) return;
      finished_ = true;
    }
    FinishWith(absl::CancelledError("the watcher went away"));
  }

  void OnDone() override {
    if (source_ != nullptr) source_->StopCalling();
    delete this;
  }

 private:
  // Called by the source when a message may be ready.
  void OnReady() {
    {
      absl::MutexLock lock(&mu_);
      if (!waiting_ || finished_) return;
      waiting_ = false;
    }
    WriteNext();
  }

  // Pulls the next message and writes it, waits for the source, or ends the
  // stream. gRPC is called outside the lock: it may run reactions inline.
  void WriteNext() {
    bool write = false;
    absl::Status end;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      absl::StatusOr<MessageSource::Pull> pulled = source_->Next(&message_);
      if (pulled.ok() && *pulled == MessageSource::Pull::kLater) {
        waiting_ = true;
        return;
      }
      if (pulled.ok() && *pulled == MessageSource::Pull::kMessage) {
        write = true;
      } else {
        finished_ = true;
        end = pulled.status();
      }
    }
    if (write) {
      StartWrite(&message_);
    } else {
      FinishWith(end);
    }
  }

  // Logs, counts and finishes; the reactor may be gone once `Finish` returns.
  void FinishWith(const absl::Status& status) {
    // Each message was counted as it was sent.
    Finish(EndCall(method_, start_, status, counted_,
                   /*counts_response=*/false));
  }

  const absl::string_view method_;
  const absl::Time start_;
  const CallMetrics::Method* const counted_;
  const CallsInFlight::Ticket ticket_;  // Ends with the reactor (OnDone).
  const Quotas::StreamTicket open_;     // The caller's stream, until then.
  std::unique_ptr<MessageSource> source_;
  absl::Mutex mu_;
  grpc::ByteBuffer message_;  // The message in flight (one at a time).
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// Parses `bytes` as protobuf's JSON mapping of `request` (unknown fields
// refused, as protobuf's JSON parser and Connect do by default).
absl::Status ParseJson(const grpc::ByteBuffer& bytes,
                       google::protobuf::Message* request) {
  std::vector<grpc::Slice> slices;
  std::string json;
  if (bytes.Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices) {
      json.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  const google::protobuf::util::Status parsed =
      google::protobuf::util::JsonStringToMessage(json, request);
  if (parsed.ok()) return absl::OkStatus();
  const std::string why = parsed.message().as_string();
  return InvalidField(
      reason::kInvalidRequest, "request",
      absl::StrCat("not valid JSON for ", request->GetDescriptor()->full_name(),
                   ": ", Utf8Prefix(why, 200)));
}

// A unary call answered on the callback thread, counted in flight until gRPC
// is done with it.
class UnaryAnswer final : public grpc::ServerUnaryReactor {
 public:
  explicit UnaryAnswer(CallsInFlight::Ticket ticket)
      : ticket_(std::move(ticket)) {}
  void OnDone() override { delete this; }

 private:
  const CallsInFlight::Ticket ticket_;
};

}  // namespace

absl::Status CallAdapter::Admit(const grpc::CallbackServerContext& context,
                                Permission permission,
                                const grpc::ByteBuffer& bytes,
                                google::protobuf::Message* request,
                                QuotaSubject* subject,
                                Quotas::StreamTicket* stream) const {
  if (absl::Status open = calls_->Admit(); !open.ok()) return open;
  if (absl::Status allowed = authorizer_->Check(context, permission, subject);
      !allowed.ok()) {
    return allowed;
  }
  if (absl::Status within = quotas_->Admit(*subject, stream); !within.ok()) {
    return within;
  }
  if (OriginOf(context).json_request) return ParseJson(bytes, request);
  grpc::ByteBuffer copy(bytes);  // Shares the slices.
  grpc::ProtoBufferReader reader(&copy);
  if (!request->ParseFromZeroCopyStream(&reader)) {
    return InvalidField(
        reason::kInvalidRequest, "request",
        absl::StrCat("not a valid ", request->GetDescriptor()->full_name()));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* CallAdapter::FinishUnary(
    absl::string_view method, absl::Time start, const absl::Status& status,
    const CallMetrics::Method* counted, CallsInFlight::Ticket ticket) {
  grpc::ServerUnaryReactor* reactor = new UnaryAnswer(std::move(ticket));
  reactor->Finish(
      EndCall(method, start, status, counted, /*counts_response=*/true));
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* CallAdapter::StartStream(
    absl::string_view method, absl::Time start, const absl::Status& status,
    std::unique_ptr<MessageSource> source, const CallMetrics::Method* counted,
    CallsInFlight::Ticket ticket, Quotas::StreamTicket open) {
  return new StreamWriter(method, start, status, std::move(source), counted,
                          std::move(ticket), std::move(open));
}

}  // namespace indicators::rpc
