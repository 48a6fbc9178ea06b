#ifndef INDICATORS_SERVER_CORE_BASE_SHA256_H_
#define INDICATORS_SERVER_CORE_BASE_SHA256_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace indicators {

// An incremental SHA-256 (OpenSSL's), for content versions and token hashes.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // Adds `bytes` to the hashed input.
  Sha256& Update(absl::string_view bytes);
  // Returns the lowercase hex digest of everything added; call it once.
  std::string HexDigest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// Returns the lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(absl::string_view bytes);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_BASE_SHA256_H_
