#ifndef INDICATORS_TESTS_TESTING_TEST_SERVER_H_
#define INDICATORS_TESTS_TESTING_TEST_SERVER_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "server/core/service_core.h"
#include "server/rpc/server.h"
#include "tests/testing/temp_dataset.h"

namespace indicators::testing {

// How to start a test server. The listen address is always 127.0.0.1:0.
struct TestServerOptions {
  // Server options; `listen` is replaced, `source` defaults to `data_dir`
  // below, the drain timeout to one second and the lame-duck time to none.
  rpc::ServerOptions server;
  CoreLimits limits;
  std::string data_dir = TestDataDir();
  // Key of the page-token codec; empty: a random one.
  std::string page_token_key;
};

// Loads the dataset and starts an in-process server on 127.0.0.1, port 0.
// Returns nullptr (and records a test failure saying why) if it cannot.
std::unique_ptr<rpc::Server> StartTestServer(TestServerOptions options = {});

// Returns a plaintext channel to `server`.
std::shared_ptr<grpc::Channel> Connect(const rpc::Server& server);

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_TEST_SERVER_H_
