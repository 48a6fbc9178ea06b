#ifndef INDICATORS_SERVER_SERVING_DATASET_METRICS_H_
#define INDICATORS_SERVER_SERVING_DATASET_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <vector>

#include "server/serving/dataset_manager.h"

namespace indicators::rpc {

// The served dataset's state, read from the dataset manager at each scrape
// (nothing to keep up to date between scrapes):
//   indicators_dataset_info{version,source} 1
//   indicators_dataset_revision        the store's revision (0 for files)
//   indicators_dataset_age_seconds     since the served version was loaded
//   indicators_dataset_observations    observations served
//   indicators_dataset_reloads_total{result="success"|"failure"}
//   indicators_database_up             1 while the database can be reached
//                                      (only with a database source)
class DatasetMetrics final : public prometheus::Collectable {
 public:
  DatasetMetrics(std::shared_ptr<const DatasetManager> datasets,
                 bool source_is_database)
      : datasets_(std::move(datasets)),
        source_is_database_(source_is_database) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::shared_ptr<const DatasetManager> datasets_;
  bool source_is_database_;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_SERVING_DATASET_METRICS_H_
