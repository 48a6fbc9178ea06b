#include "server/core/page_token.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace indicators {
namespace {

constexpr char kFormat = 1;
constexpr size_t kFingerprintSize = 8;
constexpr size_t kTagSize = 16;
// format, version fingerprint, request fingerprint, position, tag.
constexpr size_t kTokenSize = 1 + 2 * kFingerprintSize + 8 + kTagSize;

}  // namespace

struct PageTokenCodec::Crypto {
  EVP_MD* sha256 = nullptr;
  EVP_MAC* hmac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;  // Template: HMAC-SHA256 with the key set.

  ~Crypto() {
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(hmac);
    EVP_MD_free(sha256);
  }

  std::string Fingerprint(absl::string_view text) const {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, sha256, nullptr);
    return std::string(reinterpret_cast<const char*>(digest), kFingerprintSize);
  }

  std::string Tag(absl::string_view body) const {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed);
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t length = 0;
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(body.data()),
                   body.size());
    EVP_MAC_final(ctx, mac, &length, sizeof(mac));
    EVP_MAC_CTX_free(ctx);
    return std::string(reinterpret_cast<const char*>(mac), kTagSize);
  }
};

PageTokenCodec::PageTokenCodec(absl::string_view key) {
  auto crypto = std::make_shared<Crypto>();
  crypto->sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  crypto->hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  crypto->keyed = EVP_MAC_CTX_new(crypto->hmac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  EVP_MAC_init(crypto->keyed,
               reinterpret_cast<const unsigned char*>(key.data()), key.size(),
               params);
  crypto_ = std::move(crypto);
}

PageTokenCodec PageTokenCodec::WithRandomKey() {
  std::string key(32, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(key.data()),
             static_cast<int>(key.size()));
  return PageTokenCodec(key);
}

std::string PageTokenCodec::Encode(const TokenScope& scope,
                                   uint64_t position) const {
  std::string body(1, kFormat);
  body += crypto_->Fingerprint(scope.dataset_version);
  body += crypto_->Fingerprint(scope.request);
  for (int i = 0; i < 8; ++i) {
    body.push_back(static_cast<char>((position >> (8 * i)) & 0xff));
  }
  body += crypto_->Tag(body);
  return absl::WebSafeBase64Escape(body);
}

absl::StatusOr<uint64_t> PageTokenCodec::Decode(absl::string_view field,
                                                absl::string_view token,
                                                const TokenScope& scope) const {
  std::string body;
  if (!absl::WebSafeBase64Unescape(token, &body) || body.size() != kTokenSize ||
      body[0] != kFormat ||
      CRYPTO_memcmp(
          crypto_->Tag(absl::string_view(body).substr(0, kTokenSize - kTagSize))
              .data(),
          body.data() + kTokenSize - kTagSize, kTagSize) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        ": not a page token issued by this service (altered or "
        "truncated); pass the next_page_token of the previous page"));
  }
  if (body.compare(1, kFingerprintSize,
                   crypto_->Fingerprint(scope.dataset_version)) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": was issued for another dataset version; now serving ",
        scope.dataset_version, ", restart from the first page"));
  }
  if (body.compare(1 + kFingerprintSize, kFingerprintSize,
                   crypto_->Fingerprint(scope.request)) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        ": was issued for a different request; keep every field but "
        "page_size and page_token the same between pages"));
  }
  uint64_t position = 0;
  for (int i = 7; i >= 0; --i) {
    position = (position << 8) |
               static_cast<unsigned char>(body[1 + 2 * kFingerprintSize + i]);
  }
  return position;
}

}  // namespace indicators
