#include "server/http/download_query.h"

#include <civetweb.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"

namespace indicators::http {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status BadValue(absl::string_view name, absl::string_view why) {
  return InvalidField(reason::kInvalidRequest, name, why);
}

// Returns the percent-decoded `text` ('+' is a space, as in forms).
std::string Decode(absl::string_view text) {
  std::string out(text.size() + 1, '\0');
  const int n = mg_url_decode(text.data(), static_cast<int>(text.size()),
                              out.data(), static_cast<int>(out.size()),
                              /*is_form_url_encoded=*/1);
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

// Returns the enum value `text` names: its full name, or the name without
// the type's prefix ("preferred" for SOURCE_MODE_PREFERRED).
const google::protobuf::EnumValueDescriptor* EnumValueOf(
    const google::protobuf::EnumDescriptor& type, absl::string_view text) {
  const std::string upper = absl::AsciiStrToUpper(text);
  if (const auto* value = type.FindValueByName(upper); value != nullptr) {
    return value;
  }
  absl::string_view prefix = type.value(0)->name();
  absl::ConsumeSuffix(&prefix, "UNSPECIFIED");
  return type.FindValueByName(absl::StrCat(prefix, upper));
}

// Sets (or adds, for a repeated field) `text` as the value of `field`.
absl::Status SetValue(absl::string_view name, const FieldDescriptor& field,
                      absl::string_view text, Message* message) {
  const Reflection& r = *message->GetReflection();
  switch (field.type()) {
    case FieldDescriptor::TYPE_STRING:
      if (field.is_repeated()) {
        r.AddString(message, &field, std::string(text));
      } else {
        r.SetString(message, &field, std::string(text));
      }
      return absl::OkStatus();
    case FieldDescriptor::TYPE_BOOL:
      if (text != "true" && text != "false") {
        return BadValue(
            name, absl::StrCat("must be true or false; got ", Quoted(text)));
      }
      r.SetBool(message, &field, text == "true");
      return absl::OkStatus();
    case FieldDescriptor::TYPE_ENUM: {
      const auto* value = EnumValueOf(*field.enum_type(), text);
      if (value == nullptr || value->number() == 0) {
        std::vector<std::string> names;
        for (int i = 1; i < field.enum_type()->value_count(); ++i) {
          names.push_back(field.enum_type()->value(i)->name());
        }
        return BadValue(name, absl::StrCat(Quoted(text), " is not one of ",
                                           absl::StrJoin(names, ", ")));
      }
      if (field.is_repeated()) {
        r.AddEnum(message, &field, value);
      } else {
        r.SetEnum(message, &field, value);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::TYPE_MESSAGE: {
      // google.protobuf.Int32Value (unit_multiplier).
      int32_t number = 0;
      const FieldDescriptor* inner =
          field.message_type()->FindFieldByName("value");
      if (field.message_type()->full_name() != "google.protobuf.Int32Value" ||
          inner == nullptr) {
        return BadValue(name, "cannot be given in a download's query");
      }
      if (!absl::SimpleAtoi(text, &number)) {
        return BadValue(name,
                        absl::StrCat("must be an integer; got ", Quoted(text)));
      }
      Message* wrapper = r.MutableMessage(message, &field);
      wrapper->GetReflection()->SetInt32(wrapper, inner, number);
      return absl::OkStatus();
    }
    default:
      return BadValue(name, "cannot be given in a download's query");
  }
}

}  // namespace

absl::StatusOr<v1::StreamObservationsRequest> ParseDownloadQuery(
    absl::string_view query) {
  v1::StreamObservationsRequest request;
  Message* targets[] = {request.mutable_filter(),
                        request.mutable_value_options()};
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    const std::string name = Decode(pair.substr(0, eq));
    const std::string text = eq == pair.npos ? "" : Decode(pair.substr(eq + 1));
    const FieldDescriptor* field = nullptr;
    Message* target = nullptr;
    for (Message* message : targets) {
      field = message->GetDescriptor()->FindFieldByName(name);
      if (field != nullptr) {
        target = message;
        break;
      }
    }
    if (field == nullptr) {
      return BadValue(
          name.empty() ? "query" : name,
          absl::StrCat(
              "not a field of ObservationFilter or ValueOptions (for example "
              "indicator_ids, region_codes, start_period, end_period, "
              "source_mode, latest_only, known_on, unit_multiplier, "
              "currency)"));
    }
    if (field->is_repeated()) {
      for (absl::string_view part :
           absl::StrSplit(text, ',', absl::SkipEmpty())) {
        RETURN_IF_ERROR(SetValue(name, *field, part, target));
      }
    } else {
      RETURN_IF_ERROR(SetValue(name, *field, text, target));
    }
  }
  if (!HasValueOptions(request)) request.clear_value_options();
  return request;
}

bool HasValueOptions(const v1::StreamObservationsRequest& request) {
  return request.has_value_options() &&
         request.value_options().ByteSizeLong() > 0;
}

}  // namespace indicators::http
