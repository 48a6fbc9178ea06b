#include "client/cpp/indicator_client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/time/clock.h"
#include "google/rpc/status.pb.h"

namespace indicators::client {
namespace {}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()),
                   status.error_message());
  google::rpc::Status details;
  if (!status.ok() && !status.error_details().empty() &&
      details.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : details.details()) {
      out.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return out;
}

namespace {

// Parses the payload of `status` that holds a message of type `T`.
template <typename T>
std::optional<T> DetailOf(const absl::Status& status) {
  const std::string url = "type.googleapis.com/" + T::descriptor()->full_name();
  absl::optional<absl::Cord> payload = status.GetPayload(url);
  T message;
  if (!payload || !message.ParseFromString(std::string(*payload))) {
    return std::nullopt;
  }
  return message;
}

}  // namespace

std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const absl::Status& status) {
  return DetailOf<google::rpc::ErrorInfo>(status);
}

std::optional<google::rpc::BadRequest> BadRequestOf(
    const absl::Status& status) {
  return DetailOf<google::rpc::BadRequest>(status);
}

std::optional<google::rpc::QuotaFailure> QuotaFailureOf(
    const absl::Status& status) {
  return DetailOf<google::rpc::QuotaFailure>(status);
}

std::optional<absl::Duration> RetryDelayOf(const absl::Status& status) {
  if (!absl::IsResourceExhausted(status)) return std::nullopt;
  std::optional<google::rpc::RetryInfo> retry =
      DetailOf<google::rpc::RetryInfo>(status);
  if (!retry || !retry->has_retry_delay()) return std::nullopt;
  return absl::Seconds(retry->retry_delay().seconds()) +
         absl::Nanoseconds(retry->retry_delay().nanos());
}

namespace {

// Whether a call refused with `status` should be made again after the delay
// the server asked for: only when it said how long, and the wait ends
// before `deadline`. Sleeps that long if so.
bool WaitAsTold(const absl::Status& status,
                std::chrono::system_clock::time_point deadline) {
  std::optional<absl::Duration> delay = RetryDelayOf(status);
  if (!delay) return false;
  delay = std::max(*delay, absl::Milliseconds(1));
  if (deadline != std::chrono::system_clock::time_point::max() &&
      absl::Now() + *delay >= absl::FromChrono(deadline)) {
    return false;
  }
  absl::SleepFor(*delay);
  return true;
}

}  // namespace

IndicatorClient::IndicatorClient(std::shared_ptr<grpc::Channel> channel,
                                 ClientOptions options)
    : stub_(v1::IndicatorService::NewStub(std::move(channel))),
      options_(std::move(options)) {}

IndicatorClient::IndicatorClient(
    std::unique_ptr<v1::IndicatorService::StubInterface> stub,
    ClientOptions options)
    : stub_(std::move(stub)), options_(std::move(options)) {}

std::string ChannelTarget(const std::string& target) {
  if (target.find(',') == std::string::npos) return target;
  return "ipv4:" + target;
}

bool NamesReplicas(const std::string& target) {
  return target.find(',') != std::string::npos || target.rfind("dns:", 0) == 0;
}

namespace {

std::shared_ptr<grpc::Channel> MakeChannel(
    const std::string& target,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const ClientOptions& options) {
  using Config = ClientOptions::ServiceConfig;
  const Config config = options.service_config;
  grpc::ChannelArguments args;
  if (config == Config::kReplicas) {
    args.SetServiceConfigJSON(ReplicaServiceConfig());
  } else if (config == Config::kProxy) {
    args.SetServiceConfigJSON(ProxyServiceConfig());
  }
  return grpc::CreateCustomChannel(ChannelTarget(target), credentials, args);
}

}  // namespace

// Replaces `kAuto` with the config that `target` calls for.
ClientOptions Resolved(const std::string& target, ClientOptions options) {
  using Config = ClientOptions::ServiceConfig;
  if (options.service_config == Config::kAuto) {
    options.service_config =
        NamesReplicas(target) ? Config::kReplicas : Config::kNone;
  }
  return options;
}

IndicatorClient IndicatorClient::Connect(const std::string& target,
                                         ClientOptions options) {
  options = Resolved(target, std::move(options));
  return IndicatorClient(
      MakeChannel(target, grpc::InsecureChannelCredentials(), options),
      options);
}

absl::StatusOr<IndicatorClient> IndicatorClient::ConnectTls(
    const std::string& target, const ConnectOptions& tls,
    ClientOptions options) {
  options = Resolved(target, std::move(options));
  auto read = [](const std::string& path) -> absl::StatusOr<std::string> {
    if (path.empty()) return std::string();
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError("cannot open " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  };
  grpc::SslCredentialsOptions ssl;
  for (auto [path, field] : {std::pair{&tls.tls_ca_file, &ssl.pem_root_certs},
                             {&tls.tls_cert_file, &ssl.pem_cert_chain},
                             {&tls.tls_key_file, &ssl.pem_private_key}}) {
    absl::StatusOr<std::string> pem = read(*path);
    if (!pem.ok()) return pem.status();
    *field = *std::move(pem);
  }
  return IndicatorClient(
      MakeChannel(target, grpc::SslCredentials(ssl), options),
      std::move(options));
}

template <typename Response, typename Request, typename Method>
absl::StatusOr<Response> IndicatorClient::Unary(const Request& request,
                                                Method method) const {
  const auto deadline = absl::ToChronoTime(absl::Now() + options_.deadline);
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    Prepare(&context);
    context.set_deadline(deadline);
    Response response;
    const grpc::Status status =
        (stub_.get()->*method)(&context, request, &response);
    if (status.ok()) return response;
    // Over the caller's quota: wait as the server says, within the deadline.
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      const absl::Status refused = FromGrpcStatus(status);
      if (WaitAsTold(refused, deadline)) continue;
      return refused;
    }
    // This client never cancels a unary call: CANCELLED means the stream was
    // reset under it, as a proxy does when the replica behind it dies after
    // sending headers. Every unary method is safe to repeat.
    const bool reset = status.error_code() == grpc::StatusCode::CANCELLED;
    if (!reset || !BalancesReplicas() || attempt == kMaxResetRetries) {
      return FromGrpcStatus(status);
    }
    absl::SleepFor(absl::Milliseconds(50) * attempt);
  }
}

bool IndicatorClient::BalancesReplicas() const {
  using Config = ClientOptions::ServiceConfig;
  return options_.service_config == Config::kReplicas ||
         options_.service_config == Config::kProxy;
}

void IndicatorClient::Prepare(grpc::ClientContext* context) const {
  context->set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  if (!options_.bearer_token.empty()) {
    context->AddMetadata("authorization", "Bearer " + options_.bearer_token);
  }
}

absl::StatusOr<v1::ReloadDatasetResponse> IndicatorClient::ReloadDataset()
    const {
  return Unary<v1::ReloadDatasetResponse>(
      v1::ReloadDatasetRequest(),
      &v1::IndicatorService::StubInterface::ReloadDataset);
}

absl::StatusOr<v1::ListIndicatorsResponse> IndicatorClient::ListIndicators(
    const v1::ListIndicatorsRequest& request) const {
  return Unary<v1::ListIndicatorsResponse>(
      request, &v1::IndicatorService::StubInterface::ListIndicators);
}

absl::StatusOr<v1::Indicator> IndicatorClient::GetIndicator(
    const std::string& id) const {
  v1::GetIndicatorRequest request;
  request.set_id(id);
  return Unary<v1::Indicator>(
      request, &v1::IndicatorService::StubInterface::GetIndicator);
}

absl::StatusOr<v1::ListRegionsResponse> IndicatorClient::ListRegions(
    const v1::ListRegionsRequest& request) const {
  return Unary<v1::ListRegionsResponse>(
      request, &v1::IndicatorService::StubInterface::ListRegions);
}

absl::StatusOr<v1::Region> IndicatorClient::GetRegion(
    const std::string& code) const {
  v1::GetRegionRequest request;
  request.set_code(code);
  return Unary<v1::Region>(request,
                           &v1::IndicatorService::StubInterface::GetRegion);
}

absl::StatusOr<v1::ListSourcesResponse> IndicatorClient::ListSources(
    const v1::ListSourcesRequest& request) const {
  return Unary<v1::ListSourcesResponse>(
      request, &v1::IndicatorService::StubInterface::ListSources);
}

absl::StatusOr<v1::Source> IndicatorClient::GetSource(
    const std::string& id) const {
  v1::GetSourceRequest request;
  request.set_id(id);
  return Unary<v1::Source>(request,
                           &v1::IndicatorService::StubInterface::GetSource);
}

absl::StatusOr<v1::QueryObservationsResponse>
IndicatorClient::QueryObservations(
    const v1::QueryObservationsRequest& request) const {
  return Unary<v1::QueryObservationsResponse>(
      request, &v1::IndicatorService::StubInterface::QueryObservations);
}

absl::StatusOr<v1::GetDatasetInfoResponse> IndicatorClient::GetDatasetInfo()
    const {
  return Unary<v1::GetDatasetInfoResponse>(
      v1::GetDatasetInfoRequest(),
      &v1::IndicatorService::StubInterface::GetDatasetInfo);
}

absl::StatusOr<v1::AggregateObservationsResponse>
IndicatorClient::AggregateObservations(
    const v1::AggregateObservationsRequest& request) const {
  return Unary<v1::AggregateObservationsResponse>(
      request, &v1::IndicatorService::StubInterface::AggregateObservations);
}

absl::StatusOr<v1::RankRegionsResponse> IndicatorClient::RankRegions(
    const v1::RankRegionsRequest& request) const {
  return Unary<v1::RankRegionsResponse>(
      request, &v1::IndicatorService::StubInterface::RankRegions);
}

absl::StatusOr<v1::ReconcileObservationsResponse>
IndicatorClient::ReconcileObservations(
    const v1::ReconcileObservationsRequest& request) const {
  return Unary<v1::ReconcileObservationsResponse>(
      request, &v1::IndicatorService::StubInterface::ReconcileObservations);
}

absl::StatusOr<v1::SearchCatalogResponse> IndicatorClient::SearchCatalog(
    const std::string& query, int max_results, bool include_derived) const {
  v1::SearchCatalogRequest request;
  request.set_query(query);
  request.set_max_results(max_results);
  request.set_include_derived(include_derived);
  return Unary<v1::SearchCatalogResponse>(
      request, &v1::IndicatorService::StubInterface::SearchCatalog);
}

absl::StatusOr<v1::GetObservationHistoryResponse>
IndicatorClient::GetObservationHistory(const std::string& indicator_id,
                                       const std::string& region_code,
                                       const std::string& period) const {
  v1::GetObservationHistoryRequest request;
  request.set_indicator_id(indicator_id);
  request.set_region_code(region_code);
  request.set_period(period);
  return Unary<v1::GetObservationHistoryResponse>(
      request, &v1::IndicatorService::StubInterface::GetObservationHistory);
}

absl::StatusOr<v1::IngestObservationsResponse>
IndicatorClient::IngestObservations(
    const v1::IngestObservationsRequest& request) const {
  return Unary<v1::IngestObservationsResponse>(
      request, &v1::IndicatorService::StubInterface::IngestObservations);
}

template <typename Response, typename Request, typename Start>
absl::Status IndicatorClient::ResumingStream(
    const Request& request, Start start,
    absl::FunctionRef<bool(const Response&)> on_message) const {
  const auto deadline = absl::ToChronoTime(absl::Now() + options_.deadline);
  Request next = request;
  std::string version;
  absl::Status broken;
  for (int resumes = 0;; ++resumes) {
    grpc::ClientContext context;
    Prepare(&context);
    context.set_deadline(deadline);
    std::unique_ptr<grpc::ClientReaderInterface<Response>> reader =
        start(&context, next);
    Response message;
    while (reader->Read(&message)) {
      version = message.dataset_version();
      next.set_resume_token(message.resume_token());
      if (!on_message(message)) {
        context.TryCancel();
        reader->Finish().IgnoreError();  // The call ends as CANCELLED.
        return absl::CancelledError("stream cancelled by the caller");
      }
    }
    absl::Status status = FromGrpcStatus(reader->Finish());
    // Refused under the caller's quota: wait as told, and try again from
    // where it was (a refusal has sent nothing).
    if (WaitAsTold(status, deadline)) {
      --resumes;
      continue;
    }
    if (resumes > 0 && absl::IsInvalidArgument(status)) {
      std::optional<google::rpc::ErrorInfo> info = ErrorInfoOf(status);
      if (info && info->reason() == "STALE_PAGE_TOKEN") {
        return absl::FailedPreconditionError(
            "the stream broke (" + std::string(broken.message()) +
            ") and cannot resume: no replica serves dataset version " +
            version + " any more; start the export again");
      }
    }
    const bool resumable =
        absl::IsUnavailable(status) || absl::IsInternal(status);
    if (!resumable || resumes == kMaxStreamResumes) return status;
    broken = status;
    absl::SleepFor(absl::Milliseconds(50) * (1 << resumes));
  }
}

absl::Status IndicatorClient::StreamObservations(
    const v1::StreamObservationsRequest& request,
    absl::FunctionRef<bool(const v1::StreamObservationsResponse&)> on_message)
    const {
  return ResumingStream<v1::StreamObservationsResponse>(
      request,
      [&](grpc::ClientContext* context,
          const v1::StreamObservationsRequest& r) {
        return stub_->StreamObservations(context, r);
      },
      on_message);
}

absl::Status IndicatorClient::StreamObservationColumns(
    const v1::StreamObservationColumnsRequest& request,
    absl::FunctionRef<bool(const v1::StreamObservationColumnsResponse&)>
        on_message) const {
  return ResumingStream<v1::StreamObservationColumnsResponse>(
      request,
      [&](grpc::ClientContext* context,
          const v1::StreamObservationColumnsRequest& r) {
        return stub_->StreamObservationColumns(context, r);
      },
      on_message);
}

void Cancellation::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}

bool Cancellation::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool Cancellation::Attach(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  context_ = context;
  return true;
}

void Cancellation::Detach() {
  absl::MutexLock lock(&mu_);
  context_ = nullptr;
}

absl::Status IndicatorClient::WatchObservations(
    const v1::WatchObservationsRequest& request,
    absl::FunctionRef<bool(const v1::WatchObservationsResponse&)> on_message,
    Cancellation* cancellation) const {
  v1::WatchObservationsRequest next = request;
  bool snapshot_done = !request.initial_snapshot();
  int64_t position = request.start_revision();
  // Changes of a revision sent in several messages, handed over together.
  v1::WatchObservationsResponse partial;
  for (int failures = 0;;) {
    grpc::ClientContext context;  // No deadline: a watch stays open.
    Prepare(&context);
    context.set_deadline(std::chrono::system_clock::time_point::max());
    if (cancellation != nullptr && !cancellation->Attach(&context)) {
      return absl::CancelledError("watch cancelled by the caller");
    }
    // Lets go of the context before it goes, however the attempt ends.
    struct Detach {
      Cancellation* cancellation;
      ~Detach() {
        if (cancellation != nullptr) cancellation->Detach();
      }
    } detach{cancellation};
    std::unique_ptr<grpc::ClientReaderInterface<v1::WatchObservationsResponse>>
        reader = stub_->WatchObservations(&context, next);
    v1::WatchObservationsResponse message;
    partial.Clear();
    while (reader->Read(&message)) {
      failures = 0;
      // A part of a revision (`partial`; from servers without the field, a
      // revision not past the position) waits for the rest.
      if (message.event() == v1::WATCH_EVENT_CHANGES &&
          (message.partial() || message.revision() <= position)) {
        partial.mutable_changes()->MergeFrom(message.changes());
        continue;
      }
      if (message.event() == v1::WATCH_EVENT_CHANGES &&
          partial.changes_size() > 0) {
        partial.mutable_changes()->MergeFrom(message.changes());
        partial.set_event(message.event());
        partial.set_revision(message.revision());
        message.Swap(&partial);
        partial.Clear();
      }
      if (message.event() == v1::WATCH_EVENT_SNAPSHOT_END) {
        snapshot_done = true;
      }
      if (message.revision() > 0) position = message.revision();
      if (!on_message(message)) {
        context.TryCancel();
        reader->Finish().IgnoreError();
        return absl::CancelledError("watch cancelled by the caller");
      }
    }
    absl::Status status = FromGrpcStatus(reader->Finish());
    if (cancellation != nullptr && cancellation->cancelled()) {
      return absl::CancelledError("watch cancelled by the caller");
    }
    // Refused under the caller's quota (too many streams): wait as told.
    if (WaitAsTold(status, std::chrono::system_clock::time_point::max())) {
      continue;
    }
    // A broken connection, a draining server (UNAVAILABLE) or a watcher that
    // fell behind (ABORTED) resumes after the last revision received; the
    // initial snapshot cannot resume half-sent.
    const bool resumable = absl::IsUnavailable(status) ||
                           absl::IsInternal(status) || absl::IsAborted(status);
    if (!resumable || !snapshot_done || ++failures > kMaxStreamResumes) {
      return status;
    }
    next.set_initial_snapshot(false);
    next.set_start_revision(position);
    absl::SleepFor(absl::Milliseconds(50) * (1 << (failures - 1)));
  }
}

}  // namespace indicators::client
