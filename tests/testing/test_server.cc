#include "tests/testing/test_server.h"

#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include "server/core/load/dataset_loader.h"

namespace indicators::testing {

std::unique_ptr<rpc::Server> StartTestServer(TestServerOptions options) {
  auto dataset = LoadDataset(options.data_dir);
  EXPECT_TRUE(dataset.ok()) << dataset.status();
  if (!dataset.ok()) return nullptr;
  rpc::ServerOptions& server_options = options.server;
  server_options.listen = "127.0.0.1:0";
  if (server_options.source == nullptr) {
    server_options.source =
        std::make_shared<CsvDirectorySource>(options.data_dir);
  }
  if (server_options.drain_timeout == rpc::ServerOptions().drain_timeout) {
    server_options.drain_timeout = absl::Seconds(1);
  }
  if (server_options.lame_duck == rpc::ServerOptions().lame_duck) {
    server_options.lame_duck = absl::ZeroDuration();
  }
  auto core = std::make_shared<const ServiceCore>(
      *dataset,
      options.page_token_key.empty() ? PageTokenCodec::WithRandomKey()
                                     : PageTokenCodec(options.page_token_key),
      options.limits);
  auto server = rpc::Server::Start(server_options, std::move(core));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

std::shared_ptr<grpc::Channel> Connect(const rpc::Server& server) {
  return grpc::CreateChannel(server.address(),
                             grpc::InsecureChannelCredentials());
}

}  // namespace indicators::testing
