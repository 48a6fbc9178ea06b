#ifndef INDICATORS_TESTS_TESTING_METRICS_SCRAPE_H_
#define INDICATORS_TESTS_TESTING_METRICS_SCRAPE_H_

#include <map>
#include <string>

#include "tests/testing/subprocess.h"

namespace indicators::testing {

// Returns the body of GET /metrics on 127.0.0.1:`port` ("" on failure).
std::string HttpGetMetrics(int port);

// A scrape: each sample's name with its labels -> its value.
using Samples = std::map<std::string, double>;
Samples Scrape(int port);

// Reads the server's next line of output, "... metrics on
// http://127.0.0.1:PORT/metrics" (within 10 s), and returns PORT, or 0.
int ReadMetricsPort(Subprocess& server);

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_METRICS_SCRAPE_H_
