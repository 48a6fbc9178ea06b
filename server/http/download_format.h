#ifndef INDICATORS_SERVER_HTTP_DOWNLOAD_FORMAT_H_
#define INDICATORS_SERVER_HTTP_DOWNLOAD_FORMAT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "indicators/v1/indicator_service.pb.h"

namespace indicators::http {

// The formats observations download in, each written a stream message at a
// time (nothing is held but the message being written):
//   csv       the dataset's own observations.csv layout (README), which
//             loads again as a dataset; values as published only
//   json      {"observations": [...], "datasetVersion", "warnings"}, each
//             observation in protobuf's JSON mapping (units, qualifier,
//             status, sources, derivation, conversion)
//   sdmx.csv  SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, the dimensions
//             FREQ, INDICATOR, REF_AREA, TIME_PERIOD, the measure OBS_VALUE
//             and the attributes UNIT_MEASURE, UNIT_MULT, OBS_STATUS (SDMX's
//             CL_OBS_STATUS codes A, P, E), OBS_QUALIFIER (exact, about,
//             over, under, nearly), SOURCE (ids, ';'-separated), OBS_COM
enum class DownloadFormat { kCsv, kJson, kSdmxCsv };

// Returns the format of a download path's file name ("observations.csv"),
// or nullopt.
std::optional<DownloadFormat> DownloadFormatOf(absl::string_view file_name);

// The media type and the file name extension of `format`.
absl::string_view MediaTypeOf(DownloadFormat format);
absl::string_view ExtensionOf(DownloadFormat format);

// What comes before the first observation.
std::string DownloadStart(DownloadFormat format);
// The observations of one stream message; `written` is how many came
// before it.
std::string DownloadRows(DownloadFormat format,
                         const v1::StreamObservationsResponse& message,
                         size_t written);
// What comes after the last observation.
std::string DownloadEnd(DownloadFormat format, absl::string_view version,
                        const v1::StreamObservationsResponse& warnings);

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_DOWNLOAD_FORMAT_H_
