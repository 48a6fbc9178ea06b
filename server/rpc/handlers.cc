#include "server/rpc/handlers.h"

#include <grpcpp/support/slice.h>

#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"
#include "server/core/change/watch_filter.h"
#include "server/rpc/watch_source.h"
#include "server/wire/convert.h"

namespace indicators::rpc {
namespace {

// Serializes a response built as a message (the rare methods; the others are
// assembled from pre-encoded bytes).
grpc::ByteBuffer Serialize(const google::protobuf::Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

// Observation rows as response bytes: pre-encoded as published, built as
// messages when expressed on request; with their warnings either way.
template <typename Response>
absl::StatusOr<grpc::ByteBuffer> EncodeRows(const EncodedDataset& encoded,
                                            absl::Span<const uint32_t> rows,
                                            const ShownRows& shown,
                                            absl::string_view token) {
  if (!shown.expressed) {
    const std::string warnings = encoded.Warnings(shown.warnings);
    if constexpr (std::is_same_v<Response, v1::QueryObservationsResponse>) {
      return encoded.QueryPage(rows, token, warnings);
    } else {
      return encoded.StreamBatch(rows, token, warnings);
    }
  }
  Response response;
  const Dataset& d = encoded.dataset();
  for (const ExpressedValue& v : shown.expressed->values) {
    ToProto(d, v, response.add_observations());
  }
  response.set_dataset_version(d.version());
  if constexpr (std::is_same_v<Response, v1::QueryObservationsResponse>) {
    response.set_next_page_token(std::string(token));
  } else {
    response.set_resume_token(std::string(token));
  }
  for (const ComparabilityWarning& w : shown.warnings) {
    ToProto(d, w, response.add_warnings());
  }
  return Serialize(response);
}

// The batches of one observation stream as StreamObservationsResponse bytes.
class ObservationBatches final : public MessageSource {
 public:
  ObservationBatches(ObservationStream stream,
                     std::shared_ptr<const EncodedDataset> encoded,
                     size_t batch_size, ValueOptions options)
      : stream_(std::move(stream)),
        encoded_(std::move(encoded)),
        batch_size_(batch_size),
        options_(std::move(options)) {}

  absl::StatusOr<Pull> Next(grpc::ByteBuffer* message) override {
    // An empty result still sends one message, with the dataset version.
    if (!stream_.Next(batch_size_, &rows_) && sent_any_) return Pull::kEnd;
    sent_any_ = true;
    ASSIGN_OR_RETURN(ShownRows shown,
                     ShowRows(encoded_->dataset(), rows_, options_, &sent_));
    ASSIGN_OR_RETURN(*message,
                     EncodeRows<v1::StreamObservationsResponse>(
                         *encoded_, rows_, shown, stream_.ResumeToken()));
    return Pull::kMessage;
  }

 private:
  ObservationStream stream_;
  std::shared_ptr<const EncodedDataset> encoded_;
  const size_t batch_size_;
  const ValueOptions options_;
  SentWarnings sent_;  // Each warning goes once per stream.
  std::vector<uint32_t> rows_;
  bool sent_any_ = false;
};

// The batches of one observation stream as StreamObservationColumnsResponse
// bytes.
class ObservationColumnBatches final : public MessageSource {
 public:
  ObservationColumnBatches(ObservationStream stream,
                           std::shared_ptr<const EncodedColumns> columns,
                           size_t batch_size)
      : stream_(std::move(stream)),
        columns_(std::move(columns)),
        batch_size_(batch_size),
        sent_(*columns_) {}

  absl::StatusOr<Pull> Next(grpc::ByteBuffer* message) override {
    // An empty result still sends one message, with the dataset version.
    if (!stream_.NextRuns(batch_size_, &runs_) && sent_any_) return Pull::kEnd;
    sent_any_ = true;
    ASSIGN_OR_RETURN(*message,
                     columns_->Batch(runs_, &sent_, stream_.ResumeToken()));
    return Pull::kMessage;
  }

 private:
  ObservationStream stream_;
  std::shared_ptr<const EncodedColumns> columns_;
  const size_t batch_size_;
  EncodedColumns::SentEntries sent_;  // Each entry goes once per stream.
  std::vector<RowRun> runs_;
  bool sent_any_ = false;
};

}  // namespace

namespace handlers {

Bytes ListIndicators(const Call& call, const v1::ListIndicatorsRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(
      Page page, s.core->ListIndicators(PageRequestOf(r), r.include_derived()));
  return s.encoded->IndicatorPage(page.items, page.next_page_token);
}

Bytes GetIndicator(const Call& call, const v1::GetIndicatorRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(Found<Indicator> found, s.core->GetIndicator(r.id()));
  return s.encoded->Indicator(found.index);
}

Bytes ListRegions(const Call& call, const v1::ListRegionsRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(Page page, s.core->ListRegions(
                                  r.parent_code(),
                                  UncheckedEnum<RegionType>::FromInt(r.type()),
                                  PageRequestOf(r)));
  return s.encoded->RegionPage(page.items, page.next_page_token);
}

Bytes GetRegion(const Call& call, const v1::GetRegionRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(Found<Region> found, s.core->GetRegion(r.code()));
  return s.encoded->Region(found.index);
}

Bytes ListSources(const Call& call, const v1::ListSourcesRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(Page page, s.core->ListSources(PageRequestOf(r)));
  return s.encoded->SourcePage(page.items, page.next_page_token);
}

Bytes GetSource(const Call& call, const v1::GetSourceRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(Found<Source> found, s.core->GetSource(r.id()));
  return s.encoded->Source(found.index);
}

Bytes QueryObservations(const Call& call,
                        const v1::QueryObservationsRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(
      ObservationPage page,
      s.core->QueryObservations(FromProto(r.filter()), PageRequestOf(r),
                                FromProto(r.value_options()), call.cancelled));
  return EncodeRows<v1::QueryObservationsResponse>(
      *s.encoded, page.items, page.shown, page.next_page_token);
}

Messages StreamObservations(const Call& call,
                            const v1::StreamObservationsRequest& r) {
  const Snapshot& s = call.snapshot;
  const ValueOptions options = FromProto(r.value_options());
  ASSIGN_OR_RETURN(ObservationStream stream,
                   s.core->StreamObservations(FromProto(r.filter()),
                                              r.resume_token(), options));
  return std::make_unique<ObservationBatches>(std::move(stream), s.encoded,
                                              call.stream_batch_size, options);
}

Messages StreamObservationColumns(
    const Call& call, const v1::StreamObservationColumnsRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(
      ObservationStream stream,
      s.core->StreamObservations(FromProto(r.filter()), r.resume_token(),
                                 ValueOptions()));
  return std::make_unique<ObservationColumnBatches>(
      std::move(stream), s.columns,
      kColumnBatchFactor * call.stream_batch_size);
}

Messages WatchObservations(const Call& call,
                           const v1::WatchObservationsRequest& r) {
  // The snapshot and its position are taken together, so that the initial
  // matches and the changes after them fit.
  std::shared_ptr<const Snapshot> s = call.datasets.Current();
  const std::shared_ptr<ChangeLog>& log = call.datasets.changes();
  const ObservationFilter filter = FromProto(r.filter());
  ASSIGN_OR_RETURN(WatchFilter watched,
                   WatchFilter::Create(*s->core->dataset(), filter,
                                       s->core->limits().max_filter_ids));
  if (r.start_revision() < 0) {
    return InvalidField(reason::kInvalidRequest, "start_revision",
                        "must not be negative");
  }
  if (r.initial_snapshot() && r.start_revision() != 0) {
    return InvalidField(reason::kInvalidRequest, "start_revision",
                        "must be 0 with initial_snapshot (the snapshot is "
                        "the start)");
  }
  const int64_t start =
      r.start_revision() != 0 ? r.start_revision() : s->revision;
  if (start < log->oldest()) {
    return FieldError(
        absl::StatusCode::kOutOfRange, reason::kRevisionTooOld,
        "start_revision",
        absl::StrCat("revision ", start,
                     " is older than this server keeps changes "
                     "for: the oldest to start after is ",
                     log->oldest(), "; start again with initial_snapshot"));
  }
  std::optional<ObservationStream> initial;
  if (r.initial_snapshot()) {
    ASSIGN_OR_RETURN(initial, s->core->StreamObservations(filter, ""));
  }
  return std::make_unique<WatchSource>(log, std::move(watched), start,
                                       std::move(s), std::move(initial),
                                       r.progress(), call.stream_batch_size);
}

Bytes GetObservationHistory(const Call& call,
                            const v1::GetObservationHistoryRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(History history,
                   s.core->ObservationHistory(r.indicator_id(), r.region_code(),
                                              r.period()));
  v1::GetObservationHistoryResponse response;
  ToProto(history, &response);
  if (const RecordedHistory* recorded = call.datasets.history()) {
    ASSIGN_OR_RETURN(
        std::vector<RecordedValue> values,
        recorded->Read(r.indicator_id(), r.region_code(), r.period()));
    AddRecorded(*s.core->dataset(), values, &response);
  }
  return Serialize(response);
}

Bytes IngestObservations(const Call& call,
                         const v1::IngestObservationsRequest& r) {
  ASSIGN_OR_RETURN(DatasetManager::IngestOutcome outcome,
                   call.datasets.Ingest(FromProto(r)));
  v1::IngestObservationsResponse response;
  ToProto(outcome.result, &response);
  response.set_dataset_version(outcome.version);
  return Serialize(response);
}

Bytes AggregateObservations(const Call& call,
                            const v1::AggregateObservationsRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(Aggregates aggregates,
                   s.core->AggregateObservations(FromProto(r)));
  v1::AggregateObservationsResponse response;
  ToProto(aggregates, &response);
  return Serialize(response);
}

Bytes RankRegions(const Call& call, const v1::RankRegionsRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(Ranking ranking, s.core->RankRegions(FromProto(r)));
  v1::RankRegionsResponse response;
  ToProto(ranking, &response);
  return Serialize(response);
}

Bytes ReconcileObservations(const Call& call,
                            const v1::ReconcileObservationsRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(ReconciledFigures figures,
                   s.core->ReconcileObservations(FromProto(r), call.cancelled));
  v1::ReconcileObservationsResponse response;
  ToProto(figures, &response);
  return Serialize(response);
}

Bytes SearchCatalog(const Call& call, const v1::SearchCatalogRequest& r) {
  const Snapshot& s = call.snapshot;
  ASSIGN_OR_RETURN(
      std::vector<SearchHit> hits,
      s.core->SearchCatalog(r.query(), r.max_results(), r.include_derived()));
  v1::SearchCatalogResponse response;
  const Dataset& d = *s.core->dataset();
  for (const SearchHit& hit : hits) ToProto(d, hit, response.add_results());
  response.set_dataset_version(d.version());
  return Serialize(response);
}

Bytes GetDatasetInfo(const Call& call, const v1::GetDatasetInfoRequest&) {
  v1::GetDatasetInfoResponse response;
  ToProto(*call.snapshot.core->dataset(), response.mutable_dataset());
  if (std::optional<ReloadOutcome> last = call.datasets.LastReload()) {
    ToProto(*last, response.mutable_last_reload());
  }
  response.set_source(call.datasets.SourceName());
  if (std::optional<absl::Time> since = call.datasets.StaleSince()) {
    *response.mutable_stale_since() = ToProto(*since);
  }
  if (call.quota != nullptr && !call.quota->limits.unlimited()) {
    v1::CallerQuota* quota = response.mutable_quota();
    quota->set_subject(call.quota->key);
    quota->set_requests_per_second(call.quota->limits.requests_per_second);
    quota->set_max_streams(call.quota->limits.streams);
  }
  return Serialize(response);
}

Bytes ReloadDataset(const Call& call, const v1::ReloadDatasetRequest&) {
  // Loading takes the calling thread for as long as the load: reloads are
  // rare operator actions, and the old version keeps serving meanwhile.
  const absl::Status reloaded = call.datasets.Reload("ReloadDataset");
  if (!reloaded.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the dataset was rejected; still serving the previous version: ",
        reloaded.message()));
  }
  v1::ReloadDatasetResponse response;
  if (std::optional<ReloadOutcome> outcome = call.datasets.LastReload()) {
    ToProto(*outcome, response.mutable_outcome());
  }
  return Serialize(response);
}

}  // namespace handlers
}  // namespace indicators::rpc
