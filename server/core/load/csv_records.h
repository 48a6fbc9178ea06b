#ifndef INDICATORS_SERVER_CORE_LOAD_CSV_RECORDS_H_
#define INDICATORS_SERVER_CORE_LOAD_CSV_RECORDS_H_

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/base/csv_reader.h"

namespace indicators {

// The CSV records of one dataset file, read one at a time (`CsvReader`'s
// format, fields and errors), from text in memory or from a file a chunk at a
// time.
class CsvRecords {
 public:
  virtual ~CsvRecords() = default;
  // Reads the next record into `fields` (views valid until the next call);
  // false at the end, INVALID_ARGUMENT for malformed quoting.
  virtual absl::StatusOr<bool> Next(std::vector<absl::string_view>* fields) = 0;
  // Returns the 1-based line on which the last record read starts.
  virtual int line() const = 0;
  // Returns whether the text holding the last record is all valid UTF-8 (then
  // its fields need no check of their own).
  virtual bool utf8() const = 0;
  // Returns at least the number of records (the lines plus one), so that a
  // caller can size its tables once instead of growing them.
  virtual size_t MaxRecords() const = 0;
};

// The records of a text held in memory; `text` must outlive them.
class TextCsvRecords final : public CsvRecords {
 public:
  TextCsvRecords(absl::string_view file_name, absl::string_view text);
  absl::StatusOr<bool> Next(std::vector<absl::string_view>* fields) override {
    return reader_.Next(fields);
  }
  int line() const override { return reader_.line(); }
  bool utf8() const override { return utf8_; }
  size_t MaxRecords() const override;

 private:
  absl::string_view text_;
  CsvReader reader_;
  bool utf8_;
};

// The records of a file, read `chunk_bytes` at a time (more for a record
// longer than that): memory holds one chunk, never the whole file.
class FileCsvRecords final : public CsvRecords {
 public:
  // Opens `path`; NOT_FOUND if it cannot be opened. `file_name` prefixes
  // error messages.
  static absl::StatusOr<std::unique_ptr<FileCsvRecords>> Open(
      const std::string& path, std::string file_name,
      size_t chunk_bytes = size_t{8} << 20);
  ~FileCsvRecords() override;

  absl::StatusOr<bool> Next(std::vector<absl::string_view>* fields) override;
  int line() const override { return reader_ ? reader_->line() : 0; }
  bool utf8() const override { return utf8_; }
  // Reads the file once more to count its lines (from the page cache, a
  // small fraction of parsing it).
  size_t MaxRecords() const override;

 private:
  FileCsvRecords(std::FILE* file, std::string path, std::string file_name,
                 size_t chunk_bytes);
  // Drops the records read, reads on until the buffer holds at least one
  // whole record (or the file's end) and starts a reader over the whole
  // records. Returns false at the end of the file.
  absl::StatusOr<bool> Refill();

  std::FILE* file_;
  const std::string path_;
  const std::string file_name_;
  size_t chunk_bytes_;
  std::string buffer_;
  size_t whole_ = 0;  // Bytes of `buffer_` that are whole records.
  bool at_end_ = false;
  int next_line_ = 1;
  std::optional<CsvReader> reader_;
  bool utf8_ = true;
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_LOAD_CSV_RECORDS_H_
