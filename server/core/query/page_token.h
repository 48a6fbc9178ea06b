#ifndef INDICATORS_SERVER_CORE_QUERY_PAGE_TOKEN_H_
#define INDICATORS_SERVER_CORE_QUERY_PAGE_TOKEN_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace indicators {

// What a page token is bound to: the dataset version that issued it and a
// canonical description of the request without its paging fields.
struct TokenScope {
  absl::string_view dataset_version;
  absl::string_view request;
};

// Encodes and checks opaque page tokens (AIP-158). A token carries a resume
// position and 8-byte SHA-256 fingerprints of its scope's version and
// request, signed with a 128-bit HMAC-SHA256 tag, in URL-safe base64. Without
// the key nobody can forge one. The tag is checked before anything else is
// read, so a token altered in any bit is INVALID_PAGE_TOKEN; a genuine one
// used with another dataset version is STALE_PAGE_TOKEN, with another request
// PAGE_TOKEN_MISMATCH (all INVALID_ARGUMENT).
class PageTokenCodec {
 public:
  // Uses `key` (any length; 32 random bytes is right) to sign tokens. Servers
  // that share a key accept each other's tokens.
  explicit PageTokenCodec(absl::string_view key);
  // Returns a codec with a fresh random key.
  static PageTokenCodec WithRandomKey();

  std::string Encode(const TokenScope& scope, uint64_t position) const;
  // Returns the position in `token`, or INVALID_ARGUMENT naming `field` and
  // why the token is not valid for `scope`.
  absl::StatusOr<uint64_t> Decode(absl::string_view field,
                                  absl::string_view token,
                                  const TokenScope& scope) const;

 private:
  // OpenSSL objects prepared once: looking algorithms up by name on every
  // token costs more than the hashing itself. Shared, immutable, thread-safe.
  struct Crypto;
  std::shared_ptr<const Crypto> crypto_;
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_QUERY_PAGE_TOKEN_H_
