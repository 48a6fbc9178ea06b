#ifndef INDICATORS_CLIENT_CPP_DATASET_CSV_H_
#define INDICATORS_CLIENT_CPP_DATASET_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "indicators/v1/resources.pb.h"

namespace indicators::client {

// Writes messages as records of the bundled dataset's four CSV files (the
// layout of `data/` described in README.md), so that what a server serves
// can be loaded again as a dataset: `indicators-client --format=csv`.
//
// Each `...CsvHeader()` is the file's header line and each `...CsvRecord` one
// record, both ending in "\n"; fields are quoted as RFC 4180 says when they
// hold a comma, a quote or a line break. Values are written with the fewest
// digits that read back as the same double.
std::string IndicatorCsvHeader();
std::string IndicatorCsvRecord(const v1::Indicator& indicator);
std::string RegionCsvHeader();
std::string RegionCsvRecord(const v1::Region& region);
std::string SourceCsvHeader();
std::string SourceCsvRecord(const v1::Source& source);
std::string ObservationCsvHeader();
std::string ObservationCsvRecord(const v1::Observation& observation);

// Reads `text` (RFC 4180: quoted fields may hold commas, "" and line breaks;
// LF or CRLF) into records; blank lines are skipped. INVALID_ARGUMENT names
// the line of an unterminated quote.
absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(
    const std::string& text);

// Return the message of one record of observations.csv or sources.csv
// (the header's columns, enums by their CSV names, source ids split at ';').
// INVALID_ARGUMENT names the column of a value that cannot be sent (a number
// that is not one, an unknown enum name); everything else is for the server
// to check.
absl::StatusOr<v1::Observation> ObservationFromCsv(
    const std::vector<std::string>& record);
absl::StatusOr<v1::Source> SourceFromCsv(
    const std::vector<std::string>& record);

}  // namespace indicators::client

#endif  // INDICATORS_CLIENT_CPP_DATASET_CSV_H_
