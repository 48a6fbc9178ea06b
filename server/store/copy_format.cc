#include "server/store/copy_format.h"

#include "absl/strings/str_cat.h"

namespace indicators::store {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// One loop over the bytes of a line, escapes decoded as they come: kept as
// one function, like the CSV reader, since it runs on every byte a replica
// loads from PostgreSQL.
absl::Status DecodeCopyLine(absl::string_view line,
                            std::vector<std::string>* fields) {
  size_t count = 0;
  auto next_field = [&]() -> std::string& {
    if (fields->size() <= count) fields->emplace_back();
    std::string& field = (*fields)[count++];
    field.clear();
    return field;
  };
  std::string* field = &next_field();
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\t') {
      field = &next_field();
      continue;
    }
    if (c != '\\') {
      field->push_back(c);
      continue;
    }
    if (++i == line.size()) {
      return absl::InvalidArgumentError("COPY line ends in a backslash");
    }
    switch (const char e = line[i]) {
      case 'N':
        break;  // NULL: an empty field.
      case 'b':
        field->push_back('\b');
        break;
      case 'f':
        field->push_back('\f');
        break;
      case 'n':
        field->push_back('\n');
        break;
      case 'r':
        field->push_back('\r');
        break;
      case 't':
        field->push_back('\t');
        break;
      case 'v':
        field->push_back('\v');
        break;
      case 'x': {
        int value = 0, digits = 0;
        while (digits < 2 && i + 1 < line.size() &&
               HexDigit(line[i + 1]) >= 0) {
          value = value * 16 + HexDigit(line[++i]);
          ++digits;
        }
        if (digits == 0) {
          return absl::InvalidArgumentError("COPY line has \\x without digits");
        }
        field->push_back(static_cast<char>(value));
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int value = e - '0';
          for (int digits = 1; digits < 3 && i + 1 < line.size() &&
                               line[i + 1] >= '0' && line[i + 1] <= '7';
               ++digits) {
            value = value * 8 + (line[++i] - '0');
          }
          field->push_back(static_cast<char>(value));
        } else {
          field->push_back(e);  // `\\` and any other escaped character.
        }
    }
  }
  fields->resize(count);
  return absl::OkStatus();
}

}  // namespace indicators::store
