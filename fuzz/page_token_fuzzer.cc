// Fuzzes the page-token codec: any string must decode to an error or to the
// position it was encoded with, never crash; a token that decodes must be the
// codec's own encoding (tokens cannot be forged).

#include <cstddef>
#include <cstdint>
#include <string>

#include "server/core/query/page_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const indicators::PageTokenCodec codec(
      "fuzzing key of thirty-two bytes!");
  const indicators::TokenScope scope{"version", "request"};
  const std::string token(reinterpret_cast<const char*>(data), size);
  auto position = codec.Decode("page_token", token, scope);
  if (position.ok() && codec.Encode(scope, *position) != token)
    __builtin_trap();
  // Round trip of a position taken from the input.
  uint64_t p = 0;
  for (size_t i = 0; i < size && i < 8; ++i) p = p << 8 | data[i];
  auto back = codec.Decode("page_token", codec.Encode(scope, p), scope);
  if (!back.ok() || *back != p) __builtin_trap();
  return 0;
}
