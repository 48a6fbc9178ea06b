#include "client/cpp/table.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace indicators::client {
namespace {

// Returns an enum value's name without its prefix, lowercased.
std::string EnumText(const std::string& name, absl::string_view prefix) {
  return absl::AsciiStrToLower(absl::StripPrefix(name, prefix));
}

// Formats a number with up to 15 significant digits and no exponent for the
// magnitudes statistics use (1350000, 480.26).
std::string NumberText(double value) { return absl::StrFormat("%.15g", value); }

std::string UnitText(const v1::Observation& o) {
  if (o.unit_multiplier() == 0) return o.unit();
  return absl::StrCat("10^", o.unit_multiplier(), " ", o.unit());
}

}  // namespace

Table::Table(std::vector<std::string> header) {
  rows_.push_back(std::move(header));
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(rows_[0].size());
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(rows_[0].size(), 0);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  };
  print_row(rows_[0]);
  size_t total = 0;
  for (size_t w : widths) total += w + 2;
  out << std::string(total > 2 ? total - 2 : 0, '-') << "\n";
  for (size_t i = 1; i < rows_.size(); ++i) print_row(rows_[i]);
  if (rows_.size() == 1) out << "(none)\n";
}

Table IndicatorTable(const std::vector<const v1::Indicator*>& items) {
  Table table({"ID", "NAME", "UNIT", "MULTIPLIER", "AGGREGATION"});
  for (const v1::Indicator* i : items) {
    table.AddRow(
        {i->id(), i->name(), i->unit(),
         absl::StrCat("10^", i->unit_multiplier()),
         EnumText(v1::Aggregation_Name(i->aggregation()), "AGGREGATION_")});
  }
  return table;
}

Table RegionTable(const std::vector<const v1::Region*>& items) {
  Table table({"CODE", "NAME", "TYPE", "PARENT"});
  for (const v1::Region* r : items) {
    table.AddRow(
        {r->code(), r->name(), RegionTypeText(r->type()), r->parent_code()});
  }
  return table;
}

Table SourceTable(const std::vector<const v1::Source*>& items) {
  Table table({"ID", "RELIABILITY", "PUBLISHED", "PUBLISHER", "TITLE"});
  for (const v1::Source* s : items) {
    table.AddRow({s->id(), ReliabilityText(s->reliability()), s->published(),
                  s->publisher(), s->title()});
  }
  return table;
}

Table CoverageTable(const v1::DatasetInfo& info) {
  Table table(
      {"INDICATOR", "OBSERVATIONS", "REGIONS", "FIRST", "LAST", "SOURCES"});
  for (const v1::IndicatorCoverage& c : info.coverage()) {
    table.AddRow({c.indicator_id(), absl::StrCat(c.observation_count()),
                  absl::StrCat(c.region_count()), c.first_period(),
                  c.last_period(), absl::StrCat(c.source_count())});
  }
  return table;
}

std::string ObservationHeader() {
  return absl::StrFormat("%-32s %-7s %-7s %-9s %14s %-16s %-11s %-15s %s",
                         "INDICATOR", "REGION", "PERIOD", "QUALIFIER", "VALUE",
                         "UNIT", "STATUS", "RELIABILITY", "SOURCES");
}

std::string ObservationLine(const v1::Observation& o) {
  std::string line = absl::StrFormat(
      "%-32s %-7s %-7s %-9s %14s %-16s %-11s %-15s %s", o.indicator_id(),
      o.region_code(), o.period(), QualifierText(o.qualifier()),
      NumberText(o.value()), UnitText(o), StatusText(o.status()),
      ReliabilityText(o.reliability()), absl::StrJoin(o.source_ids(), ";"));
  if (o.derived()) {
    absl::StrAppend(&line, " [derived: ", o.derivation().formula(), "]");
  }
  if (o.has_conversion()) {
    const v1::ValueConversion& c = o.conversion();
    absl::StrAppend(&line, " [converted from ", NumberText(c.original_value()),
                    " ",
                    c.original_unit_multiplier() == 0
                        ? c.original_unit()
                        : absl::StrCat("10^", c.original_unit_multiplier(), " ",
                                       c.original_unit()));
    if (c.has_rate()) {
      absl::StrAppend(&line, " at ", NumberText(c.rate().value()), " ",
                      c.rate().unit(), " (", c.rate().indicator_id(), " ",
                      c.rate().period(), ", ",
                      absl::StrJoin(c.rate().source_ids(), ";"), ")");
    }
    absl::StrAppend(&line, "]");
  }
  return line;
}

std::string SearchResultLine(const v1::SearchResult& r) {
  std::string kind, id, name;
  switch (r.item_case()) {
    case v1::SearchResult::kIndicator:
      kind =
          r.indicator().has_derivation() ? "indicator (derived)" : "indicator";
      id = r.indicator().id();
      name = r.indicator().name();
      break;
    case v1::SearchResult::kRegion:
      kind = "region";
      id = r.region().code();
      name = r.region().name();
      break;
    case v1::SearchResult::kSource:
      kind = "source";
      id = r.source().id();
      name = absl::StrCat(r.source().publisher(), ": ", r.source().title());
      break;
    case v1::SearchResult::ITEM_NOT_SET:
      break;
  }
  return absl::StrFormat("%6.2f  %-19s %-32s %s", r.score(), kind, id, name);
}

std::string AggregateHeader() {
  return absl::StrFormat("%-7s %16s %-16s %-9s %-11s %9s %16s %8s", "PERIOD",
                         "VALUE", "UNIT", "QUALIFIER", "STATUS", "REGIONS",
                         "PUBLISHED", "SHARE");
}

std::string AggregateLine(const v1::RegionalAggregate& a) {
  const v1::Observation& o = a.observation();
  return absl::StrFormat(
      "%-7s %16s %-16s %-9s %-11s %9s %16s %8s", o.period(),
      NumberText(o.value()), UnitText(o), QualifierText(o.qualifier()),
      StatusText(o.status()),
      absl::StrCat(a.reporting_regions(), "/", a.expected_regions()),
      a.has_published_total() ? NumberText(a.published_total().value()) : "-",
      a.has_published_total()
          ? absl::StrFormat("%.4f", a.share_of_published_total())
          : "-");
}

std::string QualifierText(v1::Qualifier q) {
  return EnumText(v1::Qualifier_Name(q), "QUALIFIER_");
}
std::string StatusText(v1::ObservationStatus s) {
  return EnumText(v1::ObservationStatus_Name(s), "OBSERVATION_STATUS_");
}
std::string ReliabilityText(v1::SourceReliability r) {
  return EnumText(v1::SourceReliability_Name(r), "SOURCE_RELIABILITY_");
}
std::string RegionTypeText(v1::RegionType t) {
  return EnumText(v1::RegionType_Name(t), "REGION_TYPE_");
}

}  // namespace indicators::client
