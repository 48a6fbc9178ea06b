#ifndef INDICATORS_SERVER_WIRE_WIRE_FORMAT_H_
#define INDICATORS_SERVER_WIRE_WIRE_FORMAT_H_

// The few pieces of the protobuf wire format that the pre-encoded responses
// (`encoded_dataset`, `encoded_columns`) write by hand.

#include <google/protobuf/io/coded_stream.h>

#include <cstddef>
#include <cstdint>

namespace indicators::rpc::wire {

// Wire types.
inline constexpr uint32_t kVarint = 0;
inline constexpr uint32_t kFixed64 = 1;
inline constexpr uint32_t kLengthDelimited = 2;

// The tag of field `field` with `wire_type`.
constexpr uint32_t Tag(int field, uint32_t wire_type) {
  return static_cast<uint32_t>(field) << 3 | wire_type;
}

// The size of a length-delimited field of `body` bytes whose tag takes
// `tag_size` bytes.
inline size_t LengthDelimitedSize(size_t tag_size, size_t body) {
  return tag_size +
         google::protobuf::io::CodedOutputStream::VarintSize64(
             static_cast<uint64_t>(body)) +
         body;
}

}  // namespace indicators::rpc::wire

#endif  // INDICATORS_SERVER_WIRE_WIRE_FORMAT_H_
