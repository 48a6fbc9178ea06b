#ifndef INDICATORS_SERVER_HTTP_CONNECT_ENVELOPE_H_
#define INDICATORS_SERVER_HTTP_CONNECT_ENVELOPE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace indicators::http {

// The envelope of Connect's streaming messages: one flags byte, the
// payload's length as a 32-bit big-endian number, the payload.
inline constexpr uint8_t kEnvelopeCompressed = 0x01;
inline constexpr uint8_t kEnvelopeEndStream = 0x02;

// Returns `payload` in an envelope with `flags`.
std::string Envelope(uint8_t flags, absl::string_view payload);

// Returns the payload of the one envelope `body` must hold (a server
// stream's request). INVALID_ARGUMENT if `body` is not exactly one
// uncompressed envelope.
absl::StatusOr<std::string> OnlyEnvelopePayload(absl::string_view body);

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_CONNECT_ENVELOPE_H_
