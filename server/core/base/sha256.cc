#include "server/core/base/sha256.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"

namespace indicators {

struct Sha256::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr);
}

Sha256::~Sha256() = default;

Sha256& Sha256::Update(absl::string_view bytes) {
  EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size());
  return *this;
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_->ctx, digest, &length);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string Sha256Hex(absl::string_view bytes) {
  return Sha256().Update(bytes).HexDigest();
}

}  // namespace indicators
