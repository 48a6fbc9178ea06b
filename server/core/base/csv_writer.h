#ifndef INDICATORS_SERVER_CORE_BASE_CSV_WRITER_H_
#define INDICATORS_SERVER_CORE_BASE_CSV_WRITER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace indicators {

// Appends one RFC 4180 record and a LF to `out`: fields separated by commas,
// a field quoted (with "" for a quote) only if it holds a comma, a quote, a
// CR or a LF. `CsvReader` reads it back field for field.
void AppendCsvRecord(const std::vector<absl::string_view>& fields,
                     std::string* out);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_BASE_CSV_WRITER_H_
