#ifndef INDICATORS_TESTS_TESTING_BYTE_BUFFERS_H_
#define INDICATORS_TESTS_TESTING_BYTE_BUFFERS_H_

#include <grpcpp/support/byte_buffer.h>

#include <string>

namespace indicators::testing {

// Returns the bytes of `buffer`, its slices joined; empty if it has none (or
// cannot be read).
std::string Flatten(const grpc::ByteBuffer& buffer);

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_BYTE_BUFFERS_H_
