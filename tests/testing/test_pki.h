#ifndef INDICATORS_TESTS_TESTING_TEST_PKI_H_
#define INDICATORS_TESTS_TESTING_TEST_PKI_H_

#include <string>

namespace indicators::testing {

// Test certificates made fresh with the openssl command in a temporary
// directory (removed on destruction); no private key is ever committed.
// `ca` signs `server` (for localhost and 127.0.0.1) and `client`;
// `other_ca` signs `other_client`.
class TestPki {
 public:
  TestPki();
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // Returns the path of `name` + ".pem" (certificate) or ".key".
  std::string Cert(const std::string& name) const {
    return dir_ + "/" + name + ".pem";
  }
  std::string Key(const std::string& name) const {
    return dir_ + "/" + name + ".key";
  }
  bool ok() const { return ok_; }

 private:
  std::string dir_;
  bool ok_ = false;
};

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_TEST_PKI_H_
