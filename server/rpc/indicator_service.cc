#include "server/rpc/indicator_service.h"

#include <utility>
#include <vector>

#include "server/core/status_macros.h"
#include "server/rpc/convert.h"
#include "server/rpc/status_util.h"

namespace indicators::rpc {
namespace {

// Runs `handler` (returning absl::Status) and finishes the call with its
// status.
template <typename Handler>
grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                 Handler handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(handler()));
  return reactor;
}

PageRequest PageOf(int32_t page_size, const std::string& page_token) {
  return PageRequest{page_size, page_token};
}

// Converts a page of `table` rows into `items` of the response.
template <typename T, typename Items>
void AddPage(const Page& page, const std::vector<T>& table, Items* items) {
  items->Reserve(static_cast<int>(page.items.size()));
  for (uint32_t i : page.items) ToProto(table[i], items->Add());
}

// Streams the matches of one filter, one batch per message with exactly one
// write in flight: the next batch is encoded only when the previous write is
// done, so memory stays at one batch however slow the reader is. A cancelled
// or expired call fails its pending write, which ends the stream.
class ObservationWriter final
    : public grpc::ServerWriteReactor<v1::StreamObservationsResponse> {
 public:
  ObservationWriter(ObservationStream stream, size_t batch_size)
      : stream_(std::move(stream)), batch_size_(batch_size) {
    response_.set_dataset_version(stream_.dataset().version());
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
    response_.clear_observations();
    response_.mutable_observations()->Reserve(static_cast<int>(rows_.size()));
    for (uint32_t row : rows_) {
      ToProto(stream_.dataset(), row, response_.add_observations());
    }
    StartWrite(&response_);
  }

  ObservationStream stream_;
  const size_t batch_size_;
  std::vector<uint32_t> rows_;
  v1::StreamObservationsResponse response_;
  bool sent_any_ = false;
};

// Finishes a streaming call at once with an error.
class FailedWriter final
    : public grpc::ServerWriteReactor<v1::StreamObservationsResponse> {
 public:
  explicit FailedWriter(const absl::Status& status) {
    Finish(ToGrpcStatus(status));
  }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerUnaryReactor* IndicatorService::ListIndicators(
    grpc::CallbackServerContext* context,
    const v1::ListIndicatorsRequest* request,
    v1::ListIndicatorsResponse* response) {
  return Finish(context, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Page page,
                     core_->ListIndicators(
                         PageOf(request->page_size(), request->page_token())));
    AddPage(page, page.dataset->indicators(), response->mutable_indicators());
    response->set_next_page_token(std::move(page.next_page_token));
    response->set_dataset_version(page.dataset->version());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IndicatorService::GetIndicator(
    grpc::CallbackServerContext* context,
    const v1::GetIndicatorRequest* request, v1::Indicator* response) {
  return Finish(context, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Found<Indicator> found,
                     core_->GetIndicator(request->id()));
    ToProto(*found.item, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IndicatorService::ListRegions(
    grpc::CallbackServerContext* context, const v1::ListRegionsRequest* request,
    v1::ListRegionsResponse* response) {
  return Finish(context, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(RegionType type, FromProto(request->type()));
    ASSIGN_OR_RETURN(Page page,
                     core_->ListRegions(
                         request->parent_code(), type,
                         PageOf(request->page_size(), request->page_token())));
    AddPage(page, page.dataset->regions(), response->mutable_regions());
    response->set_next_page_token(std::move(page.next_page_token));
    response->set_dataset_version(page.dataset->version());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IndicatorService::GetRegion(
    grpc::CallbackServerContext* context, const v1::GetRegionRequest* request,
    v1::Region* response) {
  return Finish(context, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Found<Region> found, core_->GetRegion(request->code()));
    ToProto(*found.item, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IndicatorService::ListSources(
    grpc::CallbackServerContext* context, const v1::ListSourcesRequest* request,
    v1::ListSourcesResponse* response) {
  return Finish(context, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Page page,
                     core_->ListSources(
                         PageOf(request->page_size(), request->page_token())));
    AddPage(page, page.dataset->sources(), response->mutable_sources());
    response->set_next_page_token(std::move(page.next_page_token));
    response->set_dataset_version(page.dataset->version());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IndicatorService::GetSource(
    grpc::CallbackServerContext* context, const v1::GetSourceRequest* request,
    v1::Source* response) {
  return Finish(context, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(Found<Source> found, core_->GetSource(request->id()));
    ToProto(*found.item, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IndicatorService::QueryObservations(
    grpc::CallbackServerContext* context,
    const v1::QueryObservationsRequest* request,
    v1::QueryObservationsResponse* response) {
  return Finish(context, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(ObservationFilter filter, FromProto(request->filter()));
    ASSIGN_OR_RETURN(Page page, core_->QueryObservations(
                                    filter, PageOf(request->page_size(),
                                                   request->page_token())));
    response->mutable_observations()->Reserve(
        static_cast<int>(page.items.size()));
    for (uint32_t row : page.items) {
      ToProto(*page.dataset, row, response->add_observations());
    }
    response->set_next_page_token(std::move(page.next_page_token));
    response->set_dataset_version(page.dataset->version());
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::StreamObservationsResponse>*
IndicatorService::StreamObservations(
    grpc::CallbackServerContext* /*context*/,
    const v1::StreamObservationsRequest* request) {
  absl::StatusOr<ObservationFilter> filter = FromProto(request->filter());
  if (!filter.ok()) return new FailedWriter(filter.status());
  absl::StatusOr<ObservationStream> stream = core_->StreamObservations(*filter);
  if (!stream.ok()) return new FailedWriter(stream.status());
  return new ObservationWriter(*std::move(stream), stream_batch_size_);
}

grpc::ServerUnaryReactor* IndicatorService::GetDatasetInfo(
    grpc::CallbackServerContext* context,
    const v1::GetDatasetInfoRequest* /*request*/,
    v1::GetDatasetInfoResponse* response) {
  return Finish(context, [&]() -> absl::Status {
    ToProto(*core_->dataset(), response->mutable_dataset());
    return absl::OkStatus();
  });
}

}  // namespace indicators::rpc
