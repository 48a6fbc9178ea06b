#ifndef INDICATORS_CLIENT_CPP_TABLE_H_
#define INDICATORS_CLIENT_CPP_TABLE_H_

#include <ostream>
#include <string>
#include <vector>

#include "indicators/v1/indicator_service.pb.h"
#include "indicators/v1/resources.pb.h"

namespace indicators::client {

// A text table whose columns are as wide as their widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void AddRow(std::vector<std::string> cells);
  // Writes the header, a rule and the rows; a table with no rows writes
  // "(none)" under the header.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// Return a table of the messages, one row each.
Table IndicatorTable(const std::vector<const v1::Indicator*>& items);
Table RegionTable(const std::vector<const v1::Region*>& items);
Table SourceTable(const std::vector<const v1::Source*>& items);
Table CoverageTable(const v1::DatasetInfo& info);

// Formats observations one line each with fixed column widths, so that rows
// of a stream line up however they arrive.
std::string ObservationHeader();
// A derived value ends with "[derived: FORMULA]", a converted one with
// "[converted from VALUE UNIT at RATE (SOURCES)]".
std::string ObservationLine(const v1::Observation& o);

// One search result: its kind, id, name and score.
std::string SearchResultLine(const v1::SearchResult& r);
// One regional aggregate: period, value, coverage, the published total.
std::string AggregateHeader();
std::string AggregateLine(const v1::RegionalAggregate& a);

// Returns the short lowercase name of an enum value ("over", "final").
std::string QualifierText(v1::Qualifier q);
std::string StatusText(v1::ObservationStatus s);
std::string ReliabilityText(v1::SourceReliability r);
std::string RegionTypeText(v1::RegionType t);

}  // namespace indicators::client

#endif  // INDICATORS_CLIENT_CPP_TABLE_H_
