#include "server/serving/dataset_metrics.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"

namespace indicators::rpc {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

// Adds one sample with `labels` to `family`.
void AddSample(MetricFamily& family, double value,
               std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

}  // namespace

std::vector<MetricFamily> DatasetMetrics::Collect() const {
  const std::shared_ptr<const Snapshot> snapshot = datasets_->Current();
  const Dataset& dataset = *snapshot->core->dataset();
  std::vector<MetricFamily> out;

  out.push_back(Family("indicators_dataset_info",
                       "The dataset version served, and where it is read "
                       "from; always 1.",
                       MetricType::Gauge));
  AddSample(
      out.back(), 1,
      {{"source", datasets_->SourceName()}, {"version", dataset.version()}});
  out.push_back(Family("indicators_dataset_revision",
                       "The store's revision the served dataset was read at "
                       "(0 when it comes from files).",
                       MetricType::Gauge));
  AddSample(out.back(), static_cast<double>(dataset.revision()));
  out.push_back(Family("indicators_dataset_age_seconds",
                       "Seconds since the served dataset version was loaded.",
                       MetricType::Gauge));
  AddSample(out.back(),
            absl::ToDoubleSeconds(absl::Now() - dataset.load_time()));
  out.push_back(Family("indicators_dataset_observations",
                       "Observations in the served dataset.",
                       MetricType::Gauge));
  AddSample(out.back(),
            static_cast<double>(dataset.published_observation_count()));

  const DatasetManager::ReloadCounts reloads = datasets_->Reloads();
  out.push_back(Family("indicators_dataset_reloads_total",
                       "Whole loads of the dataset after the first, by result "
                       "(a failed one keeps the old version serving).",
                       MetricType::Counter));
  AddSample(out.back(), static_cast<double>(reloads.succeeded),
            {{"result", "success"}});
  AddSample(out.back(), static_cast<double>(reloads.failed),
            {{"result", "failure"}});
  out.push_back(Family("indicators_dataset_changes_applied_total",
                       "Catch-ups that applied a store's recorded changes to "
                       "the version served instead of loading it whole.",
                       MetricType::Counter));
  AddSample(out.back(), static_cast<double>(reloads.applied));

  if (source_is_database_) {
    out.push_back(Family("indicators_database_up",
                         "1 while the database can be reached, 0 while the "
                         "server serves what it last read (see stale_since).",
                         MetricType::Gauge));
    AddSample(out.back(), datasets_->StaleSince().has_value() ? 0 : 1);
  }
  return out;
}

}  // namespace indicators::rpc
