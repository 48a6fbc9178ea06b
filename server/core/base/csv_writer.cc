#include "server/core/base/csv_writer.h"

namespace indicators {

void AppendCsvRecord(const std::vector<absl::string_view>& fields,
                     std::string* out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    const absl::string_view field = fields[i];
    if (field.find_first_of(",\"\r\n") == absl::string_view::npos) {
      out->append(field.data(), field.size());
      continue;
    }
    out->push_back('"');
    for (char c : field) {
      if (c == '"') out->push_back('"');
      out->push_back(c);
    }
    out->push_back('"');
  }
  out->push_back('\n');
}

}  // namespace indicators
