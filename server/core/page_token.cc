#include "server/core/page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
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

std::string Fingerprint(absl::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), kFingerprintSize);
}

std::string Tag(const std::string& key, absl::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac,
       &length);
  return std::string(reinterpret_cast<const char*>(mac), kTagSize);
}

}  // namespace

PageTokenCodec PageTokenCodec::WithRandomKey() {
  std::string key(32, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(key.data()),
             static_cast<int>(key.size()));
  return PageTokenCodec(std::move(key));
}

std::string PageTokenCodec::Encode(const TokenScope& scope,
                                   uint64_t position) const {
  std::string body(1, kFormat);
  body += Fingerprint(scope.dataset_version);
  body += Fingerprint(scope.request);
  for (int i = 0; i < 8; ++i) {
    body.push_back(static_cast<char>((position >> (8 * i)) & 0xff));
  }
  body += Tag(key_, body);
  return absl::WebSafeBase64Escape(body);
}

absl::StatusOr<uint64_t> PageTokenCodec::Decode(absl::string_view field,
                                                absl::string_view token,
                                                const TokenScope& scope) const {
  std::string body;
  if (!absl::WebSafeBase64Unescape(token, &body) || body.size() != kTokenSize ||
      body[0] != kFormat ||
      CRYPTO_memcmp(
          Tag(key_, absl::string_view(body).substr(0, kTokenSize - kTagSize))
              .data(),
          body.data() + kTokenSize - kTagSize, kTagSize) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        ": not a page token issued by this service (altered or "
        "truncated); pass the next_page_token of the previous page"));
  }
  if (body.compare(1, kFingerprintSize, Fingerprint(scope.dataset_version)) !=
      0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": was issued for another dataset version; now serving ",
        scope.dataset_version, ", restart from the first page"));
  }
  if (body.compare(1 + kFingerprintSize, kFingerprintSize,
                   Fingerprint(scope.request)) != 0) {
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
