#ifndef INDICATORS_SERVER_HTTP_DOWNLOAD_HANDLER_H_
#define INDICATORS_SERVER_HTTP_DOWNLOAD_HANDLER_H_

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

#include <memory>

#include "absl/strings/string_view.h"
#include "server/http/http_exchange.h"

namespace indicators::http {

// Downloads without a client: a GET of a filtered query (the query string's
// parameters are the filter's and value options' fields, see
// `ParseDownloadQuery`) streamed as a file,
//   /v1/observations.csv | .json | .sdmx.csv   (see `DownloadFormat`)
//   /v1/observations.meta.json                  what the file holds: the
//       dataset version, the query, the indicators with their units, the
//       sources cited (publisher, title, date, address), the warnings, a
//       citation and the download addresses
// through `StreamObservations` in process (the same checks, limits,
// authorization and snapshot as any call). Each answer carries the dataset
// version (`X-Dataset-Version`), an `ETag` of it (`If-None-Match` with it is
// answered 304 Not Modified), a file name and a `Link` to the metadata.
// A stream that breaks after the first byte ends the connection without the
// end of the chunked body, so that no client takes a cut file for whole.
class DownloadHandler {
 public:
  explicit DownloadHandler(std::shared_ptr<grpc::Channel> channel)
      : stub_(std::move(channel)) {}

  // Returns whether `path` is a download's.
  static bool Serves(absl::string_view path);

  void Handle(HttpExchange& exchange);

 private:
  grpc::GenericStub stub_;
};

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_DOWNLOAD_HANDLER_H_
