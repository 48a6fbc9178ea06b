#include "server/core/page_token.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/core/errors.h"

namespace indicators {
namespace {

constexpr char kFormat = 1;
constexpr size_t kTagSize = 16;
// format, version fingerprint, request fingerprint, position, tag.
constexpr size_t kTokenSize = 1 + 8 + 8 + 8 + kTagSize;

// A stable 64-bit FNV-1a hash. It only tells which part of a rejected token
// no longer fits; the HMAC alone decides whether a token is valid.
uint64_t Fingerprint(absl::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (char c : text) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  }
  return hash;
}

void AppendLittleEndian(uint64_t value, std::string* out) {
  for (int i = 0; i < 8; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

uint64_t ReadLittleEndian(absl::string_view bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

}  // namespace

struct PageTokenCodec::Crypto {
  EVP_MAC* hmac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;  // Template: HMAC-SHA256 with the key set.

  ~Crypto() {
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(hmac);
  }

  // Returns the tag of a token body in its scope: the HMAC covers the whole
  // version and request text, not only their fingerprints.
  std::string Tag(absl::string_view body, const TokenScope& scope) const {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed);
    for (absl::string_view part : {body, scope.dataset_version,
                                   absl::string_view("\0", 1), scope.request}) {
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()),
                     part.size());
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t length = 0;
    EVP_MAC_final(ctx, mac, &length, sizeof(mac));
    EVP_MAC_CTX_free(ctx);
    return std::string(reinterpret_cast<const char*>(mac), kTagSize);
  }
};

PageTokenCodec::PageTokenCodec(absl::string_view key) {
  auto crypto = std::make_shared<Crypto>();
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
  AppendLittleEndian(Fingerprint(scope.dataset_version), &body);
  AppendLittleEndian(Fingerprint(scope.request), &body);
  AppendLittleEndian(position, &body);
  body += crypto_->Tag(body, scope);
  return absl::WebSafeBase64Escape(body);
}

absl::StatusOr<uint64_t> PageTokenCodec::Decode(absl::string_view field,
                                                absl::string_view token,
                                                const TokenScope& scope) const {
  std::string body;
  const bool well_formed = absl::WebSafeBase64Unescape(token, &body) &&
                           body.size() == kTokenSize && body[0] == kFormat;
  if (well_formed &&
      CRYPTO_memcmp(
          crypto_
              ->Tag(absl::string_view(body).substr(0, kTokenSize - kTagSize),
                    scope)
              .data(),
          body.data() + kTokenSize - kTagSize, kTagSize) == 0) {
    return ReadLittleEndian(absl::string_view(body).substr(1 + 2 * 8, 8));
  }
  // Invalid: say why, as far as the fingerprints tell.
  if (well_formed && ReadLittleEndian(absl::string_view(body).substr(1, 8)) !=
                         Fingerprint(scope.dataset_version)) {
    return InvalidField(
        reason::kStalePageToken, field,
        absl::StrCat("was issued for another dataset version; now serving ",
                     scope.dataset_version, ", restart from the first page"));
  }
  if (well_formed && ReadLittleEndian(absl::string_view(body).substr(9, 8)) !=
                         Fingerprint(scope.request)) {
    return InvalidField(reason::kPageTokenMismatch, field,
                        "was issued for a different request; keep every field "
                        "but page_size and page_token the same between pages");
  }
  return InvalidField(reason::kInvalidPageToken, field,
                      "not a page token issued by this service (altered or "
                      "truncated); pass the next_page_token of the previous "
                      "page");
}

}  // namespace indicators
