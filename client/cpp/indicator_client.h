#ifndef INDICATORS_CLIENT_CPP_INDICATOR_CLIENT_H_
#define INDICATORS_CLIENT_CPP_INDICATOR_CLIENT_H_

#include <grpcpp/channel.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "indicators/v1/indicator_service.grpc.pb.h"

namespace indicators::client {

// Lets another thread end a watch: `Cancel` makes the `WatchObservations`
// given it return CANCELLED at once (or as soon as it starts), without
// waiting for the next message. Thread-safe; one call at a time.
class Cancellation {
 public:
  void Cancel();
  bool cancelled() const;

 private:
  friend class IndicatorClient;
  // Registers the context of the call's current attempt; returns false (and
  // registers nothing) once cancelled.
  bool Attach(grpc::ClientContext* context);
  void Detach();

  mutable absl::Mutex mu_;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

struct ClientOptions {
  // Every call fails with DEADLINE_EXCEEDED if it takes longer; for a stream
  // this bounds the whole export.
  absl::Duration deadline = absl::Seconds(10);
  // Sent as `authorization: Bearer <token>` when not empty.
  std::string bearer_token;
  // Which service config the channel uses.
  enum class ServiceConfig {
    kAuto,      // `ReplicaServiceConfig` if the target names several replicas.
    kNone,      // gRPC's defaults.
    kReplicas,  // `ReplicaServiceConfig`.
    kProxy,     // `ProxyServiceConfig`: one address balancing replicas.
  };
  // With kReplicas or kProxy, a unary call that a proxy resets (CANCELLED,
  // when the replica behind it dies mid-answer) is also made again.
  ServiceConfig service_config = ServiceConfig::kAuto;
};

// How to reach a server: plaintext by default; TLS with the CA that signed
// the server's certificate; mutual TLS with the client's own certificate too.
struct ConnectOptions {
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
};

// Returns the recommended service config for several replicas (the JSON of
// `client/config/service_config.json`): round_robin over every address,
// health checking (a draining replica is left at once), a 10 s deadline for
// unary calls (exports and watches take the caller's) and up to 4 attempts
// on UNAVAILABLE only (never on INTERNAL: a stream that has
// started is not retried by gRPC; `StreamObservations` resumes instead).
const char* ReplicaServiceConfig();

// Returns the service config for one address that balances several replicas,
// such as nginx (`client/config/service_config_proxy.json`): the same deadline
// and retry policy, without round_robin or health checking (the proxy's
// health checks would reach one replica and speak for all).
const char* ProxyServiceConfig();

// Returns the gRPC target for `target`: "host:port" as it is; several
// comma-separated IPv4 "a.b.c.d:port" addresses as one `ipv4:` target; a
// `dns:///name:port` target as it is (every address the name has).
std::string ChannelTarget(const std::string& target);

// Returns whether `target` names several replicas (a list or a dns: URI), for
// which the client uses `ReplicaServiceConfig`.
bool NamesReplicas(const std::string& target);

// How many times `StreamObservations` resumes one broken export.
inline constexpr int kMaxStreamResumes = 5;
// How many times a unary call is made when a proxy resets it (see
// `ClientOptions::service_config`).
inline constexpr int kMaxResetRetries = 4;

// A C++ client of `indicators.v1.IndicatorService`. Each method makes one call
// and returns the response, or the gRPC status as an `absl::Status` with the
// same code and message. Thread-safe; share one per process and target.
class IndicatorClient {
 public:
  IndicatorClient(std::shared_ptr<grpc::Channel> channel,
                  ClientOptions options = {});
  // Returns a client that makes its calls through `stub`: the generated stub
  // interface, so that a test can pass a mock of it
  // (`v1::MockIndicatorServiceStub` in
  // "indicators/v1/indicator_service_mock.grpc.pb.h", with gMock).
  explicit IndicatorClient(
      std::unique_ptr<v1::IndicatorService::StubInterface> stub,
      ClientOptions options = {});
  // Returns a client of the server at `target` (host:port), plaintext. A
  // target that names several replicas (`a:p1,b:p2` or `dns:///name:port`)
  // gets `ReplicaServiceConfig`: calls spread over healthy replicas and a
  // call that fails with UNAVAILABLE is tried on another.
  static IndicatorClient Connect(const std::string& target,
                                 ClientOptions options = {});
  // Returns a client over TLS or mutual TLS; NOT_FOUND if a file is missing.
  static absl::StatusOr<IndicatorClient> ConnectTls(const std::string& target,
                                                    const ConnectOptions& tls,
                                                    ClientOptions options = {});

  // Reloads the server's dataset (needs a token with the admin scope).
  absl::StatusOr<v1::ReloadDatasetResponse> ReloadDataset() const;

  absl::StatusOr<v1::ListIndicatorsResponse> ListIndicators(
      const v1::ListIndicatorsRequest& request) const;
  absl::StatusOr<v1::Indicator> GetIndicator(const std::string& id) const;
  absl::StatusOr<v1::ListRegionsResponse> ListRegions(
      const v1::ListRegionsRequest& request) const;
  absl::StatusOr<v1::Region> GetRegion(const std::string& code) const;
  absl::StatusOr<v1::ListSourcesResponse> ListSources(
      const v1::ListSourcesRequest& request) const;
  absl::StatusOr<v1::Source> GetSource(const std::string& id) const;
  absl::StatusOr<v1::QueryObservationsResponse> QueryObservations(
      const v1::QueryObservationsRequest& request) const;
  absl::StatusOr<v1::GetDatasetInfoResponse> GetDatasetInfo() const;
  // Returns every value given for one figure, oldest first.
  absl::StatusOr<v1::GetObservationHistoryResponse> GetObservationHistory(
      const std::string& indicator_id, const std::string& region_code,
      const std::string& period) const;

  // Adds up an indicator over a region's children or a list of regions,
  // period by period, with each aggregate's inputs and coverage.
  absl::StatusOr<v1::AggregateObservationsResponse> AggregateObservations(
      const v1::AggregateObservationsRequest& request) const;
  absl::StatusOr<v1::RankRegionsResponse> RankRegions(
      const v1::RankRegionsRequest& request) const;
  // One page of the filter's figures checked against each other.
  absl::StatusOr<v1::ReconcileObservationsResponse> ReconcileObservations(
      const v1::ReconcileObservationsRequest& request) const;
  // Finds indicators, regions and sources by free text, best first.
  absl::StatusOr<v1::SearchCatalogResponse> SearchCatalog(
      const std::string& query, int max_results = 0,
      bool include_derived = false) const;

  // Adds, revises and withdraws observations in one batch (a server of a
  // database; a token with the write scope). Set `idempotency_key` so that
  // the batch can be sent again safely after an error: a batch the server
  // already applied is answered with its first answer (`replayed`).
  absl::StatusOr<v1::IngestObservationsResponse> IngestObservations(
      const v1::IngestObservationsRequest& request) const;

  // Calls `on_message` with each message of the stream as it arrives. If
  // `on_message` returns false the call is cancelled and CANCELLED returned.
  // When the stream breaks (UNAVAILABLE, or INTERNAL for a stream reset by a
  // proxy) it resumes by itself, up to `kMaxStreamResumes` times, after the
  // last message received (on another replica if the target names several),
  // so `on_message` sees every observation exactly once. If no replica serves
  // the stream's dataset version any more, it returns FAILED_PRECONDITION
  // saying so. The deadline bounds the whole export.
  absl::Status StreamObservations(
      const v1::StreamObservationsRequest& request,
      absl::FunctionRef<bool(const v1::StreamObservationsResponse&)> on_message)
      const;

  // The same export as columns (`StreamObservationColumns`), resuming the
  // same way; `ObservationColumnsDecoder` turns each message into rows.
  absl::Status StreamObservationColumns(
      const v1::StreamObservationColumnsRequest& request,
      absl::FunctionRef<bool(const v1::StreamObservationColumnsResponse&)>
          on_message) const;

  // Watches the changes to the observations `request.filter()` selects and
  // calls `on_message` with each message, with no deadline, until it returns
  // false (then CANCELLED is returned) or the watch fails for good. When the
  // stream breaks (UNAVAILABLE, INTERNAL through a proxy, ABORTED for a
  // watcher that fell behind) after the initial snapshot, it resumes after
  // the last revision received (on another replica if the target names
  // several), up to `kMaxStreamResumes` times in a row, so `on_message` sees
  // every change once, in order; the changes of a revision that the server
  // sends in several messages are handed over in one. Too old a start
  // revision is OUT_OF_RANGE. `cancellation`, unless null, ends it from
  // another thread (CANCELLED).
  absl::Status WatchObservations(
      const v1::WatchObservationsRequest& request,
      absl::FunctionRef<bool(const v1::WatchObservationsResponse&)> on_message,
      Cancellation* cancellation = nullptr) const;

 private:
  // Prepares `context` for one call (deadline).
  void Prepare(grpc::ClientContext* context) const;
  // Makes one unary call; with a service config, a call whose stream was
  // reset (CANCELLED) is made again, within the same deadline.
  template <typename Response, typename Request, typename Method>
  absl::StatusOr<Response> Unary(const Request& request, Method method) const;
  bool BalancesReplicas() const;
  // Reads a server stream of `start(context, request)`, resuming after the
  // last message received as `StreamObservations` says.
  template <typename Response, typename Request, typename Start>
  absl::Status ResumingStream(
      const Request& request, Start start,
      absl::FunctionRef<bool(const Response&)> on_message) const;

  std::unique_ptr<v1::IndicatorService::StubInterface> stub_;
  ClientOptions options_;
};

// Returns the absl equivalent of a gRPC status: same code, same message, and
// the server's error details (google.rpc.ErrorInfo, google.rpc.BadRequest) as
// payloads keyed by their type URLs; read them with the functions below.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Return the ErrorInfo (reason such as UNKNOWN_INDICATOR, domain, metadata
// with the field) or the BadRequest field violations of a failed call, or
// nullopt if the server sent none.
std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const absl::Status& status);
std::optional<google::rpc::BadRequest> BadRequestOf(const absl::Status& status);
// The QuotaFailure (whose quota, which limit) of a call refused under a
// quota, or nullopt.
std::optional<google::rpc::QuotaFailure> QuotaFailureOf(
    const absl::Status& status);

// How long the server asked to wait before trying a RESOURCE_EXHAUSTED call
// again (its google.rpc.RetryInfo), or nullopt if it did not say.
std::optional<absl::Duration> RetryDelayOf(const absl::Status& status);

}  // namespace indicators::client

#endif  // INDICATORS_CLIENT_CPP_INDICATOR_CLIENT_H_
