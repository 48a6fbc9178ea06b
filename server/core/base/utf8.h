#ifndef INDICATORS_SERVER_CORE_BASE_UTF8_H_
#define INDICATORS_SERVER_CORE_BASE_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace indicators {

// Returns the offset of the first byte of `text` that is not part of a valid
// UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF), or `text.size()` if all of it is valid.
size_t FirstInvalidUtf8(absl::string_view text);

inline bool IsValidUtf8(absl::string_view text) {
  return FirstInvalidUtf8(text) == text.size();
}

// Returns the longest prefix of `text` of at most `max_bytes` bytes that ends
// on a character boundary (for valid UTF-8; invalid bytes count as one each).
absl::string_view Utf8Prefix(absl::string_view text, size_t max_bytes);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_BASE_UTF8_H_
