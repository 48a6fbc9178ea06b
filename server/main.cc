// indicators-server: serves a dataset over gRPC until SIGINT or SIGTERM, then
// drains gracefully and exits 0. A dataset that fails to load never serves.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/own_flags_help.h"
#include "server/core/base/file_io.h"
#include "server/core/load/dataset_source.h"
#include "server/core/service_core.h"
#include "server/http/http_server.h"
#include "server/rpc/server.h"
#include "server/store/postgres_changes.h"
#include "server/store/postgres_history.h"
#include "server/store/postgres_store.h"
#include "server/store/postgres_writer.h"
#include "server/store/revision_follower.h"

namespace {
// Every default lives in the options structs; the flags restate none.
const indicators::rpc::ServerOptions kServerDefaults;
const indicators::CoreLimits kLimitDefaults;
const indicators::http::HttpOptions kHttpDefaults;
}  // namespace

ABSL_FLAG(std::string, listen, kServerDefaults.listen,
          "host:port to listen on (port 0 picks a free port). Keep it on "
          "loopback and put a proxy in front to expose it.");
ABSL_FLAG(std::string, metrics_listen, kServerDefaults.metrics_listen,
          "host:port of a Prometheus endpoint (GET /metrics), such as "
          "127.0.0.1:9464; off when empty. Keep it on loopback: it has no "
          "authentication.");
ABSL_FLAG(std::string, http_listen, kHttpDefaults.listen,
          "host:port of the HTTP surface: every RPC over the Connect "
          "protocol (JSON or binary; curl, browsers, R), such as "
          "127.0.0.1:8080; off when empty. Port 0 picks a free port. Uses "
          "the same tokens and limits as gRPC; plaintext only (for HTTPS put "
          "nginx in front, deploy/nginx/indicators.conf).");
ABSL_FLAG(int, http_threads, kHttpDefaults.threads,
          "HTTP worker threads: connections served at once (a stream holds "
          "its connection's thread until it ends).");
ABSL_FLAG(std::vector<std::string>, http_cors_origins, {},
          "Origins whose web pages may call the HTTP surface (CORS), "
          "comma-separated, or * for any; none when empty.");
ABSL_FLAG(std::string, http_explorer_dir, INDICATORS_DEFAULT_EXPLORER_DIR,
          "Where the web explorer's bundled files are (served at / on the "
          "HTTP port).");
ABSL_FLAG(absl::Duration, watch_progress_interval,
          kServerDefaults.watch.progress_interval,
          "How often idle watchers that asked for progress get a message.");
ABSL_FLAG(int64_t, watch_max_changes,
          static_cast<int64_t>(kServerDefaults.watch.max_changes),
          "Changes kept for watchers to resume from (the oldest go first).");
ABSL_FLAG(std::string, data, INDICATORS_DEFAULT_DATA_DIR,
          "Directory holding indicators.csv, regions.csv, sources.csv and "
          "observations.csv. Defaults to the bundled dataset.");
ABSL_FLAG(std::string, database, "",
          "Serve the dataset stored in PostgreSQL instead of --data: a libpq "
          "connection string or URI (see `indicators-admin`). The server "
          "follows the stored revision and swaps in every change.");
ABSL_FLAG(absl::Duration, poll_interval,
          indicators::store::RevisionFollower::Options().poll_interval,
          "With --database: how often the revision is read besides listening "
          "for notifications; bounds the delay after a lost notification.");
ABSL_FLAG(absl::Duration, lame_duck, kServerDefaults.lame_duck,
          "On SIGINT/SIGTERM, how long calls are still answered after health "
          "turns NOT_SERVING, so that clients and balancers move away first.");
ABSL_FLAG(absl::Duration, drain_timeout, kServerDefaults.drain_timeout,
          "On SIGINT/SIGTERM, how long in-flight calls may run before they "
          "are cancelled.");
ABSL_FLAG(int, stream_batch_size,
          static_cast<int>(kServerDefaults.stream_batch_size),
          "Observations per StreamObservations message.");
ABSL_FLAG(int, blocking_threads, kServerDefaults.blocking_threads,
          "Threads for the calls that wait on the database or load a dataset "
          "(history, ingest, reload); also the database connections they "
          "share.");
ABSL_FLAG(int, max_blocking_queue,
          static_cast<int>(kServerDefaults.max_blocking_queue),
          "Such calls that may wait for a thread; further ones get "
          "RESOURCE_EXHAUSTED (SERVER_BUSY).");
ABSL_FLAG(int64_t, max_grpc_memory_mb,
          static_cast<int64_t>(kServerDefaults.max_grpc_memory_bytes >> 20),
          "Memory gRPC itself may use for connections and calls (MiB); beyond "
          "it gRPC shrinks windows and buffers.");
ABSL_FLAG(int64_t, max_response_memory_mb,
          static_cast<int64_t>(kServerDefaults.max_response_memory_bytes >> 20),
          "Responses that callers have not read yet may hold this much memory "
          "(MiB); beyond it calls get RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_threads, kServerDefaults.max_threads,
          "Threads gRPC may start for calls.");
ABSL_FLAG(int, max_request_bytes, kServerDefaults.max_request_bytes,
          "Largest request accepted; larger gets RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_concurrent_streams, kServerDefaults.max_concurrent_streams,
          "Concurrent calls per connection; further calls wait.");
ABSL_FLAG(absl::Duration, min_ping_interval, kServerDefaults.min_ping_interval,
          "Clients pinging more often (or with no call open) get GOAWAY.");
ABSL_FLAG(absl::Duration, max_connection_age,
          kServerDefaults.max_connection_age,
          "Connections are closed gracefully after this age.");
ABSL_FLAG(absl::Duration, max_connection_age_grace,
          kServerDefaults.max_connection_age_grace,
          "Time open calls get after a connection reaches its maximum age.");
ABSL_FLAG(int, max_page_size, kLimitDefaults.max_page_size,
          "Page sizes above this are clamped to it (at least 100).");
ABSL_FLAG(int, max_filter_ids, static_cast<int>(kLimitDefaults.max_filter_ids),
          "Entries allowed in one filter list; more is INVALID_ARGUMENT.");
ABSL_FLAG(std::string, tokens_file, kServerDefaults.auth.tokens_file,
          "Accepted bearer tokens: lines of \"<sha256 hex of token> "
          "read|write|admin[,...] [requests_per_second=N] [streams=N]\", and "
          "\"quota SCOPE requests_per_second=N streams=N\" for a scope's "
          "tokens. Without it ReloadDataset is refused.");
ABSL_FLAG(bool, require_read_token, kServerDefaults.auth.require_read_token,
          "Read methods need a token with the read scope too.");
ABSL_FLAG(double, anonymous_requests_per_second,
          kServerDefaults.auth.anonymous.requests_per_second,
          "Calls per second each client address may make without a token "
          "(bursts of a second's worth); 0: no limit. Token limits are set "
          "in --tokens_file.");
ABSL_FLAG(int, anonymous_streams, kServerDefaults.auth.anonymous.streams,
          "Streams each client address may have open at once without a "
          "token; 0: no limit.");
ABSL_FLAG(std::string, tls_cert_file, "", "TLS certificate chain (PEM).");
ABSL_FLAG(std::string, tls_key_file, "", "TLS private key (PEM).");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "Mutual TLS: CA (PEM) that client certificates must chain to.");
ABSL_FLAG(std::string, page_token_key_file, "",
          "File whose bytes sign page tokens, so that replicas accept each "
          "other's tokens. Empty: a random key, valid for this process only.");

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "indicators-server: %s\n",
               std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<indicators::PageTokenCodec> MakeCodec(const std::string& path) {
  if (path.empty()) return indicators::PageTokenCodec::WithRandomKey();
  absl::StatusOr<std::string> key = indicators::ReadFile(path);
  if (!key.ok()) {
    return absl::Status(
        key.status().code(),
        absl::StrCat("page_token_key_file: ", key.status().message()));
  }
  if (key->size() < 16) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token_key_file: ", path, " must hold at least 16 bytes"));
  }
  return indicators::PageTokenCodec(*key);
}

// Returns a count flag as a size; a negative value becomes 0, which the
// server rejects by name.
size_t CountFlag(int value) { return static_cast<size_t>(std::max(value, 0)); }

// Returns a MiB flag in bytes; a negative value becomes 0, which the server
// rejects by name.
size_t MebibytesFlag(int64_t mebibytes) {
  return static_cast<size_t>(std::max<int64_t>(mebibytes, 0)) << 20;
}

// Returns the source the flags name: the database, or the directory.
absl::StatusOr<std::shared_ptr<const indicators::DatasetSource>> MakeSource() {
  const std::string database = absl::GetFlag(FLAGS_database);
  if (database.empty()) {
    return std::make_shared<indicators::CsvDirectorySource>(
        absl::GetFlag(FLAGS_data));
  }
  if (absl::GetFlag(FLAGS_data) != INDICATORS_DEFAULT_DATA_DIR) {
    return absl::InvalidArgumentError(
        "--data and --database name two sources; give one");
  }
  return std::make_shared<indicators::store::DatabaseSource>(database);
}

// With a database, starts following its revision: every committed change is
// loaded beside the live snapshot and swapped in.
std::unique_ptr<indicators::store::RevisionFollower> FollowDatabase(
    indicators::rpc::Server& server, int64_t served_revision) {
  const std::string database = absl::GetFlag(FLAGS_database);
  if (database.empty()) return nullptr;
  indicators::store::RevisionFollower::Options options;
  options.conninfo = database;
  options.poll_interval = absl::GetFlag(FLAGS_poll_interval);
  options.application_name =
      absl::StrCat("indicators-server pid ", static_cast<int>(getpid()));
  indicators::rpc::DatasetManager& datasets = server.datasets();
  indicators::store::RevisionFollower::Callbacks callbacks;
  callbacks.load = [&server](int64_t revision) {
    // An ingest on this server may have loaded the revision already.
    const absl::Status loaded = server.datasets().CatchUp(
        revision, absl::StrCat("database revision ", revision));
    if (loaded.ok()) {
      std::fprintf(stderr,
                   "indicators-server: database revision %lld: serving "
                   "dataset %s\n",
                   static_cast<long long>(revision),
                   server.dataset_version().c_str());
    } else {
      std::fprintf(stderr,
                   "indicators-server: database revision %lld not loaded, "
                   "still serving %s: %s\n",
                   static_cast<long long>(revision),
                   server.dataset_version().c_str(),
                   std::string(loaded.message()).c_str());
    }
    return loaded;
  };
  callbacks.set_stale = [&datasets](std::optional<absl::Time> since) {
    datasets.SetStaleSince(since);
  };
  return std::make_unique<indicators::store::RevisionFollower>(
      options, served_revision, std::move(callbacks));
}

// Returns the server's options from the flags; with a database, its writer
// and history share one pool of `--blocking_threads` connections.
indicators::rpc::ServerOptions ServerOptionsFromFlags(
    std::shared_ptr<const indicators::DatasetSource> source) {
  indicators::rpc::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.source = std::move(source);
  options.source_is_database = !absl::GetFlag(FLAGS_database).empty();
  if (options.source_is_database) {
    auto pool = std::make_shared<const indicators::store::ConnectionPool>(
        absl::GetFlag(FLAGS_database), absl::GetFlag(FLAGS_blocking_threads));
    options.writer = std::make_shared<indicators::store::PostgresWriter>(pool);
    options.history =
        std::make_shared<indicators::store::PostgresHistory>(pool);
    options.changes =
        std::make_shared<indicators::store::PostgresChanges>(pool);
  }
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.watch.progress_interval =
      absl::GetFlag(FLAGS_watch_progress_interval);
  options.watch.max_changes =
      CountFlag(static_cast<int>(absl::GetFlag(FLAGS_watch_max_changes)));
  options.auth.tokens_file = absl::GetFlag(FLAGS_tokens_file);
  options.auth.require_read_token = absl::GetFlag(FLAGS_require_read_token);
  options.auth.anonymous.requests_per_second =
      absl::GetFlag(FLAGS_anonymous_requests_per_second);
  options.auth.anonymous.streams = absl::GetFlag(FLAGS_anonymous_streams);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  options.lame_duck = absl::GetFlag(FLAGS_lame_duck);
  options.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  options.stream_batch_size = CountFlag(absl::GetFlag(FLAGS_stream_batch_size));
  options.blocking_threads = absl::GetFlag(FLAGS_blocking_threads);
  options.max_blocking_queue =
      CountFlag(absl::GetFlag(FLAGS_max_blocking_queue));
  options.max_grpc_memory_bytes =
      MebibytesFlag(absl::GetFlag(FLAGS_max_grpc_memory_mb));
  options.max_response_memory_bytes =
      MebibytesFlag(absl::GetFlag(FLAGS_max_response_memory_mb));
  options.max_threads = absl::GetFlag(FLAGS_max_threads);
  options.max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  options.min_ping_interval = absl::GetFlag(FLAGS_min_ping_interval);
  options.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  options.max_connection_age_grace =
      absl::GetFlag(FLAGS_max_connection_age_grace);
  return options;
}

// Prints the line tests and scripts wait for ("listening on ..."), and the
// metrics address when metrics are on.
void PrintListening(const indicators::rpc::Server& server,
                    const indicators::Dataset& d,
                    const indicators::DatasetSource& source,
                    const std::string& metrics_listen, absl::Duration load,
                    absl::Duration serving) {
  std::printf(
      "indicators-server listening on %s; dataset %s from %s: %zu indicators, "
      "%zu regions, %zu sources, %zu observations; loaded in %.3fs, serving "
      "%.3fs after start\n",
      server.address().c_str(), d.version().c_str(), source.Describe().c_str(),
      size_t{d.published_indicator_count()}, d.regions().size(),
      d.sources().size(), size_t{d.published_observation_count()},
      absl::ToDoubleSeconds(load), absl::ToDoubleSeconds(serving));
  if (server.metrics_port() != 0) {
    std::printf("indicators-server metrics on http://%s:%d/metrics\n",
                metrics_listen.substr(0, metrics_listen.rfind(':')).c_str(),
                server.metrics_port());
  }
  std::fflush(stdout);
}

// Starts the HTTP surface when --http_listen is set (null otherwise) and
// prints its address.
absl::StatusOr<std::unique_ptr<indicators::http::HttpServer>> StartHttp(
    indicators::rpc::Server& server,
    const indicators::rpc::ServerOptions& options) {
  indicators::http::HttpOptions http;
  http.listen = absl::GetFlag(FLAGS_http_listen);
  if (http.listen.empty()) {
    return std::unique_ptr<indicators::http::HttpServer>();
  }
  http.threads = absl::GetFlag(FLAGS_http_threads);
  http.cors_origins = absl::GetFlag(FLAGS_http_cors_origins);
  http.grpc_uses_tls = !options.tls_cert_file.empty();
  http.explorer_dir = absl::GetFlag(FLAGS_http_explorer_dir);
  http.max_request_bytes = static_cast<size_t>(options.max_request_bytes);
  auto started =
      indicators::http::HttpServer::Start(http, server.InProcessChannel());
  if (!started.ok()) return started.status();
  std::printf("indicators-server http on http://%s:%d/\n",
              http.listen.substr(0, http.listen.rfind(':')).c_str(),
              (*started)->port());
  std::fflush(stdout);
  return started;
}

// Waits for signals: SIGHUP reloads the dataset from its source (and says
// whether it was served); returns the stop signal (SIGINT or SIGTERM).
int ServeUntilStopped(indicators::rpc::Server& server,
                      const sigset_t& signals) {
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    const absl::Status reloaded = server.Reload("SIGHUP");
    if (reloaded.ok()) {
      std::fprintf(stderr, "indicators-server: reloaded: serving dataset %s\n",
                   server.dataset_version().c_str());
    } else {
      std::fprintf(stderr,
                   "indicators-server: reload rejected, still serving %s: %s\n",
                   server.dataset_version().c_str(),
                   std::string(reloaded.message()).c_str());
    }
  }
  return signal_number;
}

}  // namespace

int main(int argc, char** argv) {
  indicators::ListOwnFlagsInHelp(__FILE__);
  absl::SetProgramUsageMessage(
      "Serves statistical indicators over gRPC.\n"
      "Usage: indicators-server [--listen=127.0.0.1:50051] [--data=DIR | "
      "--database=CONNINFO]");
  absl::ParseCommandLine(argc, argv);

  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only `sigwait` below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto source = MakeSource();
  if (!source.ok()) return Fail(source.status());
  const absl::Time start = absl::Now();
  auto dataset = (*source)->Load();
  if (!dataset.ok()) return Fail(dataset.status());
  const absl::Duration load_time = absl::Now() - start;
  auto codec = MakeCodec(absl::GetFlag(FLAGS_page_token_key_file));
  if (!codec.ok()) return Fail(codec.status());

  const indicators::rpc::ServerOptions options =
      ServerOptionsFromFlags(*source);
  indicators::CoreLimits limits;
  limits.max_page_size = absl::GetFlag(FLAGS_max_page_size);
  limits.max_filter_ids = CountFlag(absl::GetFlag(FLAGS_max_filter_ids));
  auto core = std::make_shared<const indicators::ServiceCore>(
      *dataset, *std::move(codec), limits);
  auto server = indicators::rpc::Server::Start(options, core);
  if (!server.ok()) return Fail(server.status());
  PrintListening(**server, **dataset, **source, options.metrics_listen,
                 load_time, absl::Now() - start);
  auto http = StartHttp(**server, options);
  if (!http.ok()) return Fail(http.status());
  std::unique_ptr<indicators::store::RevisionFollower> follower =
      FollowDatabase(**server, (*dataset)->revision());

  const int stop = ServeUntilStopped(**server, signals);
  std::fprintf(stderr, "indicators-server: %s received, draining\n",
               strsignal(stop));
  follower.reset();
  (*server)->Drain();
  http->reset();  // After the drain: its calls have ended.
  std::fprintf(stderr, "indicators-server: stopped\n");
  return 0;
}
