#include "server/core/load/csv_records.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "server/core/base/utf8.h"

namespace indicators {
namespace {

// Returns the length of the longest prefix of `text` made of whole records:
// up to and including the last newline outside quotes (`text` starts at a
// record's start, outside quotes). 0 if there is none.
size_t WholeRecordsLength(absl::string_view text) {
  // Without quotes (most chunks), records end at the last newline.
  if (std::memchr(text.data(), '"', text.size()) == nullptr) {
    const void* last = memrchr(text.data(), '\n', text.size());
    return last == nullptr ? 0
                           : static_cast<const char*>(last) - text.data() + 1;
  }
  bool quoted = false;
  size_t whole = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') quoted = !quoted;  // A doubled quote toggles twice.
    if (c == '\n' && !quoted) whole = i + 1;
  }
  return whole;
}

}  // namespace

TextCsvRecords::TextCsvRecords(absl::string_view file_name,
                               absl::string_view text)
    : text_(text), reader_(file_name, text), utf8_(IsValidUtf8(text)) {}

size_t TextCsvRecords::MaxRecords() const {
  return static_cast<size_t>(std::count(text_.begin(), text_.end(), '\n')) + 1;
}

size_t FileCsvRecords::MaxRecords() const {
  std::FILE* file = std::fopen(path_.c_str(), "rb");
  if (file == nullptr) return 0;
  std::string chunk(size_t{1} << 20, '\0');
  size_t lines = 1, got;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), file)) > 0) {
    lines +=
        static_cast<size_t>(std::count(chunk.data(), chunk.data() + got, '\n'));
  }
  std::fclose(file);
  return lines;
}

absl::StatusOr<std::unique_ptr<FileCsvRecords>> FileCsvRecords::Open(
    const std::string& path, std::string file_name, size_t chunk_bytes) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  return std::unique_ptr<FileCsvRecords>(
      new FileCsvRecords(file, path, std::move(file_name), chunk_bytes));
}

FileCsvRecords::FileCsvRecords(std::FILE* file, std::string path,
                               std::string file_name, size_t chunk_bytes)
    : file_(file),
      path_(std::move(path)),
      file_name_(std::move(file_name)),
      chunk_bytes_(chunk_bytes) {}

FileCsvRecords::~FileCsvRecords() { std::fclose(file_); }

absl::StatusOr<bool> FileCsvRecords::Next(
    std::vector<absl::string_view>* fields) {
  while (true) {
    if (reader_.has_value()) {
      absl::StatusOr<bool> more = reader_->Next(fields);
      if (!more.ok() || *more) return more;
      next_line_ = reader_->next_line();
    }
    absl::StatusOr<bool> refilled = Refill();
    if (!refilled.ok() || !*refilled) return refilled;
  }
}

absl::StatusOr<bool> FileCsvRecords::Refill() {
  reader_.reset();
  buffer_.erase(0, whole_);
  whole_ = 0;
  while (!at_end_) {
    const size_t had = buffer_.size();
    buffer_.resize(had + chunk_bytes_);
    const size_t got = std::fread(buffer_.data() + had, 1, chunk_bytes_, file_);
    buffer_.resize(had + got);
    if (got < chunk_bytes_) {
      if (std::ferror(file_)) {
        return absl::DataLossError(absl::StrCat("cannot read ", path_));
      }
      at_end_ = true;
    }
    whole_ = at_end_ ? buffer_.size() : WholeRecordsLength(buffer_);
    if (whole_ > 0) break;
  }
  if (at_end_) whole_ = buffer_.size();
  if (whole_ == 0) return false;
  const absl::string_view records(buffer_.data(), whole_);
  // Records end at a newline, an ASCII byte, so no UTF-8 sequence straddles
  // two chunks.
  utf8_ = IsValidUtf8(records);
  reader_.emplace(file_name_, records, next_line_);
  return true;
}

}  // namespace indicators
