#include "server/http/http_server.h"

#include <civetweb.h>

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/http/connect_error.h"
#include "server/http/openapi_document.h"

namespace indicators::http {
namespace {

constexpr char kAllowedHeaders[] =
    "Authorization, Content-Type, Connect-Protocol-Version, "
    "Connect-Timeout-Ms, If-None-Match";
constexpr char kExposedHeaders[] =
    "Content-Disposition, ETag, X-Dataset-Version";

int LogCivetweb(const mg_connection*, const char* message) {
  std::fprintf(stderr, "indicators-server: http: %s\n", message);
  return 1;  // Logged here; civetweb writes nothing itself.
}

void NotFound(HttpExchange& exchange) {
  exchange.Respond(404, "application/json",
                   ConnectErrorJson(grpc::Status(
                       grpc::StatusCode::NOT_FOUND,
                       absl::StrCat("no such path: ", exchange.path()))));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpOptions& options, std::shared_ptr<grpc::Channel> channel) {
  const size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("http_listen: \"", options.listen, "\" is not host:port"));
  }
  if (options.threads <= 0) {
    return absl::InvalidArgumentError("http_threads: must be positive");
  }
  if (options.grpc_uses_tls) {
    return absl::InvalidArgumentError(
        "http_listen: the HTTP port serves plaintext only (Debian 12's "
        "civetweb cannot use OpenSSL 3), so it is not started beside a TLS "
        "gRPC port; terminate HTTPS in nginx in front "
        "(deploy/nginx/indicators.conf) and keep both ports on loopback");
  }
  std::unique_ptr<HttpServer> server(
      new HttpServer(options, std::move(channel)));
  const std::string& ports = options.listen;
  const std::string threads = absl::StrCat(options.threads);
  // clang-format off: name and value pairs.
  std::vector<const char*> settings = {
      "listening_ports",
      ports.c_str(),
      "num_threads",
      threads.c_str(),
      "enable_keep_alive",
      "yes",
      // Headers and body go out in two writes: without this, Nagle holds
      // the body until the peer's delayed ACK (40 ms a call).
      "tcp_nodelay",
      "1",
      "keep_alive_timeout_ms",
      "5000",
      "request_timeout_ms",
      "30000",
      "enable_auth_domain_check",
      "no",
  };
  // clang-format on
  settings.push_back(nullptr);
  mg_callbacks callbacks{};
  callbacks.begin_request = &HttpServer::OnRequest;
  callbacks.log_message = &LogCivetweb;
  server->context_ = mg_start(&callbacks, server.get(), settings.data());
  if (server->context_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("http_listen: cannot serve HTTP on ", options.listen));
  }
  mg_server_port bound[4];
  const int n = mg_get_server_ports(server->context_, 4, bound);
  if (n < 1) {
    return absl::UnavailableError(
        absl::StrCat("http_listen: cannot listen on ", options.listen));
  }
  server->port_ = bound[0].port;
  return server;
}

HttpServer::~HttpServer() {
  if (context_ != nullptr) mg_stop(context_);
}

int HttpServer::OnRequest(mg_connection* connection) {
  auto* server =
      static_cast<HttpServer*>(mg_get_user_data(mg_get_context(connection)));
  server->Serve(connection);
  return 1;  // Answered (civetweb then keeps the connection or closes it).
}

Headers HttpServer::CorsHeaders(absl::string_view origin) const {
  if (origin.empty()) return {};
  for (const std::string& allowed : options_.cors_origins) {
    if (allowed == "*" || allowed == origin) {
      return {{"Access-Control-Allow-Origin", std::string(origin)},
              {"Vary", "Origin"},
              {"Access-Control-Expose-Headers", kExposedHeaders}};
    }
  }
  return {};
}

void HttpServer::Serve(mg_connection* connection) {
  const mg_request_info* info = mg_get_request_info(connection);
  absl::string_view origin;
  for (int i = 0; i < info->num_headers; ++i) {
    if (absl::EqualsIgnoreCase(info->http_headers[i].name, "Origin")) {
      origin = info->http_headers[i].value;
    }
  }
  HttpExchange exchange(connection, CorsHeaders(origin));
  if (exchange.method() == "OPTIONS") {
    Headers headers = {{"Allow", "GET, POST, OPTIONS"}};
    if (!CorsHeaders(origin).empty()) {
      headers.insert(headers.end(),
                     {{"Access-Control-Allow-Methods", "GET, POST"},
                      {"Access-Control-Allow-Headers", kAllowedHeaders},
                      {"Access-Control-Max-Age", "7200"}});
    }
    exchange.Respond(204, "", "", headers);
    return;
  }
  if (const google::protobuf::MethodDescriptor* method =
          ConnectHandler::MethodOf(exchange.path());
      method != nullptr) {
    connect_.Handle(*method, exchange);
    return;
  }
  if (exchange.path() == "/openapi.json" &&
      (exchange.method() == "GET" || exchange.method() == "HEAD")) {
    exchange.Respond(200, "application/json", OpenApiDocument(),
                     {{"Cache-Control", "no-cache"}});
    return;
  }
  if (DownloadHandler::Serves(exchange.path())) {
    downloads_.Handle(exchange);
    return;
  }
  if (ExplorerFiles::Serves(exchange.path())) {
    explorer_.Handle(exchange);
    return;
  }
  NotFound(exchange);
}

}  // namespace indicators::http
