#ifndef INDICATORS_TESTS_E2E_NGINX_FRONT_H_
#define INDICATORS_TESTS_E2E_NGINX_FRONT_H_

#include <memory>
#include <string>
#include <vector>

#include "tests/testing/subprocess.h"
#include "tests/testing/test_pki.h"

namespace indicators::testing {

// Debian's nginx running the shipped deploy/nginx/indicators.conf from files
// in `dir`: TLS with `pki`'s server certificate on a free loopback port, and
// `upstreams` (host:port) as the servers of its gRPC upstream block and
// `http_upstreams` as those of its HTTP one (none: no HTTP port). The
// constructor returns once nginx accepts connections; the destructor stops it.
class NginxFront {
 public:
  NginxFront(const std::string& dir, const TestPki& pki,
             const std::vector<std::string>& upstreams,
             const std::vector<std::string>& http_upstreams = {});
  ~NginxFront();

  // Returns "127.0.0.1:port" of the TLS listener.
  const std::string& address() const { return address_; }
  // Returns nginx's error log and output so far.
  std::string ErrorLog() const;

 private:
  std::string dir_;
  std::string address_;
  std::unique_ptr<Subprocess> nginx_;
};

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_E2E_NGINX_FRONT_H_
