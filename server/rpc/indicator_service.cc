#include "server/rpc/indicator_service.h"

#include <grpcpp/support/proto_buffer_reader.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/errors.h"
#include "server/core/status_macros.h"
#include "server/rpc/convert.h"
#include "server/rpc/status_util.h"

namespace indicators::rpc {
namespace {

// Parses `bytes` into `request`; INVALID_ARGUMENT if they are not one.
absl::Status ParseRequest(const grpc::ByteBuffer& bytes,
                          google::protobuf::Message* request) {
  grpc::ByteBuffer copy(bytes);  // Shares the slices.
  grpc::ProtoBufferReader reader(&copy);
  if (!request->ParseFromZeroCopyStream(&reader)) {
    return InvalidField(
        reason::kInvalidRequest, "request",
        absl::StrCat("not a valid ", request->GetDescriptor()->full_name()));
  }
  return absl::OkStatus();
}

// Checks that the caller may read, parses the request as `Request`, runs
// `handler` (returning the response bytes or an error) and finishes the call.
template <typename Request, typename Handler>
grpc::ServerUnaryReactor* Finish(const Authorizer& authorizer,
                                 grpc::CallbackServerContext* context,
                                 const grpc::ByteBuffer* request_bytes,
                                 grpc::ByteBuffer* response, Handler handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Request request;
  absl::Status status = authorizer.Check(*context, Scope::kRead);
  if (status.ok()) status = ParseRequest(*request_bytes, &request);
  if (status.ok()) {
    absl::StatusOr<grpc::ByteBuffer> bytes = handler(request);
    if (bytes.ok()) {
      *response = *std::move(bytes);
    } else {
      status = bytes.status();
    }
  }
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

PageRequest PageOf(int32_t page_size, const std::string& page_token) {
  return PageRequest{page_size, page_token};
}

// Streams the matches of one filter, one batch per message with exactly one
// write in flight: the next batch is encoded only when the previous write is
// done, so memory stays at one batch however slow the reader is. A cancelled
// or expired call fails its pending write, which ends the stream.
class ObservationWriter final
    : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  ObservationWriter(ObservationStream stream,
                    std::shared_ptr<const EncodedDataset> encoded,
                    size_t batch_size)
      : stream_(std::move(stream)),
        encoded_(std::move(encoded)),
        batch_size_(batch_size) {
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "stream cancelled before the export completed"));
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    const bool more = stream_.Next(batch_size_, &rows_);
    if (!more && sent_any_) {
      Finish(grpc::Status::OK);
      return;
    }
    sent_any_ = true;  // An empty result still sends one message.
    message_ = encoded_->StreamBatch(rows_);
    StartWrite(&message_);
  }

  ObservationStream stream_;
  std::shared_ptr<const EncodedDataset> encoded_;
  const size_t batch_size_;
  std::vector<uint32_t> rows_;
  grpc::ByteBuffer message_;
  bool sent_any_ = false;
};

// Finishes a streaming call at once with an error.
class FailedWriter final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit FailedWriter(const absl::Status& status) {
    Finish(ToGrpcStatus(status));
  }
  void OnDone() override { delete this; }
};

}  // namespace

IndicatorService::IndicatorService(std::shared_ptr<DatasetManager> manager,
                                   std::shared_ptr<const Authorizer> authorizer,
                                   size_t stream_batch_size,
                                   std::string data_dir)
    : manager_(std::move(manager)),
      authorizer_(std::move(authorizer)),
      stream_batch_size_(stream_batch_size),
      data_dir_(std::move(data_dir)) {}

grpc::ServerUnaryReactor* IndicatorService::ListIndicators(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  const std::shared_ptr<const Snapshot> snapshot = manager_->Current();
  return Finish<v1::ListIndicatorsRequest>(
      *authorizer_, context, request, response,
      [&](const auto& r) -> absl::StatusOr<grpc::ByteBuffer> {
        ASSIGN_OR_RETURN(Page page, snapshot->core->ListIndicators(
                                        PageOf(r.page_size(), r.page_token())));
        return snapshot->encoded->IndicatorPage(page.items,
                                                page.next_page_token);
      });
}

grpc::ServerUnaryReactor* IndicatorService::GetIndicator(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  const std::shared_ptr<const Snapshot> snapshot = manager_->Current();
  return Finish<v1::GetIndicatorRequest>(
      *authorizer_, context, request, response,
      [&](const auto& r) -> absl::StatusOr<grpc::ByteBuffer> {
        ASSIGN_OR_RETURN(Found<indicators::Indicator> found,
                         snapshot->core->GetIndicator(r.id()));
        return snapshot->encoded->Indicator(found.index);
      });
}

grpc::ServerUnaryReactor* IndicatorService::ListRegions(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  const std::shared_ptr<const Snapshot> snapshot = manager_->Current();
  return Finish<v1::ListRegionsRequest>(
      *authorizer_, context, request, response,
      [&](const auto& r) -> absl::StatusOr<grpc::ByteBuffer> {
        ASSIGN_OR_RETURN(RegionType type, FromProto(r.type()));
        ASSIGN_OR_RETURN(Page page, snapshot->core->ListRegions(
                                        r.parent_code(), type,
                                        PageOf(r.page_size(), r.page_token())));
        return snapshot->encoded->RegionPage(page.items, page.next_page_token);
      });
}

grpc::ServerUnaryReactor* IndicatorService::GetRegion(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  const std::shared_ptr<const Snapshot> snapshot = manager_->Current();
  return Finish<v1::GetRegionRequest>(
      *authorizer_, context, request, response,
      [&](const auto& r) -> absl::StatusOr<grpc::ByteBuffer> {
        ASSIGN_OR_RETURN(Found<indicators::Region> found,
                         snapshot->core->GetRegion(r.code()));
        return snapshot->encoded->Region(found.index);
      });
}

grpc::ServerUnaryReactor* IndicatorService::ListSources(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  const std::shared_ptr<const Snapshot> snapshot = manager_->Current();
  return Finish<v1::ListSourcesRequest>(
      *authorizer_, context, request, response,
      [&](const auto& r) -> absl::StatusOr<grpc::ByteBuffer> {
        ASSIGN_OR_RETURN(Page page, snapshot->core->ListSources(
                                        PageOf(r.page_size(), r.page_token())));
        return snapshot->encoded->SourcePage(page.items, page.next_page_token);
      });
}

grpc::ServerUnaryReactor* IndicatorService::GetSource(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  const std::shared_ptr<const Snapshot> snapshot = manager_->Current();
  return Finish<v1::GetSourceRequest>(
      *authorizer_, context, request, response,
      [&](const auto& r) -> absl::StatusOr<grpc::ByteBuffer> {
        ASSIGN_OR_RETURN(Found<indicators::Source> found,
                         snapshot->core->GetSource(r.id()));
        return snapshot->encoded->Source(found.index);
      });
}

grpc::ServerUnaryReactor* IndicatorService::QueryObservations(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  const std::shared_ptr<const Snapshot> snapshot = manager_->Current();
  return Finish<v1::QueryObservationsRequest>(
      *authorizer_, context, request, response,
      [&](const auto& r) -> absl::StatusOr<grpc::ByteBuffer> {
        ASSIGN_OR_RETURN(ObservationFilter filter, FromProto(r.filter()));
        ASSIGN_OR_RETURN(Page page,
                         snapshot->core->QueryObservations(
                             filter, PageOf(r.page_size(), r.page_token()),
                             [context] { return context->IsCancelled(); }));
        return snapshot->encoded->QueryPage(page.items, page.next_page_token);
      });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>*
IndicatorService::StreamObservations(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request_bytes) {
  if (absl::Status allowed = authorizer_->Check(*context, Scope::kRead);
      !allowed.ok()) {
    return new FailedWriter(allowed);
  }
  v1::StreamObservationsRequest request;
  if (absl::Status parsed = ParseRequest(*request_bytes, &request);
      !parsed.ok()) {
    return new FailedWriter(parsed);
  }
  absl::StatusOr<ObservationFilter> filter = FromProto(request.filter());
  if (!filter.ok()) return new FailedWriter(filter.status());
  const std::shared_ptr<const Snapshot> snapshot = manager_->Current();
  absl::StatusOr<ObservationStream> stream =
      snapshot->core->StreamObservations(*filter);
  if (!stream.ok()) return new FailedWriter(stream.status());
  return new ObservationWriter(*std::move(stream), snapshot->encoded,
                               stream_batch_size_);
}

grpc::ServerUnaryReactor* IndicatorService::GetDatasetInfo(
    grpc::CallbackServerContext* context,
    const v1::GetDatasetInfoRequest* /*request*/,
    v1::GetDatasetInfoResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status allowed = authorizer_->Check(*context, Scope::kRead);
  if (allowed.ok()) {
    ToProto(*manager_->Current()->core->dataset(), response->mutable_dataset());
    if (std::optional<ReloadOutcome> reload = manager_->LastReload()) {
      ToProto(*reload, response->mutable_last_reload());
    }
  }
  reactor->Finish(ToGrpcStatus(allowed));
  return reactor;
}

grpc::ServerUnaryReactor* IndicatorService::ReloadDataset(
    grpc::CallbackServerContext* context,
    const v1::ReloadDatasetRequest* /*request*/,
    v1::ReloadDatasetResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = authorizer_->Check(*context, Scope::kAdmin);
  if (status.ok()) {
    // Loading takes the calling thread for as long as the load: reloads are
    // rare operator actions, and the old version keeps serving meanwhile.
    absl::Status reloaded = manager_->Reload(data_dir_, "ReloadDataset");
    if (std::optional<ReloadOutcome> outcome = manager_->LastReload()) {
      ToProto(*outcome, response->mutable_outcome());
    }
    if (!reloaded.ok()) {
      status = absl::FailedPreconditionError(absl::StrCat(
          "the dataset was rejected; still serving the previous version: ",
          reloaded.message()));
    }
  }
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace indicators::rpc
