#ifndef INDICATORS_SERVER_HTTP_HTTP_SERVER_H_
#define INDICATORS_SERVER_HTTP_HTTP_SERVER_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/http/connect_handler.h"
#include "server/http/download_handler.h"
#include "server/http/explorer_files.h"

struct mg_context;
struct mg_connection;

namespace indicators::http {

// How to run the HTTP surface.
struct HttpOptions {
  // host:port to listen on; port 0 picks a free port.
  std::string listen;
  // Worker threads: each serves one connection at a time (its requests,
  // including a stream until it ends), so this bounds the connections
  // served at once; further ones wait in the listen queue.
  int threads = 16;
  // Origins whose pages may call the API from a browser (CORS); "*" for any.
  // Empty: no CORS headers (same-origin pages only).
  std::vector<std::string> cors_origins;
  // Whether the gRPC port uses TLS. The HTTP port cannot (Debian 12's
  // civetweb binds OpenSSL 3 wrongly: every TLS connection crashes it), so
  // the server then refuses to start it rather than serve plaintext beside
  // TLS; HTTPS is nginx's job (deploy/nginx/indicators.conf).
  bool grpc_uses_tls = false;
  // Where the web explorer's bundled files are (see `ExplorerFiles`).
  std::string explorer_dir;
  // Largest request body (the same limit as gRPC's request messages).
  size_t max_request_bytes = 64 * 1024;
};

// The HTTP surface on civetweb: the Connect protocol for every RPC
// (`ConnectHandler`), downloads in standard formats (`DownloadHandler`),
// the OpenAPI document and the web explorer (`ExplorerFiles`).
// Calls go
// to the gRPC server through its in-process channel, so they take exactly
// the path calls over gRPC take.
class HttpServer {
 public:
  // Starts serving; UNAVAILABLE if the address cannot be bound,
  // INVALID_ARGUMENT for a bad option.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpOptions& options, std::shared_ptr<grpc::Channel> channel);
  // Stops accepting and waits for the requests being served (their calls end
  // when the gRPC server drains).
  ~HttpServer();

  int port() const { return port_; }

 private:
  HttpServer(const HttpOptions& options, std::shared_ptr<grpc::Channel> channel)
      : options_(options),
        connect_(channel, options.max_request_bytes),
        downloads_(std::move(channel)),
        explorer_(ExplorerFiles::Load(options.explorer_dir)) {}
  static int OnRequest(mg_connection* connection);
  void Serve(mg_connection* connection);
  // The CORS headers for a request from `origin` (none if not allowed).
  Headers CorsHeaders(absl::string_view origin) const;

  HttpOptions options_;
  ConnectHandler connect_;
  DownloadHandler downloads_;
  ExplorerFiles explorer_;
  mg_context* context_ = nullptr;
  int port_ = 0;
};

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_HTTP_SERVER_H_
