#ifndef INDICATORS_SERVER_RPC_SERVER_H_
#define INDICATORS_SERVER_RPC_SERVER_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/change/recorded_changes.h"
#include "server/core/load/dataset_source.h"
#include "server/core/service_core.h"
#include "server/rpc/calls_in_flight.h"
#include "server/rpc/indicator_service.h"
#include "server/rpc/metrics_endpoint.h"

namespace indicators::rpc {

// How to run the server. `main` fills it from flags whose defaults are these
// members' defaults.
struct ServerOptions {
  // host:port to listen on; port 0 picks a free port.
  std::string listen = "127.0.0.1:50051";
  // Where reloads read the dataset from (the source served at start).
  std::shared_ptr<const DatasetSource> source;
  // How many changes are kept for watchers, and how often idle ones that
  // asked get a progress message.
  WatchOptions watch;
  // Where ingested batches are written (the database); null for files.
  std::shared_ptr<const DatasetWriter> writer;
  // Where the recorded values of a figure are read (the database); null for
  // files.
  std::shared_ptr<const RecordedHistory> history;
  // Where the changes of later revisions are read (the database), so that a
  // catch-up applies them instead of loading everything; null for files.
  std::shared_ptr<const ChangeSource> changes;
  // Whether `source` is a database (its connection state is a metric).
  bool source_is_database = false;
  // host:port of the Prometheus endpoint (GET /metrics); empty: no metrics.
  // Port 0 picks a free port.
  std::string metrics_listen;
  // Bearer tokens and which methods need them.
  AuthOptions auth;
  // TLS: certificate chain and private key (PEM files); both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Mutual TLS: CA (PEM) that client certificates must chain to; clients
  // without a valid certificate are refused. Needs the two above.
  std::string tls_client_ca_file;
  // Threads for the calls that wait on the database or load a dataset
  // (GetObservationHistory, IngestObservations, ReloadDataset), so that
  // gRPC's callback threads never wait; and how many such calls may wait
  // for one before further ones get RESOURCE_EXHAUSTED (SERVER_BUSY).
  int blocking_threads = 4;
  size_t max_blocking_queue = 64;
  // Observations per `StreamObservations` message.
  size_t stream_batch_size = 1000;
  // How long `Drain` keeps answering calls after health turns NOT_SERVING
  // (the lame-duck phase), before it refuses new ones.
  absl::Duration lame_duck = absl::Seconds(2);
  // How long `Drain` then lets in-flight calls finish before cancelling them.
  absl::Duration drain_timeout = absl::Seconds(10);
  // Memory gRPC itself may use for connections and calls (its
  // ResourceQuota): beyond it gRPC shrinks flow-control windows and buffers.
  size_t max_grpc_memory_bytes = size_t{256} << 20;
  // Bytes of responses that calls may hold before their callers have read
  // them (`ResponseBudget`); beyond it calls get RESOURCE_EXHAUSTED.
  size_t max_response_memory_bytes = size_t{256} << 20;
  // Threads gRPC may start for calls (its ResourceQuota).
  int max_threads = 64;
  // Largest request message accepted; larger gets RESOURCE_EXHAUSTED.
  int max_request_bytes = 64 * 1024;
  // Concurrent calls per connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS);
  // further calls wait until one ends.
  int max_concurrent_streams = 100;
  // Keepalive enforcement: a client that pings more often than this, or
  // pings with no call open, gets GOAWAY (too_many_pings) after two strikes.
  absl::Duration min_ping_interval = absl::Minutes(1);
  // Connections are closed gracefully after this age (clients reconnect,
  // which rebalances them), with `max_connection_age_grace` for open calls.
  absl::Duration max_connection_age = absl::Minutes(30);
  absl::Duration max_connection_age_grace = absl::Minutes(1);
};

// A running gRPC server: the indicator service, the standard health service
// (SERVING while up) and server reflection.
class Server {
 public:
  // Starts serving `core`; UNAVAILABLE if the address cannot be bound,
  // INVALID_ARGUMENT for a bad option.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const ServerOptions& options, std::shared_ptr<const ServiceCore> core);
  ~Server();

  // Returns the address actually bound (with the chosen port).
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  // Returns the metrics endpoint's port, or 0 without metrics.
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }

  // Loads the dataset from `ServerOptions::source` again beside the live one
  // and swaps it in; on error returns it and keeps serving the old one
  // (health stays SERVING). `trigger` names what asked for it.
  absl::Status Reload(const std::string& trigger) {
    return manager_->Reload(trigger);
  }

  // Returns a channel to this server inside the process (for the HTTP
  // gateway): calls on it take the same path as calls over the network.
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Returns the largest request message accepted.
  int max_request_bytes() const { return options_.max_request_bytes; }

  // Returns the dataset manager (for the revision follower).
  DatasetManager& datasets() { return *manager_; }

  // Returns the version of the dataset being served.
  std::string dataset_version() const {
    return manager_->Current()->core->dataset()->version();
  }

  // Marks health NOT_SERVING under every name, keeps answering calls for the
  // lame-duck time, then refuses new calls (UNAVAILABLE, reason
  // SHUTTING_DOWN), lets in-flight calls finish until the drain timeout,
  // shuts gRPC down (cancelling what remains) and returns.
  void Drain();

 private:
  // Builds the gRPC server with the options' limits, registers the service
  // and starts listening; sets health SERVING. UNAVAILABLE if the address
  // cannot be bound.
  absl::Status Listen(
      const std::shared_ptr<grpc::ServerCredentials>& credentials);
  Server() = default;

  ServerOptions options_;
  std::shared_ptr<DatasetManager> manager_;
  std::unique_ptr<MetricsEndpoint> metrics_;
  std::shared_ptr<CallsInFlight> calls_ = std::make_shared<CallsInFlight>();
  std::unique_ptr<IndicatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  int port_ = 0;
  bool drained_ = false;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_SERVER_H_
