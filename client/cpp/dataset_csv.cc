#include "client/cpp/dataset_csv.h"

#include <charconv>
#include <initializer_list>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
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

absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(
    const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, field_started = false;
  int line = 1, record_line = 1;
  auto end_record = [&] {
    if (field_started || !record.empty() || !field.empty()) {
      record.push_back(std::move(field));
      records.push_back(std::move(record));
    }
    record.clear();
    field.clear();
    field_started = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = field_started = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      field_started = true;
    } else if (c == '\n') {
      end_record();
      record_line = ++line;
    } else if (c != '\r' || i + 1 >= text.size() || text[i + 1] != '\n') {
      field.push_back(c);
      field_started = true;
    }
  }
  if (quoted) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", record_line, ": a quoted field is not closed"));
  }
  end_record();
  return records;
}

namespace {

// Returns the enum value whose CSV name is `text` (`about` ->
// QUALIFIER_ABOUT), or INVALID_ARGUMENT naming `column`.
template <typename Enum>
absl::StatusOr<Enum> EnumFromCsv(const google::protobuf::EnumDescriptor* type,
                                 absl::string_view prefix,
                                 absl::string_view column,
                                 const std::string& text) {
  const google::protobuf::EnumValueDescriptor* value =
      type->FindValueByName(absl::StrCat(prefix, absl::AsciiStrToUpper(text)));
  if (value == nullptr || value->number() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(column, ": \"", text, "\" is not a known value"));
  }
  return static_cast<Enum>(value->number());
}

}  // namespace

absl::StatusOr<v1::Observation> ObservationFromCsv(
    const std::vector<std::string>& f) {
  if (f.size() != 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("has ", f.size(), " columns; expected 8"));
  }
  v1::Observation o;
  o.set_indicator_id(f[0]);
  o.set_region_code(f[1]);
  o.set_period(f[2]);
  double value = 0;
  auto [end, error] =
      std::from_chars(f[3].data(), f[3].data() + f[3].size(), value);
  if (f[3].empty() || error != std::errc() ||
      end != f[3].data() + f[3].size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("value: \"", f[3], "\" is not a number"));
  }
  o.set_value(value);
  auto qualifier = EnumFromCsv<v1::Qualifier>(v1::Qualifier_descriptor(),
                                              "QUALIFIER_", "qualifier", f[4]);
  if (!qualifier.ok()) return qualifier.status();
  o.set_qualifier(*qualifier);
  auto status =
      EnumFromCsv<v1::ObservationStatus>(v1::ObservationStatus_descriptor(),
                                         "OBSERVATION_STATUS_", "status", f[5]);
  if (!status.ok()) return status.status();
  o.set_status(*status);
  for (absl::string_view id : absl::StrSplit(f[6], ';', absl::SkipEmpty())) {
    o.add_source_ids(std::string(id));
  }
  o.set_note(f[7]);
  return o;
}

absl::StatusOr<v1::Source> SourceFromCsv(const std::vector<std::string>& f) {
  if (f.size() != 7) {
    return absl::InvalidArgumentError(
        absl::StrCat("has ", f.size(), " columns; expected 7"));
  }
  v1::Source s;
  s.set_id(f[0]);
  s.set_publisher(f[1]);
  s.set_title(f[2]);
  s.set_published(f[3]);
  s.set_url(f[4]);
  auto reliability = EnumFromCsv<v1::SourceReliability>(
      v1::SourceReliability_descriptor(), "SOURCE_RELIABILITY_", "reliability",
      f[5]);
  if (!reliability.ok()) return reliability.status();
  s.set_reliability(*reliability);
  s.set_note(f[6]);
  return s;
}

}  // namespace indicators::client
