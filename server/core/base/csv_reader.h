#ifndef INDICATORS_SERVER_CORE_BASE_CSV_READER_H_
#define INDICATORS_SERVER_CORE_BASE_CSV_READER_H_

#include <deque>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace indicators {

// Reads RFC 4180 CSV records from text held in memory: comma-separated fields,
// optional double quotes with "" as an escaped quote, LF or CRLF line ends,
// quoted fields may span lines. A leading UTF-8 byte-order mark is skipped.
// Fields are views into the text (or into the reader for fields with escaped
// quotes) and stay valid until the next call to `Next`.
class CsvReader {
 public:
  // `text` must outlive the reader; `file_name` prefixes error messages.
  // `first_line` numbers the text's first line; a byte-order mark is skipped
  // only where the text is a file's start (`first_line` 1).
  CsvReader(absl::string_view file_name, absl::string_view text,
            int first_line = 1);

  // Reads the next record into `fields`. Returns false at the end of the text,
  // or INVALID_ARGUMENT naming the file, line and column of malformed quoting.
  absl::StatusOr<bool> Next(std::vector<absl::string_view>* fields);

  // Returns the 1-based line on which the last record read starts.
  int line() const { return record_line_; }
  // Returns the line on which the next record would start.
  int next_line() const { return line_; }

 private:
  absl::Status Error(int column, absl::string_view what) const;

  std::string file_name_;
  absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  int record_line_ = 0;
  std::deque<std::string> unescaped_;
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_BASE_CSV_READER_H_
