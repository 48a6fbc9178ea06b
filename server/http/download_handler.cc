#include "server/http/download_handler.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "indicators/v1/indicator_service.pb.h"
#include "server/core/base/errors.h"
#include "server/http/connect_error.h"
#include "server/http/download_format.h"
#include "server/http/download_query.h"
#include "server/http/gateway_call.h"
#include "server/http/inprocess_call.h"
#include "server/rpc/status_util.h"

namespace indicators::http {
namespace {

constexpr absl::string_view kPrefix = "/v1/";
constexpr absl::string_view kMetadataFile = "observations.meta.json";
constexpr char kMethodPrefix[] = "/indicators.v1.IndicatorService/";

void RespondError(HttpExchange& exchange, const grpc::Status& status) {
  exchange.Respond(HttpStatusOf(status.error_code()), "application/json",
                   ConnectErrorJson(status));
}

std::string Json(const google::protobuf::Message& message) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json);
  return json;
}

// Returns whether the If-None-Match header names `etag` (or is "*").
bool NotModified(const HttpExchange& exchange, absl::string_view etag) {
  for (absl::string_view tag :
       absl::StrSplit(exchange.header("If-None-Match"), ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    absl::ConsumePrefix(&tag, "W/");
    if (tag == etag || tag == "*") return true;
  }
  return false;
}

// Calls unary `method` in process with `request`, parsing the answer into
// `response`.
grpc::Status Call(grpc::GenericStub& stub, CallSetup setup,
                  absl::string_view method,
                  const google::protobuf::Message& request,
                  google::protobuf::Message* response) {
  setup.method = absl::StrCat(kMethodPrefix, method);
  UnaryAnswer answer = CallUnary(stub, setup, request.SerializeAsString());
  if (answer.status.ok() && !response->ParseFromString(answer.response)) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        absl::StrCat(method, ": the answer cannot be read"));
  }
  return answer.status;
}

// The citation of a download: the service's dataset version, the query, the
// day, and the sources the figures come from.
std::string Citation(absl::string_view version, absl::string_view query,
                     const std::vector<v1::Source>& sources) {
  std::vector<std::string> cited;
  for (const v1::Source& s : sources) {
    std::string line = absl::StrCat(s.publisher(), ", \"", s.title(), "\"");
    if (!s.published().empty())
      absl::StrAppend(&line, " (", s.published(), ")");
    if (!s.url().empty()) absl::StrAppend(&line, ", ", s.url());
    cited.push_back(std::move(line));
  }
  return absl::StrCat(
      "Indicator service, dataset version ", version.substr(0, 12), " (",
      version, "), observations ?", query, ", retrieved ",
      absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone()),
      ". Figures as stated by: ", absl::StrJoin(cited, "; "), ".");
}

}  // namespace

bool DownloadHandler::Serves(absl::string_view path) {
  return absl::StartsWith(path, kPrefix) &&
         absl::StartsWith(path.substr(kPrefix.size()), "observations.");
}

void DownloadHandler::Handle(HttpExchange& exchange) {
  const absl::string_view file = exchange.path().substr(kPrefix.size());
  const std::optional<DownloadFormat> format = DownloadFormatOf(file);
  if (!format.has_value() && file != kMetadataFile) {
    exchange.Respond(404, "application/json",
                     ConnectErrorJson(grpc::Status(
                         grpc::StatusCode::NOT_FOUND,
                         absl::StrCat("no download ", Quoted(file),
                                      "; observations.csv, observations.json, "
                                      "observations.sdmx.csv and "
                                      "observations.meta.json exist"))));
    return;
  }
  if (exchange.method() != "GET") {
    exchange.Respond(
        405, "application/json",
        ConnectErrorJson(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                      "downloads are GET requests")),
        {{"Allow", "GET"}});
    return;
  }
  absl::StatusOr<v1::StreamObservationsRequest> request =
      ParseDownloadQuery(exchange.query());
  if (request.ok() && format == DownloadFormat::kCsv &&
      HasValueOptions(*request)) {
    request = InvalidField(
        reason::kInvalidRequest, "value_options",
        "the dataset's CSV layout has no unit columns, so it carries values "
        "as published only; download observations.sdmx.csv or "
        "observations.json for converted values");
  }
  absl::StatusOr<CallSetup> setup =
      request.ok() ? GatewayCallSetup("", exchange, /*json_request=*/false)
                   : request.status();
  if (!setup.ok()) {
    RespondError(exchange, rpc::ToGrpcStatus(setup.status()));
    return;
  }
  // The version now: a client holding it gets 304 without a query run.
  v1::GetDatasetInfoResponse info;
  if (grpc::Status got = Call(stub_, *setup, "GetDatasetInfo",
                              v1::GetDatasetInfoRequest(), &info);
      !got.ok()) {
    RespondError(exchange, got);
    return;
  }
  const auto etag_of = [](absl::string_view version) {
    return absl::StrCat("\"", version, "\"");
  };
  if (NotModified(exchange, etag_of(info.dataset().version()))) {
    exchange.Respond(304, "", "",
                     {{"ETag", etag_of(info.dataset().version())},
                      {"X-Dataset-Version", info.dataset().version()}});
    return;
  }

  CallSetup stream_setup = *setup;
  stream_setup.method = absl::StrCat(kMethodPrefix, "StreamObservations");
  StreamCall call(stub_, stream_setup, request->SerializeAsString());
  std::string bytes;
  v1::StreamObservationsResponse message;
  if (!call.Next(&bytes) || !message.ParseFromString(bytes)) {
    grpc::Status status = call.Finish();
    if (status.ok()) {
      status = grpc::Status(grpc::StatusCode::INTERNAL,
                            "the stream ended without a message");
    }
    RespondError(exchange, status);
    return;
  }
  // The version of the snapshot that answers (the same in every message).
  const std::string version = message.dataset_version();
  const std::string query(exchange.query());
  const std::string metadata_link =
      absl::StrCat("<", kPrefix, kMetadataFile, query.empty() ? "" : "?", query,
                   ">; rel=\"describedby\"; type=\"application/json\"");
  Headers headers = {{"ETag", etag_of(version)},
                     {"X-Dataset-Version", version},
                     {"Cache-Control", "no-cache"},
                     {"Connection", "close"}};

  v1::StreamObservationsResponse warnings;
  if (format.has_value()) {
    headers.push_back(
        {"Content-Disposition",
         absl::StrCat("attachment; filename=\"observations-",
                      version.substr(0, 12), ".", ExtensionOf(*format), "\"")});
    headers.push_back({"Link", metadata_link});
    exchange.StartChunks(200, MediaTypeOf(*format), headers);
    size_t written = 0;
    std::string chunk = DownloadStart(*format);
    do {
      chunk += DownloadRows(*format, message, written);
      written += message.observations_size();
      for (const auto& w : message.warnings()) *warnings.add_warnings() = w;
      if (!exchange.SendChunk(chunk)) {
        call.Cancel();
        return;
      }
      chunk.clear();
    } while (call.Next(&bytes) && message.ParseFromString(bytes));
    // A break after the first byte: the connection ends without the body's
    // end, so that the client sees a cut transfer.
    if (!call.Finish().ok()) return;
    exchange.SendChunk(DownloadEnd(*format, version, warnings));
    exchange.EndChunks();
    return;
  }

  // The metadata: what the download of the same query holds.
  std::set<std::string> indicator_ids, source_ids;
  int64_t count = 0;
  do {
    for (const v1::Observation& o : message.observations()) {
      ++count;
      indicator_ids.insert(o.indicator_id());
      source_ids.insert(o.source_ids().begin(), o.source_ids().end());
    }
    for (const auto& w : message.warnings()) *warnings.add_warnings() = w;
  } while (call.Next(&bytes) && message.ParseFromString(bytes));
  if (grpc::Status ended = call.Finish(); !ended.ok()) {
    RespondError(exchange, ended);
    return;
  }
  std::vector<std::string> indicators, sources, warning_json;
  std::vector<v1::Source> cited;
  for (const std::string& id : indicator_ids) {
    v1::GetIndicatorRequest get;
    get.set_id(id);
    v1::Indicator indicator;
    if (Call(stub_, *setup, "GetIndicator", get, &indicator).ok()) {
      indicators.push_back(Json(indicator));
    }
  }
  for (const std::string& id : source_ids) {
    v1::GetSourceRequest get;
    get.set_id(id);
    v1::Source source;
    if (Call(stub_, *setup, "GetSource", get, &source).ok()) {
      sources.push_back(Json(source));
      cited.push_back(std::move(source));
    }
  }
  for (const auto& w : warnings.warnings()) warning_json.push_back(Json(w));
  std::string downloads;
  for (DownloadFormat f : {DownloadFormat::kCsv, DownloadFormat::kJson,
                           DownloadFormat::kSdmxCsv}) {
    absl::StrAppend(&downloads, downloads.empty() ? "" : ",", "\"",
                    ExtensionOf(f), "\":\"", kPrefix, "observations.",
                    ExtensionOf(f), query.empty() ? "" : "?", query, "\"");
  }
  google::protobuf::Value citation;
  citation.set_string_value(Citation(version, query, cited));
  const std::string body = absl::StrCat(
      "{\"datasetVersion\":\"", version, "\",\"retrieved\":\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()),
      "\",\"query\":", Json(*request), ",\"observationCount\":", count,
      ",\"indicators\":[", absl::StrJoin(indicators, ","), "],\"sources\":[",
      absl::StrJoin(sources, ","), "],\"warnings\":[",
      absl::StrJoin(warning_json, ","), "],\"citation\":", Json(citation),
      ",\"downloads\":{", downloads, "}}");
  headers.pop_back();  // A whole body: the connection may stay.
  exchange.Respond(200, "application/json", body, headers);
}

}  // namespace indicators::http
