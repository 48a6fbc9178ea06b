#ifndef INDICATORS_SERVER_CORE_DATASET_RECORDS_H_
#define INDICATORS_SERVER_CORE_DATASET_RECORDS_H_

// The rows of the dataset's files as named text fields, spelled as in the
// files (numbers in their decimal spelling, enums by their CSV names such as
// `about` or `official_mirror`): what an ingest batch holds, what the store
// keeps and reads back, and what the loader's checks see. The column order of
// each file is written here and in `kDatasetHeaders` only.

#include <string>
#include <vector>

namespace indicators {

// A row of observations.csv.
struct ObservationRecord {
  std::string indicator_id;
  std::string region_code;
  std::string period;
  std::string value;
  std::string qualifier;
  std::string status;
  std::vector<std::string> source_ids;  // Joined by ';' in the file.
  std::string note;
};

// A row of sources.csv.
struct SourceRecord {
  std::string id;
  std::string publisher;
  std::string title;
  std::string published;  // YYYY-MM-DD, or empty.
  std::string url;
  std::string reliability;
  std::string note;
};

// Appends `record` to `out` as one CSV line (RFC 4180, LF) in its file's
// column order.
void AppendCsvRecord(const ObservationRecord& record, std::string* out);
void AppendCsvRecord(const SourceRecord& record, std::string* out);

// Returns `record` as one CSV line, without the LF.
std::string CsvLine(const ObservationRecord& record);
std::string CsvLine(const SourceRecord& record);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_DATASET_RECORDS_H_
