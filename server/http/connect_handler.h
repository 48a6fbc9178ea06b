#ifndef INDICATORS_SERVER_HTTP_CONNECT_HANDLER_H_
#define INDICATORS_SERVER_HTTP_CONNECT_HANDLER_H_

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

#include <memory>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "server/http/http_exchange.h"

namespace indicators::http {

// Serves the Connect protocol (connectrpc.com/docs/protocol) for every
// method of the indicator service and the health service, by calling them
// in process: the same authorization, parsing, handlers, limits, status
// mapping, failure log and metrics as over gRPC (counted with
// protocol="connect").
//
//   POST /indicators.v1.IndicatorService/M  application/json |
//   application/proto
//       a unary call; the answer in the same encoding, or a Connect error
//       (JSON, with the HTTP status of its code)
//   GET  /indicators.v1.IndicatorService/M?encoding=json&message=...
//       the same for the methods without side effects (base64=1 for a
//       binary message in base64url)
//   POST ... application/connect+json | application/connect+proto
//       a server stream: enveloped messages, then the end-of-stream message
//       ({} or {"error": ...}), with HTTP 200
//
// Authorization comes from the `Authorization` header (Bearer tokens, as
// over gRPC), a deadline from `Connect-Timeout-Ms`.
class ConnectHandler {
 public:
  // Calls the service on `channel` (its in-process channel). Request bodies
  // longer than `max_request_bytes` are refused (RESOURCE_EXHAUSTED), as
  // gRPC refuses larger messages.
  ConnectHandler(std::shared_ptr<grpc::Channel> channel,
                 size_t max_request_bytes);

  // Returns the method `path` names ("/package.Service/Method"), or null.
  static const google::protobuf::MethodDescriptor* MethodOf(
      absl::string_view path);

  // Answers `exchange`, whose path names `method`.
  void Handle(const google::protobuf::MethodDescriptor& method,
              HttpExchange& exchange);

 private:
  grpc::GenericStub stub_;
  size_t max_request_bytes_;
};

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_CONNECT_HANDLER_H_
