#ifndef INDICATORS_SERVER_HTTP_MESSAGE_JSON_H_
#define INDICATORS_SERVER_HTTP_MESSAGE_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace indicators::http {

// Returns protobuf's JSON mapping (lowerCamelCase names, enums by name,
// 64-bit integers as strings, default values left out) of `bytes`, the
// binary encoding of a `type` message. INTERNAL if `bytes` is not one (the
// service's answers always are).
absl::StatusOr<std::string> BinaryToJson(
    const google::protobuf::Descriptor& type, absl::string_view bytes);

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_MESSAGE_JSON_H_
