#include "server/http/connect_handler.h"

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"
#include "server/http/connect_envelope.h"
#include "server/http/connect_error.h"
#include "server/http/gateway_call.h"
#include "server/http/inprocess_call.h"
#include "server/http/message_json.h"
#include "server/rpc/call_protocol.h"
#include "server/rpc/status_util.h"

namespace indicators::http {
namespace {

// The services reachable over HTTP.
constexpr absl::string_view kServices[] = {"indicators.v1.IndicatorService",
                                           "grpc.health.v1.Health"};
// The methods that change state, so never answer a GET. (The proto cannot
// mark the others NO_SIDE_EFFECTS without a change `buf breaking` refuses.)
constexpr absl::string_view kWithSideEffects[] = {"ReloadDataset",
                                                  "IngestObservations"};

// How one call's messages are encoded.
struct Encoding {
  bool json = false;
};

// Returns the media type of a Content-Type value, lower-cased, without
// parameters ("application/json; charset=utf-8" -> "application/json").
std::string MediaType(absl::string_view content_type) {
  absl::string_view type = content_type.substr(0, content_type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(type));
}

absl::Status RequestError(absl::string_view field, absl::string_view why) {
  return InvalidField(reason::kInvalidRequest, field, why);
}

// Checks the headers every Connect request may carry.
absl::Status CheckProtocolHeaders(const HttpExchange& exchange,
                                  bool streaming) {
  if (exchange.has_header("Connect-Protocol-Version") &&
      exchange.header("Connect-Protocol-Version") != "1") {
    return RequestError(
        "Connect-Protocol-Version",
        absl::StrCat("only version 1 is spoken; got ",
                     Quoted(exchange.header("Connect-Protocol-Version"))));
  }
  const char* encoding_header =
      streaming ? "Connect-Content-Encoding" : "Content-Encoding";
  const absl::string_view compression = exchange.header(encoding_header);
  if (!compression.empty() &&
      !absl::EqualsIgnoreCase(compression, "identity")) {
    return absl::UnimplementedError(
        absl::StrCat(encoding_header, ": ", Quoted(compression),
                     " is not accepted; send the body uncompressed"));
  }
  return absl::OkStatus();
}

// Returns the answer's bytes in the requested encoding.
absl::StatusOr<std::string> Encode(const google::protobuf::Descriptor& type,
                                   std::string bytes, Encoding encoding) {
  if (!encoding.json) return bytes;
  return BinaryToJson(type, bytes);
}

void RespondError(HttpExchange& exchange, const grpc::Status& status) {
  Headers headers;
  if (const int seconds = RetryAfterSeconds(status); seconds > 0) {
    headers.emplace_back("Retry-After", absl::StrCat(seconds));
  }
  exchange.Respond(HttpStatusOf(status.error_code()), "application/json",
                   ConnectErrorJson(status), headers);
}

// The request message of a GET: `message` (JSON, or base64url binary with
// base64=1) and `encoding`.
absl::StatusOr<std::string> GetRequest(const HttpExchange& exchange,
                                       size_t max_bytes, Encoding* encoding) {
  ASSIGN_OR_RETURN(std::optional<std::string> encoding_name,
                   exchange.QueryParameter("encoding", 16));
  if (!encoding_name.has_value() ||
      (*encoding_name != "json" && *encoding_name != "proto")) {
    return RequestError("encoding",
                        "a GET names the message's encoding: encoding=json "
                        "or encoding=proto");
  }
  encoding->json = *encoding_name == "json";
  ASSIGN_OR_RETURN(std::optional<std::string> compression,
                   exchange.QueryParameter("compression", 16));
  if (compression.has_value() && *compression != "identity") {
    return absl::UnimplementedError(
        absl::StrCat("compression: ", Quoted(*compression),
                     " is not accepted; send the message uncompressed"));
  }
  absl::StatusOr<std::optional<std::string>> message =
      exchange.QueryParameter("message", 2 * max_bytes + 4);
  if (!message.ok()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "message: larger than the request limit of ", max_bytes, " bytes"));
  }
  std::string bytes = message->value_or(encoding->json ? "{}" : "");
  ASSIGN_OR_RETURN(std::optional<std::string> base64,
                   exchange.QueryParameter("base64", 4));
  if (base64.has_value() && *base64 == "1") {
    std::string decoded;
    if (!absl::WebSafeBase64Unescape(bytes, &decoded) &&
        !absl::Base64Unescape(bytes, &decoded)) {
      return RequestError("message", "base64=1 but not base64url");
    }
    bytes = std::move(decoded);
  }
  if (bytes.size() > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "message: larger than the request limit of ", max_bytes, " bytes"));
  }
  return bytes;
}

}  // namespace

ConnectHandler::ConnectHandler(std::shared_ptr<grpc::Channel> channel,
                               size_t max_request_bytes)
    : stub_(std::move(channel)), max_request_bytes_(max_request_bytes) {}

const google::protobuf::MethodDescriptor* ConnectHandler::MethodOf(
    absl::string_view path) {
  if (!absl::ConsumePrefix(&path, "/")) return nullptr;
  const size_t slash = path.find('/');
  if (slash == path.npos) return nullptr;
  const absl::string_view service_name = path.substr(0, slash);
  if (std::find(std::begin(kServices), std::end(kServices), service_name) ==
      std::end(kServices)) {
    return nullptr;
  }
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(service_name));
  if (service == nullptr) return nullptr;
  return service->FindMethodByName(std::string(path.substr(slash + 1)));
}

void ConnectHandler::Handle(const google::protobuf::MethodDescriptor& method,
                            HttpExchange& exchange) {
  const bool streaming = method.server_streaming();
  Encoding encoding;
  absl::StatusOr<std::string> request;
  if (exchange.method() == "GET") {
    if (streaming ||
        std::find(std::begin(kWithSideEffects), std::end(kWithSideEffects),
                  method.name()) != std::end(kWithSideEffects)) {
      exchange.Respond(
          405, "application/json",
          ConnectErrorJson(grpc::Status(
              grpc::StatusCode::UNIMPLEMENTED,
              absl::StrCat(method.name(), streaming
                                              ? " is a stream: POST it"
                                              : " changes state: POST it"))),
          {{"Allow", "POST"}});
      return;
    }
    request = GetRequest(exchange, max_request_bytes_, &encoding);
  } else if (exchange.method() == "POST") {
    const std::string type = MediaType(exchange.header("Content-Type"));
    const absl::string_view unary_types[] = {"application/json",
                                             "application/proto"};
    const absl::string_view stream_types[] = {"application/connect+json",
                                              "application/connect+proto"};
    const auto& accepted = streaming ? stream_types : unary_types;
    if (type != accepted[0] && type != accepted[1]) {
      exchange.Respond(
          415, "application/json",
          ConnectErrorJson(
              grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                           absl::StrCat("Content-Type: ", method.name(),
                                        " takes ", accepted[0], " or ",
                                        accepted[1], "; got \"", type, "\""))),
          {{"Accept-Post", absl::StrCat(accepted[0], ", ", accepted[1])}});
      return;
    }
    encoding.json = type == accepted[0];
    request = exchange.ReadBody(max_request_bytes_ + (streaming ? 5 : 0));
    if (request.ok() && streaming) request = OnlyEnvelopePayload(*request);
  } else {
    exchange.Respond(
        405, "application/json",
        ConnectErrorJson(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                      absl::StrCat(exchange.method(),
                                                   " is not served: use "
                                                   "POST (or GET)"))),
        {{"Allow", "GET, POST"}});
    return;
  }

  absl::StatusOr<CallSetup> setup =
      request.ok()
          ? GatewayCallSetup(absl::StrCat("/", method.service()->full_name(),
                                          "/", method.name()),
                             exchange, encoding.json)
          : request.status();
  if (setup.ok()) {
    if (absl::Status checked = CheckProtocolHeaders(exchange, streaming);
        !checked.ok()) {
      setup = checked;
    }
  }
  if (!streaming) {
    const std::string content_type =
        encoding.json ? "application/json" : "application/proto";
    if (!setup.ok()) {
      RespondError(exchange, rpc::ToGrpcStatus(setup.status()));
      return;
    }
    UnaryAnswer answer = CallUnary(stub_, *setup, *request);
    if (!answer.status.ok()) {
      RespondError(exchange, answer.status);
      return;
    }
    absl::StatusOr<std::string> body =
        Encode(*method.output_type(), std::move(answer.response), encoding);
    if (!body.ok()) {
      RespondError(exchange, rpc::ToGrpcStatus(body.status()));
      return;
    }
    exchange.Respond(200, content_type, *body);
    return;
  }

  exchange.StartChunks(200, encoding.json ? "application/connect+json"
                                          : "application/connect+proto");
  grpc::Status status;
  if (!setup.ok()) {
    status = rpc::ToGrpcStatus(setup.status());
  } else {
    StreamCall call(stub_, *setup, *request);
    std::string message;
    bool client_gone = false;
    while (call.Next(&message)) {
      absl::StatusOr<std::string> payload =
          Encode(*method.output_type(), std::move(message), encoding);
      if (!payload.ok() || !exchange.SendChunk(Envelope(0, *payload))) {
        client_gone = payload.ok();
        call.Cancel();
        if (!payload.ok()) status = rpc::ToGrpcStatus(payload.status());
        break;
      }
    }
    const grpc::Status ended = call.Finish();
    if (client_gone) return;  // Nobody is left to tell.
    if (status.ok()) status = ended;
  }
  const std::string end =
      status.ok() ? "{}"
                  : absl::StrCat("{\"error\":", ConnectErrorJson(status), "}");
  if (exchange.SendChunk(Envelope(kEnvelopeEndStream, end))) {
    exchange.EndChunks();
  }
}

}  // namespace indicators::http
