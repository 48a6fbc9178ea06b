#include "server/rpc/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.pb.h"
#include "server/core/base/file_io.h"

namespace indicators::rpc {
namespace {

// How long the drain, once no call is in flight, still refuses new calls
// itself before gRPC's shutdown closes the connections: time for the last
// answers to leave the server.
constexpr absl::Duration kLastAnswersOut = absl::Milliseconds(100);

absl::StatusOr<std::string> ReadPem(absl::string_view option,
                                    const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFile(path);
  if (!pem.ok()) {
    return absl::Status(pem.status().code(),
                        absl::StrCat(option, ": ", pem.status().message()));
  }
  return pem;
}

// Returns plaintext credentials, TLS, or mutual TLS, from the options.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(
    const ServerOptions& options) {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "tls_client_ca_file: needs tls_cert_file and tls_key_file");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "tls_cert_file and tls_key_file: give both or neither");
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  auto key = ReadPem("tls_key_file", options.tls_key_file);
  if (!key.ok()) return key.status();
  auto cert = ReadPem("tls_cert_file", options.tls_cert_file);
  if (!cert.ok()) return cert.status();
  pair.private_key = *std::move(key);
  pair.cert_chain = *std::move(cert);
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!options.tls_client_ca_file.empty()) {
    auto ca = ReadPem("tls_client_ca_file", options.tls_client_ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

// Returns INVALID_ARGUMENT naming the first option out of its range.
absl::Status CheckOptions(const ServerOptions& options) {
  if (options.stream_batch_size == 0) {
    return absl::InvalidArgumentError("stream_batch_size: must be positive");
  }
  if (options.max_request_bytes <= 0 || options.max_concurrent_streams <= 0) {
    return absl::InvalidArgumentError(
        "max_request_bytes and max_concurrent_streams must be positive");
  }
  if (options.max_grpc_memory_bytes == 0 ||
      options.max_response_memory_bytes == 0 || options.max_threads <= 0) {
    return absl::InvalidArgumentError(
        "max_grpc_memory_mb, max_response_memory_mb and max_threads must be "
        "positive");
  }
  if (options.blocking_threads <= 0 || options.max_blocking_queue == 0) {
    return absl::InvalidArgumentError(
        "blocking_threads and max_blocking_queue must be positive");
  }
  const size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen: \"", options.listen, "\" is not host:port"));
  }
  return absl::OkStatus();
}

// Sets the connection limits of `options` (message size, streams, pings,
// connection age, memory and threads) on `builder`.
void SetLimits(const ServerOptions& options, grpc::ServerBuilder* builder) {
  auto ms = [](absl::Duration d) {
    return static_cast<int>(absl::ToInt64Milliseconds(d));
  };
  builder->SetMaxReceiveMessageSize(options.max_request_bytes);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                              options.max_concurrent_streams);
  builder->AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      ms(options.min_ping_interval));
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                              ms(options.max_connection_age));
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                              ms(options.max_connection_age_grace));
  grpc::ResourceQuota quota("indicators-server");
  quota.Resize(options.max_grpc_memory_bytes);
  quota.SetMaxThreads(options.max_threads);
  builder->SetResourceQuota(quota);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options, std::shared_ptr<const ServiceCore> core) {
  if (absl::Status checked = CheckOptions(options); !checked.ok()) {
    return checked;
  }
  // gRPC's built-in health service carries no descriptor; referencing ours
  // links it, so that reflection can describe grpc.health.v1.Health too.
  (void)grpc::health::v1::HealthCheckResponse::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::unique_ptr<Server> server(new Server());
  server->options_ = options;
  absl::StatusOr<std::shared_ptr<const Authorizer>> authorizer =
      Authorizer::Create(options.auth);
  if (!authorizer.ok()) return authorizer.status();
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeCredentials(options);
  if (!credentials.ok()) return credentials.status();
  server->manager_ = std::make_shared<DatasetManager>(
      std::move(core), options.source,
      std::make_shared<ResponseBudget>(options.max_response_memory_bytes),
      options.writer, options.watch, options.history, options.changes);
  std::shared_ptr<const CallMetrics> call_metrics;
  if (!options.metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<MetricsEndpoint>> metrics =
        MetricsEndpoint::Start(options.metrics_listen, server->manager_,
                               options.source_is_database);
    if (!metrics.ok()) return metrics.status();
    server->metrics_ = *std::move(metrics);
    call_metrics = server->metrics_->calls();
  }
  server->service_ = std::make_unique<IndicatorService>(CallAdapter(
      server->manager_, *std::move(authorizer), options.stream_batch_size,
      std::make_shared<BlockingExecutor>(options.blocking_threads,
                                         options.max_blocking_queue),
      server->calls_, std::move(call_metrics)));
  if (absl::Status listening = server->Listen(*credentials); !listening.ok()) {
    return listening;
  }
  return server;
}

absl::Status Server::Listen(
    const std::shared_ptr<grpc::ServerCredentials>& credentials) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, credentials, &port_);
  SetLimits(options_, &builder);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen));
  }
  address_ = absl::StrCat(options_.listen.substr(0, options_.listen.rfind(':')),
                          ":", port_);
  // Health under the empty name (the whole server) and under the service's
  // full name, which probes and client-side health checks usually ask for.
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(
      std::string(v1::IndicatorService::service_full_name()), true);
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> Server::InProcessChannel() {
  grpc::ChannelArguments args;
  // Answers are bounded by the server's own limits, not the client's 4 MiB.
  args.SetMaxReceiveMessageSize(-1);
  return server_->InProcessChannel(args);
}

Server::~Server() { Drain(); }

void Server::Drain() {
  if (drained_ || server_ == nullptr) return;
  drained_ = true;
  // Watches end now, telling their clients where to resume (elsewhere).
  manager_->changes()->Close();
  // Lame duck: health turns NOT_SERVING under every name (watchers hear it at
  // once) while calls are still answered, so that balancers and clients that
  // check health move away before anything is refused.
  server_->GetHealthCheckService()->SetServingStatus(false);
  absl::SleepFor(options_.lame_duck);
  // New calls are refused here (UNAVAILABLE), not by gRPC's shutdown, which
  // would answer those that arrive on open connections CANCELLED for as long
  // as it waits; it starts once the calls in flight are done.
  calls_->Refuse();
  const int64_t left = calls_->AwaitNone(options_.drain_timeout);
  if (left > 0) {
    std::fprintf(stderr,
                 "indicators-server: %lld calls still in flight after the "
                 "drain timeout are cancelled\n",
                 static_cast<long long>(left));
  }
  // A call is done for gRPC before its last bytes have left: closing the
  // connections at once would cut an answer whose headers a proxy has already
  // passed on, which it can then only end as a reset stream (INTERNAL), not
  // UNAVAILABLE. New calls meanwhile are still refused here.
  absl::SleepFor(kLastAnswersOut);
  // Not a later deadline: while gRPC's shutdown waits, it answers the calls
  // that arrive on open connections CANCELLED.
  server_->Shutdown(absl::ToChronoTime(absl::Now()));
  server_->Wait();
}

}  // namespace indicators::rpc
