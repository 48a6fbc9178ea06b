#include "server/core/dataset/records.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "server/core/base/csv_writer.h"

namespace indicators {

void AppendCsvRecord(const ObservationRecord& r, std::string* out) {
  const std::string sources = absl::StrJoin(r.source_ids, ";");
  AppendCsvRecord(std::vector<absl::string_view>{r.indicator_id, r.region_code,
                                                 r.period, r.value, r.qualifier,
                                                 r.status, sources, r.note},
                  out);
}

void AppendCsvRecord(const SourceRecord& r, std::string* out) {
  AppendCsvRecord(
      std::vector<absl::string_view>{r.id, r.publisher, r.title, r.published,
                                     r.url, r.reliability, r.note},
      out);
}

std::string CsvLine(const ObservationRecord& record) {
  std::string out;
  AppendCsvRecord(record, &out);
  out.pop_back();
  return out;
}

std::string CsvLine(const SourceRecord& record) {
  std::string out;
  AppendCsvRecord(record, &out);
  out.pop_back();
  return out;
}

}  // namespace indicators
