// Calls a live server through the installed client package: prints the
// served dataset version, one indicator and one page of observations.
#include <fstream>
#include <iostream>

#include "indicators/client/indicator_client.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer HOST:PORT\n";
    return 2;
  }
  using indicators::client::IndicatorClient;
  const IndicatorClient client = IndicatorClient::Connect(argv[1]);
  auto info = client.GetDatasetInfo();
  if (!info.ok()) {
    std::cerr << info.status() << "\n";
    return 1;
  }
  std::cout << "version " << info->dataset().version() << "\n";
  auto indicator = client.GetIndicator("rd_expenditure");
  if (!indicator.ok()) {
    std::cerr << indicator.status() << "\n";
    return 1;
  }
  std::cout << "indicator " << indicator->id() << " " << indicator->unit()
            << " 10^" << indicator->unit_multiplier() << "\n";
  indicators::v1::QueryObservationsRequest request;
  request.mutable_filter()->add_region_codes("CN-GD");
  request.mutable_filter()->add_indicator_ids("rd_expenditure");
  request.mutable_filter()->set_start_period("2023");
  request.mutable_filter()->set_end_period("2023");
  auto page = client.QueryObservations(request);
  if (!page.ok()) {
    std::cerr << page.status() << "\n";
    return 1;
  }
  std::cout << "observations " << page->observations_size() << "\n";
  // A bad call: the status and the server's reason reach the caller.
  auto missing = client.GetIndicator("nope");
  if (auto reason = indicators::client::ErrorInfoOf(missing.status())) {
    std::cout << "error " << reason->reason() << "\n";
  }
#ifdef PROTO_DIR
  std::cout << "proto "
            << (std::ifstream(std::string(PROTO_DIR) +
                              "/indicators/v1/indicator_service.proto")
                        .good()
                    ? "found"
                    : "missing")
            << "\n";
#endif
  return 0;
}
