#include "server/http/connect_envelope.h"

#include "absl/strings/str_cat.h"

namespace indicators::http {

std::string Envelope(uint8_t flags, absl::string_view payload) {
  const auto n = static_cast<uint32_t>(payload.size());
  std::string out;
  out.reserve(5 + payload.size());
  out.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  out.append(payload.data(), payload.size());
  return out;
}

absl::StatusOr<std::string> OnlyEnvelopePayload(absl::string_view body) {
  if (body.size() < 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request: a stream's request is one enveloped message (5 bytes of "
        "header, then the message); got ",
        body.size(), " bytes"));
  }
  const auto flags = static_cast<uint8_t>(body[0]);
  if ((flags & kEnvelopeCompressed) != 0) {
    return absl::InvalidArgumentError(
        "request: compressed messages are not accepted (send them "
        "uncompressed)");
  }
  uint32_t n = 0;
  for (int i = 1; i <= 4; ++i) n = (n << 8) | static_cast<uint8_t>(body[i]);
  if (body.size() - 5 != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request: the envelope announces ", n, " bytes but the body holds ",
        body.size() - 5, " after it (exactly one message is expected)"));
  }
  return std::string(body.substr(5));
}

}  // namespace indicators::http
