#include "server/core/query/page_token.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/core/base/errors.h"

namespace indicators {
namespace {

constexpr char kFormat = 3;  // 3: positions in the scan sequence.
constexpr size_t kTagSize = 16;
// The body: format, version fingerprint, request fingerprint, position.
constexpr size_t kBodySize = 1 + 8 + 8 + 8;
constexpr size_t kTokenSize = kBodySize + kTagSize;

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
  EVP_MD* sha256 = nullptr;

  ~Crypto() {
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(hmac);
    EVP_MD_free(sha256);
  }

  // Returns the tag of a token body: HMAC-SHA256 over the body, cut to
  // `kTagSize` bytes. The body holds the scope's fingerprints, so the tag
  // binds the position to the scope.
  std::string Tag(absl::string_view body) const {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed);
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(body.data()),
                   body.size());
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t length = 0;
    EVP_MAC_final(ctx, mac, &length, sizeof(mac));
    EVP_MAC_CTX_free(ctx);
    return std::string(reinterpret_cast<const char*>(mac), kTagSize);
  }

  // Returns `Fingerprint(version)`, remembering the last version each thread
  // saw: every token of a dataset version shares it.
  uint64_t VersionFingerprint(absl::string_view version) const {
    thread_local std::string last_version;
    thread_local uint64_t last_fingerprint = 0;
    if (version != last_version) {
      last_fingerprint = Fingerprint(version);
      last_version = std::string(version);
    }
    return last_fingerprint;
  }

  // Returns the first 8 bytes of SHA-256(`text`) as a number: a fingerprint
  // that nobody can match with another text (a second preimage costs 2^64).
  uint64_t Fingerprint(absl::string_view text) const {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, sha256, nullptr);
    return ReadLittleEndian(
        absl::string_view(reinterpret_cast<const char*>(digest), 8));
  }
};

PageTokenCodec::PageTokenCodec(absl::string_view key) {
  auto crypto = std::make_shared<Crypto>();
  crypto->hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  crypto->keyed = EVP_MAC_CTX_new(crypto->hmac);
  crypto->sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
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
  AppendLittleEndian(crypto_->VersionFingerprint(scope.dataset_version), &body);
  AppendLittleEndian(crypto_->Fingerprint(scope.request), &body);
  AppendLittleEndian(position, &body);
  body += crypto_->Tag(body);
  return absl::WebSafeBase64Escape(body);
}

absl::StatusOr<uint64_t> PageTokenCodec::Decode(absl::string_view field,
                                                absl::string_view token,
                                                const TokenScope& scope) const {
  // The signature is checked before anything in the token is read: an
  // altered token is only ever "not a page token", whatever bit changed.
  std::string bytes;
  const bool signed_by_us =
      absl::WebSafeBase64Unescape(token, &bytes) &&
      bytes.size() == kTokenSize && bytes[0] == kFormat &&
      CRYPTO_memcmp(
          crypto_->Tag(absl::string_view(bytes).substr(0, kBodySize)).data(),
          bytes.data() + kBodySize, kTagSize) == 0;
  if (!signed_by_us) {
    return InvalidField(reason::kInvalidPageToken, field,
                        "not a page token issued by this service (altered or "
                        "truncated); pass the next_page_token of the previous "
                        "page");
  }
  const absl::string_view body(bytes);
  if (ReadLittleEndian(body.substr(1, 8)) !=
      crypto_->VersionFingerprint(scope.dataset_version)) {
    return InvalidField(
        reason::kStalePageToken, field,
        absl::StrCat("was issued for another dataset version; now serving ",
                     scope.dataset_version, ", restart from the first page"));
  }
  if (ReadLittleEndian(body.substr(9, 8)) !=
      crypto_->Fingerprint(scope.request)) {
    return InvalidField(reason::kPageTokenMismatch, field,
                        "was issued for a different request; keep every field "
                        "but page_size and page_token the same between pages");
  }
  return ReadLittleEndian(body.substr(17, 8));
}

}  // namespace indicators
