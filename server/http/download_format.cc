#include "server/http/download_format.h"

#include <charconv>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "client/cpp/dataset_csv.h"
#include "google/protobuf/util/json_util.h"
#include "server/core/base/csv_writer.h"

namespace indicators::http {
namespace {

constexpr char kSdmxHeader[] =
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,INDICATOR,REF_AREA,TIME_PERIOD,"
    "OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS,OBS_QUALIFIER,SOURCE,"
    "OBS_COM\n";
constexpr char kSdmxStructureId[] = "INDICATORS:DF_INDICATORS(1.0.0)";

// The fewest digits that read back as the same double.
std::string Shortest(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// SDMX's CL_OBS_STATUS code of a status.
absl::string_view SdmxStatus(v1::ObservationStatus status) {
  switch (status) {
    case v1::OBSERVATION_STATUS_FINAL:
      return "A";
    case v1::OBSERVATION_STATUS_PRELIMINARY:
      return "P";
    case v1::OBSERVATION_STATUS_ESTIMATE:
      return "E";
    default:
      return "";
  }
}

std::string QualifierName(v1::Qualifier qualifier) {
  absl::string_view name = v1::Qualifier_Name(qualifier);
  absl::ConsumePrefix(&name, "QUALIFIER_");
  return absl::AsciiStrToLower(name);
}

std::string SdmxRecord(const v1::Observation& o) {
  const std::string value = Shortest(o.value());
  const std::string multiplier = absl::StrCat(o.unit_multiplier());
  const std::string qualifier = QualifierName(o.qualifier());
  const std::string sources = absl::StrJoin(o.source_ids(), ";");
  std::string out;
  AppendCsvRecord(
      {"dataflow", kSdmxStructureId, "I", o.period().size() == 4 ? "A" : "M",
       o.indicator_id(), o.region_code(), o.period(), value, o.unit(),
       multiplier, SdmxStatus(o.status()), qualifier, sources, o.note()},
      &out);
  return out;
}

std::string Json(const google::protobuf::Message& message) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json);
  return json;
}

}  // namespace

std::optional<DownloadFormat> DownloadFormatOf(absl::string_view file_name) {
  if (file_name == "observations.csv") return DownloadFormat::kCsv;
  if (file_name == "observations.json") return DownloadFormat::kJson;
  if (file_name == "observations.sdmx.csv") return DownloadFormat::kSdmxCsv;
  return std::nullopt;
}

absl::string_view MediaTypeOf(DownloadFormat format) {
  switch (format) {
    case DownloadFormat::kCsv:
      return "text/csv; charset=utf-8; header=present";
    case DownloadFormat::kJson:
      return "application/json";
    case DownloadFormat::kSdmxCsv:
      return "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8";
  }
  return "application/octet-stream";
}

absl::string_view ExtensionOf(DownloadFormat format) {
  switch (format) {
    case DownloadFormat::kCsv:
      return "csv";
    case DownloadFormat::kJson:
      return "json";
    case DownloadFormat::kSdmxCsv:
      return "sdmx.csv";
  }
  return "";
}

std::string DownloadStart(DownloadFormat format) {
  switch (format) {
    case DownloadFormat::kCsv:
      return client::ObservationCsvHeader();
    case DownloadFormat::kJson:
      return "{\"observations\":[";
    case DownloadFormat::kSdmxCsv:
      return kSdmxHeader;
  }
  return "";
}

std::string DownloadRows(DownloadFormat format,
                         const v1::StreamObservationsResponse& message,
                         size_t written) {
  std::string out;
  for (const v1::Observation& o : message.observations()) {
    switch (format) {
      case DownloadFormat::kCsv:
        out += client::ObservationCsvRecord(o);
        break;
      case DownloadFormat::kJson:
        if (written++ > 0) out.push_back(',');
        out += Json(o);
        break;
      case DownloadFormat::kSdmxCsv:
        out += SdmxRecord(o);
        break;
    }
  }
  return out;
}

std::string DownloadEnd(DownloadFormat format, absl::string_view version,
                        const v1::StreamObservationsResponse& warnings) {
  if (format != DownloadFormat::kJson) return "";
  std::vector<std::string> listed;
  for (const v1::ComparabilityWarning& w : warnings.warnings()) {
    listed.push_back(Json(w));
  }
  return absl::StrCat("],\"datasetVersion\":\"", version, "\",\"warnings\":[",
                      absl::StrJoin(listed, ","), "]}");
}

}  // namespace indicators::http
