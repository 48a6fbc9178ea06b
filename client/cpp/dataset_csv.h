#ifndef INDICATORS_CLIENT_CPP_DATASET_CSV_H_
#define INDICATORS_CLIENT_CPP_DATASET_CSV_H_

#include <string>

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

}  // namespace indicators::client

#endif  // INDICATORS_CLIENT_CPP_DATASET_CSV_H_
