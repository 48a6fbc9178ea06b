#include "server/core/base/csv_reader.h"

#include <array>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace indicators {
namespace {

// The bytes that end an unquoted field: a comma, a newline, or a quote (an
// error there).
constexpr std::array<bool, 256> kEndsField = [] {
  std::array<bool, 256> ends{};
  ends[','] = ends['\n'] = ends['"'] = true;
  return ends;
}();

}  // namespace

CsvReader::CsvReader(absl::string_view file_name, absl::string_view text,
                     int first_line)
    : file_name_(file_name), text_(text), line_(first_line) {
  if (first_line == 1 && absl::StartsWith(text_, "\xEF\xBB\xBF")) pos_ = 3;
}

absl::Status CsvReader::Error(int column, absl::string_view what) const {
  return absl::InvalidArgumentError(
      absl::StrCat(file_name_, ":", line_, ": column ", column, ": ", what));
}

// One loop over the bytes of a record, as one state machine (field start,
// unquoted, quoted, quote seen): split into functions, the states would have
// to be passed between them on every byte of the load.
absl::StatusOr<bool> CsvReader::Next(std::vector<absl::string_view>* fields) {
  fields->clear();
  unescaped_.clear();
  if (pos_ >= text_.size()) return false;
  record_line_ = line_;
  const size_t n = text_.size();
  while (true) {
    const int column = static_cast<int>(fields->size()) + 1;
    if (pos_ < n && text_[pos_] == '"') {
      // Quoted field: runs to the next quote that is not doubled.
      ++pos_;
      const size_t start = pos_;
      bool escaped = false;
      while (true) {
        const size_t quote = text_.find('"', pos_);
        if (quote == absl::string_view::npos) {
          return Error(column, "quoted field has no closing quote");
        }
        for (size_t i = pos_; i < quote; ++i) line_ += text_[i] == '\n';
        if (quote + 1 < n && text_[quote + 1] == '"') {
          escaped = true;
          pos_ = quote + 2;
          continue;
        }
        absl::string_view raw = text_.substr(start, quote - start);
        if (escaped) {
          std::string& out = unescaped_.emplace_back();
          out.reserve(raw.size());
          for (size_t i = 0; i < raw.size(); ++i) {
            out.push_back(raw[i]);
            if (raw[i] == '"') ++i;  // Skip the second quote of a pair.
          }
          raw = out;
        }
        fields->push_back(raw);
        pos_ = quote + 1;
        break;
      }
      if (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\n' &&
          !(text_[pos_] == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n')) {
        return Error(column, "unexpected character after a closing quote");
      }
    } else {
      // A plain loop over a table of the bytes that end a field: far faster
      // than find_first_of for short fields.
      size_t end = pos_;
      const char* text = text_.data();
      while (end < n && !kEndsField[static_cast<uint8_t>(text[end])]) ++end;
      if (end < n && text_[end] == '"') {
        return Error(column, "quote inside an unquoted field");
      }
      size_t field_end = end;
      if (field_end > pos_ && text_[field_end - 1] == '\r' &&
          (field_end == n || text_[field_end] == '\n')) {
        --field_end;
      }
      fields->push_back(text_.substr(pos_, field_end - pos_));
      pos_ = end;
    }
    if (pos_ >= n) return true;
    if (text_[pos_] == ',') {
      ++pos_;
      continue;
    }
    if (text_[pos_] == '\r') ++pos_;
    ++pos_;  // The '\n' ending the record.
    ++line_;
    return true;
  }
}

}  // namespace indicators
