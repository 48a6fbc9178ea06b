#ifndef INDICATORS_SERVER_RPC_CALL_ADAPTER_H_
#define INDICATORS_SERVER_RPC_CALL_ADAPTER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <memory>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "server/rpc/auth.h"
#include "server/rpc/blocking_executor.h"
#include "server/rpc/call_metrics.h"
#include "server/rpc/call_protocol.h"
#include "server/rpc/calls_in_flight.h"
#include "server/rpc/handlers.h"
#include "server/rpc/offloaded_call.h"
#include "server/rpc/quota.h"
#include "server/serving/dataset_manager.h"

namespace indicators::rpc {

// Runs handlers on gRPC's callback API, the same way for every method: check
// the caller's permission (before looking at the request, so that an
// unauthorized caller learns nothing), parse the request, take one snapshot,
// call the handler, map its status once (`ToGrpcStatus`), log a failure
// (method, code, reason, duration), count the call (`CallMetrics`, when
// metrics are on) and finish. The handlers of `Unary` and `Stream` only read
// the snapshot, so they run on gRPC's callback thread; those of `Blocking`
// wait on a database or load a dataset, so they run on the blocking executor
// and the callback thread returns at once. Every call is counted in
// `CallsInFlight` until gRPC is done with it; once the drain refuses calls,
// new ones are answered UNAVAILABLE before anything else.
class CallAdapter {
 public:
  template <typename Request>
  using UnaryHandler = Bytes (*)(const Call&, const Request&);
  template <typename Request>
  using StreamHandler = Messages (*)(const Call&, const Request&);

  // Serves the snapshots of `datasets` to the callers `authorizer` admits;
  // counts every call in `metrics` unless it is null.
  // Runs the handlers of `Blocking` on `blocking`; counts the calls in
  // flight in `calls`.
  CallAdapter(std::shared_ptr<DatasetManager> datasets,
              std::shared_ptr<const Authorizer> authorizer,
              size_t stream_batch_size,
              std::shared_ptr<BlockingExecutor> blocking,
              std::shared_ptr<CallsInFlight> calls,
              std::shared_ptr<const CallMetrics> metrics = nullptr)
      : datasets_(std::move(datasets)),
        authorizer_(std::move(authorizer)),
        stream_batch_size_(stream_batch_size),
        blocking_(std::move(blocking)),
        calls_(std::move(calls)),
        metrics_(std::move(metrics)),
        quotas_(std::make_shared<Quotas>()) {}

  // Answers a unary call of `method` with `handler`.
  template <typename Request>
  grpc::ServerUnaryReactor* Unary(absl::string_view method,
                                  Permission permission,
                                  UnaryHandler<Request> handler,
                                  grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) const {
    const absl::Time start = absl::Now();
    CallsInFlight::Ticket ticket = calls_->Begin();
    const CallMetrics::Method* counted = Started(method, *context);
    Bytes bytes = Run(permission, handler, context, *request);
    if (bytes.ok()) *response = *std::move(bytes);
    return FinishUnary(method, start, bytes.status(), counted,
                       std::move(ticket));
  }

  // Answers a unary call of `method` with `handler` run on the blocking
  // executor: authorization and parsing happen here, the handler there, and
  // the call finishes when it returns. A full queue is RESOURCE_EXHAUSTED
  // (reason SERVER_BUSY); a call whose caller leaves or whose deadline passes
  // first finishes then (CANCELLED or DEADLINE_EXCEEDED), and a handler not
  // yet started is skipped.
  template <typename Request>
  grpc::ServerUnaryReactor* Blocking(absl::string_view method,
                                     Permission permission,
                                     UnaryHandler<Request> handler,
                                     grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) const {
    const absl::Time start = absl::Now();
    CallsInFlight::Ticket ticket = calls_->Begin();
    const CallMetrics::Method* counted = Started(method, *context);
    auto parsed = std::make_unique<Request>();
    QuotaSubject subject;
    if (absl::Status admitted =
            Admit(*context, permission, *request, parsed.get(), &subject);
        !admitted.ok()) {
      return FinishUnary(method, start, admitted, counted, std::move(ticket));
    }
    auto* call = new OffloadedCall(method, start, *context, response, counted,
                                   std::move(ticket));
    const bool queued = blocking_->TrySchedule(
        [call, handler, request = std::move(parsed),
         snapshot = datasets_->Current(), datasets = datasets_,
         batch = stream_batch_size_, subject = std::move(subject)]() mutable {
          if (!call->Begin()) return;
          auto cancelled = [call] { return call->cancelled(); };
          call->Answer(
              handler(Call{*snapshot, *datasets, batch, cancelled, &subject},
                      *request));
        });
    if (!queued) call->Refuse(blocking_->threads(), blocking_->max_queued());
    return call;
  }

  // Answers a server-streaming call of `method` with `handler`'s messages.
  template <typename Request>
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Stream(
      absl::string_view method, Permission permission,
      StreamHandler<Request> handler, grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) const {
    const absl::Time start = absl::Now();
    CallsInFlight::Ticket ticket = calls_->Begin();
    const CallMetrics::Method* counted = Started(method, *context);
    Quotas::StreamTicket open;  // Its place among the caller's streams.
    Messages messages = Run(permission, handler, context, *request, &open);
    if (!messages.ok()) {
      return StartStream(method, start, messages.status(), {}, counted,
                         std::move(ticket), {});
    }
    return StartStream(method, start, absl::OkStatus(), *std::move(messages),
                       counted, std::move(ticket), std::move(open));
  }

 private:
  // Checks `permission` and the caller's quota (a stream's, with `stream`),
  // parses `bytes` as the handler's request and calls the handler on the
  // current snapshot.
  template <typename Result, typename Request>
  Result Run(Permission permission,
             Result (*handler)(const Call&, const Request&),
             grpc::CallbackServerContext* context,
             const grpc::ByteBuffer& bytes,
             Quotas::StreamTicket* stream = nullptr) const {
    Request request;
    QuotaSubject subject;
    if (absl::Status admitted =
            Admit(*context, permission, bytes, &request, &subject, stream);
        !admitted.ok()) {
      return admitted;
    }
    const std::shared_ptr<const Snapshot> snapshot = datasets_->Current();
    auto cancelled = [context] { return context->IsCancelled(); };
    return handler(
        Call{*snapshot, *datasets_, stream_batch_size_, cancelled, &subject},
        request);
  }

  // Refuses the call if the drain has begun, checks `permission`, counts the
  // call against the caller's quota (`subject`; a stream's place in
  // `stream`, unless null), and parses `bytes` into `request`: protobuf's
  // binary encoding, or its JSON mapping when the HTTP gateway says so.
  absl::Status Admit(const grpc::CallbackServerContext& context,
                     Permission permission, const grpc::ByteBuffer& bytes,
                     google::protobuf::Message* request, QuotaSubject* subject,
                     Quotas::StreamTicket* stream = nullptr) const;
  // Counts the start of a call of `method` (under the protocol it came by);
  // returns its series, or null when calls are not counted.
  const CallMetrics::Method* Started(
      absl::string_view method,
      const grpc::CallbackServerContext& context) const {
    if (metrics_ == nullptr) return nullptr;
    const CallMetrics::Method* counted =
        metrics_->Find(method, OriginOf(context).protocol);
    if (counted != nullptr) counted->Started();
    return counted;
  }
  static grpc::ServerUnaryReactor* FinishUnary(
      absl::string_view method, absl::Time start, const absl::Status& status,
      const CallMetrics::Method* counted, CallsInFlight::Ticket ticket);
  static grpc::ServerWriteReactor<grpc::ByteBuffer>* StartStream(
      absl::string_view method, absl::Time start, const absl::Status& status,
      std::unique_ptr<MessageSource> source, const CallMetrics::Method* counted,
      CallsInFlight::Ticket ticket, Quotas::StreamTicket open);

  std::shared_ptr<DatasetManager> datasets_;
  std::shared_ptr<const Authorizer> authorizer_;
  size_t stream_batch_size_;
  std::shared_ptr<BlockingExecutor> blocking_;
  std::shared_ptr<CallsInFlight> calls_;
  std::shared_ptr<const CallMetrics> metrics_;
  // Outlives every stream (gRPC finishes them before the service goes).
  std::shared_ptr<Quotas> quotas_;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_CALL_ADAPTER_H_
