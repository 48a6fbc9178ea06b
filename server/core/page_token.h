#ifndef INDICATORS_SERVER_CORE_PAGE_TOKEN_H_
#define INDICATORS_SERVER_CORE_PAGE_TOKEN_H_

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
// position, 8-byte fingerprints of its scope (to say why a token no longer
// fits) and a 128-bit HMAC-SHA256 tag over all of it and the whole scope, in
// URL-safe base64. Without the key nobody can forge one; a token
// altered in any bit, or used with another request or dataset version, is
// rejected with INVALID_ARGUMENT.
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

#endif  // INDICATORS_SERVER_CORE_PAGE_TOKEN_H_
