#include "client/cpp/dataset_csv.h"

#include <charconv>
#include <initializer_list>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace indicators::client {
namespace {

// Returns the name the CSV files use for an enum value: the proto name
// without its prefix, lowercased (REGION_TYPE_AUTONOMOUS_REGION ->
// autonomous_region).
std::string EnumField(const std::string& name, absl::string_view prefix) {
  return absl::AsciiStrToLower(absl::StripPrefix(name, prefix));
}

std::string Record(std::initializer_list<absl::string_view> fields) {
  std::string line;
  bool first = true;
  for (absl::string_view field : fields) {
    if (!first) line.push_back(',');
    first = false;
    if (field.find_first_of(",\"\r\n") == absl::string_view::npos) {
      line.append(field.data(), field.size());
    } else {
      absl::StrAppend(&line, "\"", absl::StrReplaceAll(field, {{"\"", "\"\""}}),
                      "\"");
    }
  }
  line.push_back('\n');
  return line;
}

// The shortest decimal that reads back as `value` (std::to_chars), in plain
// notation as the loader requires (no exponent).
std::string ValueField(double value) {
  char buffer[400];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value,
                              std::chars_format::fixed);
  return std::string(buffer, result.ptr);
}

}  // namespace

std::string IndicatorCsvHeader() {
  return "indicator_id,name,unit,unit_multiplier,description,aggregation\n";
}

std::string IndicatorCsvRecord(const v1::Indicator& i) {
  return Record(
      {i.id(), i.name(), i.unit(), absl::StrCat(i.unit_multiplier()),
       i.description(),
       EnumField(v1::Aggregation_Name(i.aggregation()), "AGGREGATION_")});
}

std::string RegionCsvHeader() { return "region_code,name,type,parent_code\n"; }

std::string RegionCsvRecord(const v1::Region& r) {
  return Record({r.code(), r.name(),
                 EnumField(v1::RegionType_Name(r.type()), "REGION_TYPE_"),
                 r.parent_code()});
}

std::string SourceCsvHeader() {
  return "source_id,publisher,title,published,url,reliability,note\n";
}

std::string SourceCsvRecord(const v1::Source& s) {
  return Record({s.id(), s.publisher(), s.title(), s.published(), s.url(),
                 EnumField(v1::SourceReliability_Name(s.reliability()),
                           "SOURCE_RELIABILITY_"),
                 s.note()});
}

std::string ObservationCsvHeader() {
  return "indicator_id,region_code,period,value,qualifier,status,source_ids,"
         "note\n";
}

std::string ObservationCsvRecord(const v1::Observation& o) {
  return Record(
      {o.indicator_id(), o.region_code(), o.period(), ValueField(o.value()),
       EnumField(v1::Qualifier_Name(o.qualifier()), "QUALIFIER_"),
       EnumField(v1::ObservationStatus_Name(o.status()), "OBSERVATION_STATUS_"),
       absl::StrJoin(o.source_ids(), ";"), o.note()});
}

}  // namespace indicators::client
