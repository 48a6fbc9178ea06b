#include "server/http/message_json.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"

namespace indicators::http {

absl::StatusOr<std::string> BinaryToJson(
    const google::protobuf::Descriptor& type, absl::string_view bytes) {
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          &type);
  if (prototype == nullptr) {
    return absl::InternalError(
        absl::StrCat("no message class for ", type.full_name()));
  }
  std::unique_ptr<google::protobuf::Message> message(prototype->New());
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError(
        absl::StrCat("the answer is not a ", type.full_name()));
  }
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(*message, &json).ok()) {
    return absl::InternalError(
        absl::StrCat("cannot write ", type.full_name(), " as JSON"));
  }
  return json;
}

}  // namespace indicators::http
