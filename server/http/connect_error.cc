#include "server/http/connect_error.h"

#include <algorithm>
#include <array>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace indicators::http {
namespace {

struct CodeEntry {
  const char* name;
  int http_status;
};

// Indexed by grpc::StatusCode; the HTTP statuses are the protocol's table.
constexpr std::array<CodeEntry, 17> kCodes = {{
    {"ok", 200},
    {"canceled", 499},
    {"unknown", 500},
    {"invalid_argument", 400},
    {"deadline_exceeded", 504},
    {"not_found", 404},
    {"already_exists", 409},
    {"permission_denied", 403},
    {"resource_exhausted", 429},
    {"failed_precondition", 400},
    {"aborted", 409},
    {"out_of_range", 400},
    {"unimplemented", 501},
    {"internal", 500},
    {"unavailable", 503},
    {"data_loss", 500},
    {"unauthenticated", 401},
}};

const CodeEntry& EntryOf(grpc::StatusCode code) {
  const auto index = static_cast<size_t>(code);
  return kCodes[index < kCodes.size() ? index : size_t{2}];
}

// Returns `text` as a JSON string (quoted and escaped).
std::string JsonString(absl::string_view text) {
  google::protobuf::Value value;
  value.set_string_value(std::string(text));
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(value, &json).ok()) {
    return "\"\"";
  }
  return json;
}

// Returns the JSON of `any`'s message when its type is one this program
// knows (the google.rpc details are); empty otherwise.
std::string DebugJsonOf(const google::protobuf::Any& any,
                        absl::string_view type_name) {
  const google::protobuf::Descriptor* type =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          std::string(type_name));
  if (type == nullptr) return "";
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  if (prototype == nullptr) return "";
  std::unique_ptr<google::protobuf::Message> message(prototype->New());
  std::string json;
  if (!message->ParseFromString(any.value()) ||
      !google::protobuf::util::MessageToJsonString(*message, &json).ok()) {
    return "";
  }
  return json;
}

}  // namespace

absl::string_view ConnectCodeName(grpc::StatusCode code) {
  return EntryOf(code).name;
}

int HttpStatusOf(grpc::StatusCode code) { return EntryOf(code).http_status; }

std::string ConnectErrorJson(const grpc::Status& status) {
  std::string json =
      absl::StrCat("{\"code\":\"", ConnectCodeName(status.error_code()), "\"");
  if (!status.error_message().empty()) {
    absl::StrAppend(&json, ",\"message\":", JsonString(status.error_message()));
  }
  google::rpc::Status rich;
  if (!status.error_details().empty() &&
      rich.ParseFromString(status.error_details()) && rich.details_size() > 0) {
    absl::StrAppend(&json, ",\"details\":[");
    for (int i = 0; i < rich.details_size(); ++i) {
      const google::protobuf::Any& any = rich.details(i);
      absl::string_view type = any.type_url();
      if (const size_t slash = type.rfind('/'); slash != type.npos) {
        type.remove_prefix(slash + 1);
      }
      std::string value = absl::Base64Escape(any.value());
      while (!value.empty() && value.back() == '=') value.pop_back();
      absl::StrAppend(&json, i > 0 ? "," : "", "{\"type\":", JsonString(type),
                      ",\"value\":\"", value, "\"");
      if (std::string debug = DebugJsonOf(any, type); !debug.empty()) {
        absl::StrAppend(&json, ",\"debug\":", debug);
      }
      json.push_back('}');
    }
    json.push_back(']');
  }
  json.push_back('}');
  return json;
}

int RetryAfterSeconds(const grpc::Status& status) {
  google::rpc::Status rich;
  if (status.error_details().empty() ||
      !rich.ParseFromString(status.error_details())) {
    return 0;
  }
  for (const google::protobuf::Any& any : rich.details()) {
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&retry)) {
      const int64_t seconds = retry.retry_delay().seconds() +
                              (retry.retry_delay().nanos() > 0 ? 1 : 0);
      return static_cast<int>(std::clamp<int64_t>(seconds, 1, 3600));
    }
  }
  return 0;
}

}  // namespace indicators::http
