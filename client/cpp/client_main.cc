// indicators-client: a command line over `IndicatorClient`, one subcommand
// per RPC. Prints tables by default, protobuf JSON with --format=json, and the
// bundled dataset's CSV layout with --format=csv (so an export loads again as
// a dataset); --output writes a file that appears only when complete. A failed
// call prints its gRPC code and message and exits 1 (usage errors exit 2).

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "client/cpp/dataset_csv.h"
#include "client/cpp/indicator_client.h"
#include "client/cpp/observation_columns.h"
#include "client/cpp/output_file.h"
#include "client/cpp/progress_line.h"
#include "client/cpp/table.h"
#include "common/own_flags_help.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051",
          "Server address host:port, or several replicas: a:p1,b:p2 (IPv4) or "
          "dns:///name:port; replicas get the recommended service config.");
ABSL_FLAG(std::string, service_config, "auto",
          "auto (the replica config for several targets), replicas, proxy "
          "(one address balancing replicas, such as nginx) or none.");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(10),
          "Deadline per call (for stream, of the whole export).");
ABSL_FLAG(std::string, format, "table",
          "table, json (protobuf JSON; a stream one message per line) or csv "
          "(the bundled dataset's columns: list-* write every page, stream "
          "every row, so the four files load again as a dataset).");
ABSL_FLAG(bool, json, false, "Same as --format=json.");
ABSL_FLAG(std::string, output, "",
          "Write the answer to this file instead of standard output; the file "
          "appears only when the command succeeds.");
ABSL_FLAG(std::string, token_file, "",
          "File holding a bearer token (else $INDICATORS_TOKEN, if set).");
ABSL_FLAG(std::string, tls_ca_file, "",
          "Use TLS, trusting this CA (PEM) for the server's certificate.");
ABSL_FLAG(std::string, tls_cert_file, "", "Mutual TLS: client certificate.");
ABSL_FLAG(std::string, tls_key_file, "", "Mutual TLS: client private key.");
ABSL_FLAG(int, page_size, 0, "Page size (0: the server's default).");
ABSL_FLAG(std::string, page_token, "", "Page token from a previous page.");
ABSL_FLAG(std::string, parent, "", "list-regions: only children of this code.");
ABSL_FLAG(std::string, type, "",
          "list-regions: only this type (country, province, ...).");
ABSL_FLAG(std::vector<std::string>, indicators, {},
          "query/stream: indicator ids, comma-separated.");
ABSL_FLAG(std::vector<std::string>, regions, {},
          "query/stream: region codes, comma-separated.");
ABSL_FLAG(bool, subregions, false,
          "query/stream: also every region below --regions.");
ABSL_FLAG(bool, columns, false,
          "stream: read the export as columns (StreamObservationColumns: "
          "about a third of the bytes) and print the same rows; values as "
          "published, no comparability warnings.");
ABSL_FLAG(std::string, from, "", "query/stream: first period (YYYY[-MM]).");
ABSL_FLAG(std::string, period, "",
          "rank: the period (YYYY[-MM]); empty: the latest with a figure.");
ABSL_FLAG(std::string, to, "", "query/stream: last period (YYYY[-MM]).");
ABSL_FLAG(std::vector<std::string>, sources, {},
          "query/stream: source ids, comma-separated.");
ABSL_FLAG(std::string, min_reliability, "",
          "query/stream: unverified, news, aggregator, official_mirror or "
          "official.");
ABSL_FLAG(std::vector<std::string>, statuses, {},
          "query/stream: final, preliminary, estimate (comma-separated).");
ABSL_FLAG(bool, latest, false,
          "query/stream: only the most recent period of each series.");
ABSL_FLAG(bool, preferred, false,
          "query/stream: one preferred observation per figure.");
ABSL_FLAG(std::string, sources_file, "",
          "ingest: a sources.csv (the bundled layout) with sources the "
          "observations cite that the server does not have yet.");
ABSL_FLAG(std::string, idempotency_key, "",
          "ingest: a key for this batch (such as a UUID); sending it again "
          "with the same key is safe: the server answers with its first "
          "answer.");
ABSL_FLAG(int64_t, from_revision, 0,
          "watch: send the changes after this revision (0: from now).");
ABSL_FLAG(bool, snapshot, false,
          "watch: first print the current matches, then the changes.");
ABSL_FLAG(std::string, known_on, "",
          "query/stream: what was known on this day (YYYY-MM-DD): only "
          "figures published by then.");
ABSL_FLAG(std::string, currency, "",
          "query/stream: express money in this currency (USD or CNY) at the "
          "dataset's annual average rate.");
ABSL_FLAG(std::string, unit_multiplier, "",
          "query/stream: express amounts in this power of ten (8: 10^8, as "
          "Chinese statistics publish).");
ABSL_FLAG(bool, growth, false,
          "query/stream: year-on-year growth in percent (summable "
          "indicators).");
ABSL_FLAG(bool, skip_unconvertible, false,
          "query/stream: return what cannot be converted as it is, with a "
          "warning, instead of failing.");
ABSL_FLAG(bool, include_derived, false,
          "list-indicators/search: also the derived indicators.");
ABSL_FLAG(int, max_results, 0, "search: most results (0: 20).");
ABSL_FLAG(bool, discrepancies_only, false,
          "reconcile: only figures with a discrepant check.");

namespace {

using indicators::client::CoverageTable;
using indicators::client::IndicatorClient;
using indicators::client::IndicatorTable;
using indicators::client::RegionTable;
using indicators::client::SourceTable;
namespace v1 = indicators::v1;

// Examples printed after the commands in the usage message.
constexpr char kExamples[] =
    "Example: indicators-client query --regions=CN-GD --from=2023 --to=2023\n"
    "         indicators-client query --indicators=rd_expenditure "
    "--regions=CN-GD --currency=USD\n"
    "         indicators-client aggregate --indicators=rd_expenditure "
    "--parent=CN\n"
    "Export the served dataset as CSV files that load again:\n"
    "  for t in indicators regions sources; do\n"
    "    indicators-client --format=csv --output=$t.csv list-$t; done\n"
    "  indicators-client --format=csv --output=observations.csv stream";

// A mistake in the command line, reported before any call.
struct UsageError {
  std::string message;
};

// Parses an enum value from its short lowercase name ("official_mirror").
template <typename Enum, typename ParseFn>
Enum ParseEnum(const std::string& flag, const std::string& text,
               const std::string& prefix, ParseFn parse) {
  Enum value{};
  if (!parse(prefix + absl::AsciiStrToUpper(text), &value) ||
      static_cast<int>(value) == 0) {
    throw UsageError{
        absl::StrCat("--", flag, ": unknown value \"", text, "\"")};
  }
  return value;
}

v1::ObservationFilter FilterFromFlags() {
  v1::ObservationFilter f;
  for (const auto& id : absl::GetFlag(FLAGS_indicators))
    f.add_indicator_ids(id);
  for (const auto& code : absl::GetFlag(FLAGS_regions))
    f.add_region_codes(code);
  f.set_include_subregions(absl::GetFlag(FLAGS_subregions));
  f.set_start_period(absl::GetFlag(FLAGS_from));
  f.set_end_period(absl::GetFlag(FLAGS_to));
  for (const auto& id : absl::GetFlag(FLAGS_sources)) f.add_source_ids(id);
  if (const std::string r = absl::GetFlag(FLAGS_min_reliability); !r.empty()) {
    f.set_min_reliability(ParseEnum<v1::SourceReliability>(
        "min_reliability", r, "SOURCE_RELIABILITY_",
        v1::SourceReliability_Parse));
  }
  for (const auto& s : absl::GetFlag(FLAGS_statuses)) {
    f.add_statuses(ParseEnum<v1::ObservationStatus>(
        "statuses", s, "OBSERVATION_STATUS_", v1::ObservationStatus_Parse));
  }
  f.set_latest_only(absl::GetFlag(FLAGS_latest));
  f.set_source_mode(absl::GetFlag(FLAGS_preferred) ? v1::SOURCE_MODE_PREFERRED
                                                   : v1::SOURCE_MODE_ALL);
  f.set_known_on(absl::GetFlag(FLAGS_known_on));
  return f;
}

// The value options of --currency, --unit_multiplier, --growth and
// --skip_unconvertible; unset (nullopt) when none is given.
std::optional<v1::ValueOptions> ValueOptionsFromFlags() {
  v1::ValueOptions options;
  options.set_currency(absl::GetFlag(FLAGS_currency));
  if (const std::string m = absl::GetFlag(FLAGS_unit_multiplier); !m.empty()) {
    int multiplier = 0;
    if (!absl::SimpleAtoi(m, &multiplier)) {
      throw UsageError{"--unit_multiplier must be a whole number, such as 8"};
    }
    options.mutable_unit_multiplier()->set_value(multiplier);
  }
  if (absl::GetFlag(FLAGS_growth)) {
    options.set_transform(v1::VALUE_TRANSFORM_GROWTH);
  }
  options.set_skip_unconvertible(absl::GetFlag(FLAGS_skip_unconvertible));
  if (options.ByteSizeLong() == 0) return std::nullopt;
  return options;
}

// Prints each warning as "warning CODE: message".
void PrintWarnings(
    std::ostream& out,
    const google::protobuf::RepeatedPtrField<v1::ComparabilityWarning>& w) {
  for (const v1::ComparabilityWarning& warning : w) {
    out << "warning "
        << absl::StripPrefix(v1::WarningCode_Name(warning.code()),
                             "WARNING_CODE_")
        << ": " << warning.message() << "\n";
  }
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  std::string json;
  // Fails only for Any fields with unknown types, which the contract lacks.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!pretty) json += "\n";
  return json;
}

template <typename T>
std::vector<const T*> Pointers(const google::protobuf::RepeatedPtrField<T>& r) {
  std::vector<const T*> out;
  for (const T& item : r) out.push_back(&item);
  return out;
}

void PrintNextPage(std::ostream& out, const std::string& token) {
  if (!token.empty()) out << "\nnext page: --page_token=" << token << "\n";
}

// Prints `result` as JSON or with `print_table`; returns the exit code.
// Prints a failed call: the gRPC code, the message, and the reason and field
// from the server's error details when it sent them. Returns the exit code.
int PrintError(const absl::Status& status) {
  std::cerr << "error: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message();
  if (auto info = indicators::client::ErrorInfoOf(status)) {
    std::cerr << " [" << info->reason();
    if (auto field = info->metadata().find("field");
        field != info->metadata().end()) {
      std::cerr << ", field " << field->second;
    }
    std::cerr << "]";
  }
  std::cerr << "\n";
  if (auto bad = indicators::client::BadRequestOf(status);
      bad && bad->field_violations_size() > 1) {
    for (const auto& v : bad->field_violations()) {
      std::cerr << "  " << v.field() << ": " << v.description() << "\n";
    }
  }
  return 1;
}

// Reads the records of a CSV file in the bundled layout of `file_name`
// (header checked), or throws a usage error naming the file and line.
std::vector<std::vector<std::string>> ReadDatasetCsv(
    const std::string& path, const std::string& header) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError{absl::StrCat("cannot read ", path)};
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  auto records = indicators::client::ParseCsv(text);
  if (!records.ok()) {
    throw UsageError{absl::StrCat(path, ": ", records.status().message())};
  }
  if (records->empty() ||
      absl::StrJoin(records->front(), ",") + "\n" != header) {
    throw UsageError{
        absl::StrCat(path, ": the first line must be the header ", header)};
  }
  records->erase(records->begin());
  return *std::move(records);
}

// Returns the ingest request of --sources_file and the observations file.
v1::IngestObservationsRequest IngestRequest(const std::string& path) {
  v1::IngestObservationsRequest request;
  request.set_idempotency_key(absl::GetFlag(FLAGS_idempotency_key));
  const auto rows =
      ReadDatasetCsv(path, indicators::client::ObservationCsvHeader());
  for (size_t i = 0; i < rows.size(); ++i) {
    auto o = indicators::client::ObservationFromCsv(rows[i]);
    if (!o.ok()) {
      throw UsageError{
          absl::StrCat(path, ": record ", i + 1, ": ", o.status().message())};
    }
    *request.add_observations() = *std::move(o);
  }
  if (const std::string sources = absl::GetFlag(FLAGS_sources_file);
      !sources.empty()) {
    const auto records =
        ReadDatasetCsv(sources, indicators::client::SourceCsvHeader());
    for (size_t i = 0; i < records.size(); ++i) {
      auto s = indicators::client::SourceFromCsv(records[i]);
      if (!s.ok()) {
        throw UsageError{absl::StrCat(sources, ": record ", i + 1, ": ",
                                      s.status().message())};
      }
      *request.add_sources() = *std::move(s);
    }
  }
  return request;
}

enum class Format { kTable, kJson, kCsv };

Format FormatFromFlags() {
  if (absl::GetFlag(FLAGS_json)) return Format::kJson;
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format == "table") return Format::kTable;
  if (format == "json") return Format::kJson;
  if (format == "csv") return Format::kCsv;
  throw UsageError{absl::StrCat("--format: unknown value \"", format,
                                "\"; expected table, json or csv")};
}

// Where and how a command writes its answer.
struct Out {
  Format format;
  std::ostream& stream;
};

// Prints `result` as JSON, with `print_csv` or with `print_table`; returns
// the exit code.
template <typename T, typename PrintTable, typename PrintCsv>
int Print(const Out& out, const absl::StatusOr<T>& result,
          PrintTable print_table, PrintCsv print_csv) {
  if (!result.ok()) return PrintError(result.status());
  switch (out.format) {
    case Format::kJson:
      out.stream << ToJson(*result, true);
      break;
    case Format::kCsv:
      // Commands without a CSV form are refused before any call, and lists
      // write CSV page by page (`WriteAllPagesAsCsv`).
      if constexpr (std::is_null_pointer_v<PrintCsv>) {
        print_table(*result);
      } else {
        print_csv(*result);
      }
      break;
    case Format::kTable:
      print_table(*result);
      break;
  }
  return 0;
}

// Writes every page of a list as CSV records, from --page_token on.
template <typename Request, typename Call, typename WriteItems>
int WriteAllPagesAsCsv(const Out& out, Request request,
                       const std::string& header, Call call,
                       WriteItems write_items) {
  out.stream << header;
  while (true) {
    auto page = call(request);
    if (!page.ok()) return PrintError(page.status());
    write_items(*page);
    if (page->next_page_token().empty()) return 0;
    request.set_page_token(page->next_page_token());
  }
}

// Returns the bearer token from --token_file or $INDICATORS_TOKEN ("" if
// neither): never from the command line, where other users could see it.
std::string ReadToken() {
  const std::string path = absl::GetFlag(FLAGS_token_file);
  if (path.empty()) {
    const char* env = std::getenv("INDICATORS_TOKEN");
    return env == nullptr ? "" : env;
  }
  std::ifstream in(path);
  if (!in) throw UsageError{absl::StrCat("--token_file: cannot open ", path)};
  std::string token;
  std::getline(in, token);
  return std::string(absl::StripAsciiWhitespace(token));
}

IndicatorClient ConnectFromFlags() {
  indicators::client::ClientOptions options;
  options.deadline = absl::GetFlag(FLAGS_deadline);
  options.bearer_token = ReadToken();
  using Config = indicators::client::ClientOptions::ServiceConfig;
  const std::string config = absl::GetFlag(FLAGS_service_config);
  if (config == "replicas") {
    options.service_config = Config::kReplicas;
  } else if (config == "proxy") {
    options.service_config = Config::kProxy;
  } else if (config == "none") {
    options.service_config = Config::kNone;
  } else if (config != "auto") {
    throw UsageError{"--service_config must be auto, replicas, proxy or none"};
  }
  indicators::client::ConnectOptions tls;
  tls.tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  tls.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  tls.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  absl::StatusOr<IndicatorClient> connected =
      tls.tls_ca_file.empty()
          ? IndicatorClient::Connect(absl::GetFlag(FLAGS_target), options)
          : IndicatorClient::ConnectTls(absl::GetFlag(FLAGS_target), tls,
                                        options);
  if (!connected.ok())
    throw UsageError{std::string(connected.status().message())};
  return *std::move(connected);
}

// What a command is given: its arguments (after the command's name), the
// client, and where to write its answer.
struct Invocation {
  const std::vector<std::string>& args;
  const IndicatorClient& client;
  const Out& out;
};

// Sets the page flags of a List or Query request.
template <typename Request>
void SetPageFromFlags(Request* request) {
  request->set_page_size(absl::GetFlag(FLAGS_page_size));
  request->set_page_token(absl::GetFlag(FLAGS_page_token));
}

// Prints a list: with --format=csv every page from --page_token on, as
// `csv_header` and a `csv_record` per item; otherwise the one page as a
// table (`print_table` of the items) and its next-page token. `items` gives
// a response's repeated field.
template <typename Request, typename Call, typename Items, typename Record,
          typename PrintTable>
int PrintList(const Invocation& in, const Request& request, Call call,
              Items items, const std::string& csv_header, Record csv_record,
              PrintTable print_table) {
  std::ostream& os = in.out.stream;
  if (in.out.format == Format::kCsv) {
    return WriteAllPagesAsCsv(in.out, request, csv_header, call,
                              [&](const auto& r) {
                                for (const auto& item : items(r))
                                  os << csv_record(item);
                              });
  }
  return Print(
      in.out, call(request),
      [&](const auto& r) {
        print_table(Pointers(items(r)));
        PrintNextPage(os, r.next_page_token());
      },
      nullptr);
}

int ListIndicators(const Invocation& in) {
  v1::ListIndicatorsRequest request;
  request.set_include_derived(absl::GetFlag(FLAGS_include_derived));
  SetPageFromFlags(&request);
  return PrintList(
      in, request, [&](const auto& r) { return in.client.ListIndicators(r); },
      [](const auto& r) -> const auto& { return r.indicators(); },
      indicators::client::IndicatorCsvHeader(),
      [](const auto& i) { return indicators::client::IndicatorCsvRecord(i); },
      [&](const auto& items) { IndicatorTable(items).Print(in.out.stream); });
}

int GetIndicator(const Invocation& in) {
  std::ostream& os = in.out.stream;
  return Print(
      in.out, in.client.GetIndicator(in.args[0]),
      [&](const v1::Indicator& i) {
        IndicatorTable({&i}).Print(os);
        os << "\n" << i.description() << "\n";
      },
      [&](const v1::Indicator& i) {
        os << indicators::client::IndicatorCsvHeader()
           << indicators::client::IndicatorCsvRecord(i);
      });
}

int ListRegions(const Invocation& in) {
  v1::ListRegionsRequest request;
  request.set_parent_code(absl::GetFlag(FLAGS_parent));
  if (const std::string t = absl::GetFlag(FLAGS_type); !t.empty()) {
    request.set_type(ParseEnum<v1::RegionType>("type", t, "REGION_TYPE_",
                                               v1::RegionType_Parse));
  }
  SetPageFromFlags(&request);
  return PrintList(
      in, request, [&](const auto& r) { return in.client.ListRegions(r); },
      [](const auto& r) -> const auto& { return r.regions(); },
      indicators::client::RegionCsvHeader(),
      [](const auto& r) { return indicators::client::RegionCsvRecord(r); },
      [&](const auto& items) { RegionTable(items).Print(in.out.stream); });
}

int GetRegion(const Invocation& in) {
  std::ostream& os = in.out.stream;
  return Print(
      in.out, in.client.GetRegion(in.args[0]),
      [&](const v1::Region& r) { RegionTable({&r}).Print(os); },
      [&](const v1::Region& r) {
        os << indicators::client::RegionCsvHeader()
           << indicators::client::RegionCsvRecord(r);
      });
}

int ListSources(const Invocation& in) {
  v1::ListSourcesRequest request;
  SetPageFromFlags(&request);
  return PrintList(
      in, request, [&](const auto& r) { return in.client.ListSources(r); },
      [](const auto& r) -> const auto& { return r.sources(); },
      indicators::client::SourceCsvHeader(),
      [](const auto& s) { return indicators::client::SourceCsvRecord(s); },
      [&](const auto& items) { SourceTable(items).Print(in.out.stream); });
}

int GetSource(const Invocation& in) {
  std::ostream& os = in.out.stream;
  return Print(
      in.out, in.client.GetSource(in.args[0]),
      [&](const v1::Source& s) {
        SourceTable({&s}).Print(os);
        os << "\nurl:  " << s.url() << "\nnote: " << s.note() << "\n";
      },
      [&](const v1::Source& s) {
        os << indicators::client::SourceCsvHeader()
           << indicators::client::SourceCsvRecord(s);
      });
}

int History(const Invocation& in) {
  std::ostream& os = in.out.stream;
  return Print(
      in.out,
      in.client.GetObservationHistory(in.args[0], in.args[1], in.args[2]),
      [&](const auto& r) {
        for (const v1::ObservationVintage& v : r.vintages()) {
          os << (v.known_from().empty() ? "(undated) " : v.known_from()) << "  "
             << indicators::client::ObservationLine(v.observation()) << "\n";
        }
        os << "(" << r.vintages_size() << " values)\n";
      },
      [&](const auto& r) {
        os << indicators::client::ObservationCsvHeader();
        for (const v1::ObservationVintage& v : r.vintages())
          os << indicators::client::ObservationCsvRecord(v.observation());
      });
}

int Query(const Invocation& in) {
  std::ostream& os = in.out.stream;
  v1::QueryObservationsRequest request;
  *request.mutable_filter() = FilterFromFlags();
  if (auto options = ValueOptionsFromFlags()) {
    *request.mutable_value_options() = *options;
  }
  SetPageFromFlags(&request);
  return Print(
      in.out, in.client.QueryObservations(request),
      [&](const auto& r) {
        os << indicators::client::ObservationHeader() << "\n";
        for (const auto& o : r.observations()) {
          os << indicators::client::ObservationLine(o) << "\n";
        }
        os << "(" << r.observations_size() << " observations, dataset "
           << r.dataset_version().substr(0, 12) << ")\n";
        PrintWarnings(os, r.warnings());
        PrintNextPage(os, r.next_page_token());
      },
      [&](const auto& r) {
        os << indicators::client::ObservationCsvHeader();
        for (const auto& o : r.observations())
          os << indicators::client::ObservationCsvRecord(o);
        // The CSV holds rows only; the rest goes to the terminal.
        PrintWarnings(std::cerr, r.warnings());
        PrintNextPage(std::cerr, r.next_page_token());
      });
}

int Search(const Invocation& in) {
  std::ostream& os = in.out.stream;
  return Print(
      in.out,
      in.client.SearchCatalog(in.args[0], absl::GetFlag(FLAGS_max_results),
                              absl::GetFlag(FLAGS_include_derived)),
      [&](const v1::SearchCatalogResponse& r) {
        for (const v1::SearchResult& result : r.results()) {
          os << indicators::client::SearchResultLine(result) << "\n";
        }
        os << "(" << r.results_size() << " results)\n";
      },
      nullptr);
}

int Aggregate(const Invocation& in) {
  std::ostream& os = in.out.stream;
  v1::AggregateObservationsRequest request;
  const std::vector<std::string> ids = absl::GetFlag(FLAGS_indicators);
  if (ids.size() != 1) {
    throw UsageError{"aggregate takes one indicator: --indicators=ID"};
  }
  request.set_indicator_id(ids[0]);
  request.set_parent_region_code(absl::GetFlag(FLAGS_parent));
  for (const auto& code : absl::GetFlag(FLAGS_regions)) {
    request.add_region_codes(code);
  }
  request.set_start_period(absl::GetFlag(FLAGS_from));
  request.set_end_period(absl::GetFlag(FLAGS_to));
  return Print(
      in.out, in.client.AggregateObservations(request),
      [&](const v1::AggregateObservationsResponse& r) {
        os << indicators::client::AggregateHeader() << "\n";
        for (const v1::RegionalAggregate& a : r.aggregates()) {
          os << indicators::client::AggregateLine(a) << "\n";
        }
        if (r.aggregates_size() > 0) {
          os << "formula: "
             << r.aggregates(0).observation().derivation().formula() << "\n";
        }
        PrintWarnings(os, r.warnings());
      },
      nullptr);
}

// "[455, 465]", "(75000, +inf)": the bounds as an interval.
std::string BoundsText(const v1::ValueBounds& b) {
  return absl::StrCat(
      b.lower_exclusive() ? "(" : "[",
      b.has_lower() ? absl::StrCat(b.lower().value()) : std::string("-inf"),
      ", ",
      b.has_upper() ? absl::StrCat(b.upper().value()) : std::string("+inf"),
      b.upper_exclusive() ? ")" : "]");
}

int Rank(const Invocation& in) {
  std::ostream& os = in.out.stream;
  v1::RankRegionsRequest request;
  const std::vector<std::string> ids = absl::GetFlag(FLAGS_indicators);
  if (ids.size() != 1) {
    throw UsageError{"rank takes one indicator: --indicators=ID"};
  }
  request.set_indicator_id(ids[0]);
  request.set_parent_region_code(absl::GetFlag(FLAGS_parent));
  for (const auto& code : absl::GetFlag(FLAGS_regions)) {
    request.add_region_codes(code);
  }
  request.set_period(absl::GetFlag(FLAGS_period));
  return Print(
      in.out, in.client.RankRegions(request),
      [&](const v1::RankRegionsResponse& r) {
        os << r.indicator_id() << " " << r.period() << "\n";
        os << absl::StrFormat("%-7s %-8s %14s  %-9s %s\n", "rank", "region",
                              "value", "qualifier", "bounds");
        for (const v1::RankedRegion& x : r.regions()) {
          const std::string rank =
              x.best_rank() == x.worst_rank()
                  ? absl::StrCat(x.best_rank())
                  : absl::StrCat(x.best_rank(), "-", x.worst_rank());
          std::string qualifier =
              v1::Qualifier_Name(x.observation().qualifier());
          qualifier = absl::AsciiStrToLower(qualifier.substr(10));
          os << absl::StrFormat(
              "%-7s %-8s %14s  %-9s %s\n", rank, x.region_code(),
              absl::StrCat(x.observation().value()), qualifier,
              BoundsText(x.observation().bounds()));
        }
        os << "(" << r.undetermined_size() << " pairs the bounds cannot order";
        if (r.missing_region_codes_size() > 0) {
          os << "; no figure: " << absl::StrJoin(r.missing_region_codes(), " ");
        }
        os << ")\n";
      },
      nullptr);
}

// "consistent", "DISCREPANT (a revision)".
std::string VerdictText(const v1::ReconciliationCheck& c) {
  if (c.verdict() != v1::RECONCILIATION_VERDICT_DISCREPANT) {
    return "consistent";
  }
  switch (c.cause()) {
    case v1::DISCREPANCY_CAUSE_REVISION:
      return "DISCREPANT (a revision)";
    case v1::DISCREPANCY_CAUSE_INPUTS_PUBLISHED_LATER:
      return "DISCREPANT (inputs published later)";
    default:
      return "DISCREPANT";
  }
}

int Reconcile(const Invocation& in) {
  std::ostream& os = in.out.stream;
  v1::ReconcileObservationsRequest request;
  *request.mutable_filter() = FilterFromFlags();
  request.set_discrepancies_only(absl::GetFlag(FLAGS_discrepancies_only));
  SetPageFromFlags(&request);
  return Print(
      in.out, in.client.ReconcileObservations(request),
      [&](const v1::ReconcileObservationsResponse& r) {
        int discrepant = 0;
        for (const v1::FigureReconciliation& f : r.figures()) {
          os << f.indicator_id() << " " << f.region_code() << " " << f.period();
          if (f.has_agreement()) {
            const v1::SourceAgreement& a = f.agreement();
            os << ": " << a.observation_count() << " observations; agree: "
               << absl::StrJoin(a.agreeing_source_ids(), " ");
            if (a.disagreeing_source_ids_size() > 0) {
              os << "; disagree: "
                 << absl::StrJoin(a.disagreeing_source_ids(), " ");
            }
          }
          os << "\n";
          for (const v1::ReconciliationCheck& c : f.checks()) {
            discrepant += c.verdict() == v1::RECONCILIATION_VERDICT_DISCREPANT;
            os << "  " << VerdictText(c) << "  " << c.summary() << "\n";
          }
        }
        os << "(" << r.figures_size() << " figures, " << discrepant
           << " discrepant checks, dataset "
           << r.dataset_version().substr(0, 12) << ")\n";
        PrintNextPage(os, r.next_page_token());
      },
      nullptr);
}

// Writes one message of an export in the output's format; adds its rows to
// `count` and `progress`.
void PrintStreamed(const Out& out, const v1::StreamObservationsResponse& m,
                   int64_t* count, indicators::client::ProgressLine* progress) {
  std::ostream& os = out.stream;
  switch (out.format) {
    case Format::kJson:
      os << ToJson(m, false);
      break;
    case Format::kCsv:
      for (const auto& o : m.observations())
        os << indicators::client::ObservationCsvRecord(o);
      PrintWarnings(std::cerr, m.warnings());
      break;
    case Format::kTable:
      for (const auto& o : m.observations())
        os << indicators::client::ObservationLine(o) << "\n";
      PrintWarnings(os, m.warnings());
      os.flush();
      break;
  }
  *count += m.observations_size();
  progress->Add(m.observations_size());
}

// Runs the column export of `filter`, handing each batch to `print` as rows.
absl::Status StreamColumns(
    const IndicatorClient& client, const v1::ObservationFilter& filter,
    const std::function<bool(const v1::StreamObservationsResponse&)>& print) {
  v1::StreamObservationColumnsRequest request;
  *request.mutable_filter() = filter;
  indicators::client::ObservationColumnsDecoder decoder;
  std::vector<v1::Observation> rows;
  absl::Status decoded;
  absl::Status status = client.StreamObservationColumns(
      request, [&](const v1::StreamObservationColumnsResponse& message) {
        rows.clear();
        decoded = decoder.Decode(message, &rows);
        if (!decoded.ok()) return false;
        v1::StreamObservationsResponse batch;
        for (v1::Observation& o : rows) {
          *batch.add_observations() = std::move(o);
        }
        batch.set_dataset_version(message.dataset_version());
        batch.set_resume_token(message.resume_token());
        return print(batch);
      });
  return decoded.ok() ? status : decoded;
}

int Stream(const Invocation& in) {
  std::ostream& os = in.out.stream;
  v1::StreamObservationsRequest request;
  *request.mutable_filter() = FilterFromFlags();
  if (auto options = ValueOptionsFromFlags()) {
    *request.mutable_value_options() = *options;
  }
  const bool columns = absl::GetFlag(FLAGS_columns);
  if (columns && request.has_value_options()) {
    std::cerr << "--columns: the column export sends values as "
                 "published; drop --currency, --unit_multiplier and "
                 "--growth, or drop --columns\n";
    return 2;
  }
  if (in.out.format == Format::kTable) {
    os << indicators::client::ObservationHeader() << "\n";
  } else if (in.out.format == Format::kCsv) {
    os << indicators::client::ObservationCsvHeader();
  }
  indicators::client::ProgressLine progress;
  int64_t count = 0;
  auto print = [&](const v1::StreamObservationsResponse& message) {
    PrintStreamed(in.out, message, &count, &progress);
    return true;
  };
  const absl::Status status =
      columns ? StreamColumns(in.client, request.filter(), print)
              : in.client.StreamObservations(request, print);
  progress.Finish();
  if (!status.ok()) return PrintError(status);
  if (in.out.format == Format::kTable) {
    os << "(" << count << " observations)\n";
  }
  return 0;
}

// Writes the dataset's state and coverage as text.
void PrintInfo(std::ostream& os, const v1::GetDatasetInfoResponse& r) {
  const v1::DatasetInfo& d = r.dataset();
  os << "version:      " << d.version() << "\n"
     << "loaded:       "
     << google::protobuf::util::TimeUtil::ToString(d.load_time()) << "\n"
     << "indicators:   " << d.indicator_count() << "\n"
     << "regions:      " << d.region_count() << "\n"
     << "sources:      " << d.source_count() << "\n"
     << "observations: " << d.observation_count() << "\n"
     << "source:       " << r.source() << "\n";
  if (d.revision() != 0) os << "revision:     " << d.revision() << "\n";
  if (r.has_stale_since()) {
    os << "stale since:  "
       << google::protobuf::util::TimeUtil::ToString(r.stale_since())
       << " (the database cannot be reached)\n";
  }
  os << "\n";
  CoverageTable(d).Print(os);
}

int Info(const Invocation& in) {
  return Print(
      in.out, in.client.GetDatasetInfo(),
      [&](const auto& r) { PrintInfo(in.out.stream, r); }, nullptr);
}

// Writes one message of a watch in the output's format.
void PrintWatched(const Out& out, const v1::WatchObservationsResponse& m) {
  std::ostream& os = out.stream;
  switch (out.format) {
    case Format::kJson:
      os << ToJson(m, false);
      break;
    case Format::kCsv:
      for (const auto& c : m.changes()) {
        if (c.kind() != v1::CHANGE_KIND_WITHDRAWN) {
          os << indicators::client::ObservationCsvRecord(c.observation());
        }
      }
      break;
    case Format::kTable:
      for (const auto& c : m.changes()) {
        const std::string kind = v1::ChangeKind_Name(c.kind());
        os << absl::AsciiStrToLower(kind.substr(12)) << " r" << c.revision()
           << "  " << indicators::client::ObservationLine(c.observation())
           << "\n";
      }
      if (m.event() == v1::WATCH_EVENT_SNAPSHOT_END) {
        os << "(current matches above; changes after revision " << m.revision()
           << " follow)\n";
      }
      break;
  }
  os.flush();
}

int Watch(const Invocation& in) {
  v1::WatchObservationsRequest request;
  *request.mutable_filter() = FilterFromFlags();
  request.set_start_revision(absl::GetFlag(FLAGS_from_revision));
  request.set_initial_snapshot(absl::GetFlag(FLAGS_snapshot));
  if (in.out.format == Format::kCsv) {
    in.out.stream << indicators::client::ObservationCsvHeader();
  }
  return PrintError(in.client.WatchObservations(
      request, [&](const v1::WatchObservationsResponse& message) {
        PrintWatched(in.out, message);
        return true;
      }));
}

int Ingest(const Invocation& in) {
  std::ostream& os = in.out.stream;
  return Print(
      in.out, in.client.IngestObservations(IngestRequest(in.args[0])),
      [&](const v1::IngestObservationsResponse& r) {
        os << (r.replayed() ? "already ingested (the first answer): "
                            : "ingested: ")
           << "revision " << r.revision() << ", " << r.added() << " added, "
           << r.revised() << " revised, " << r.withdrawn() << " withdrawn, "
           << r.unchanged() << " unchanged, " << r.sources_added()
           << " sources added\n";
        if (!r.dataset_version().empty()) {
          os << "serving dataset " << r.dataset_version() << "\n";
        }
      },
      nullptr);
}

int Reload(const Invocation& in) {
  return Print(
      in.out, in.client.ReloadDataset(),
      [&](const auto& r) {
        in.out.stream << "reloaded: serving dataset " << r.outcome().version()
                      << "\n";
      },
      nullptr);
}

// One subcommand: its name, the arguments it takes, whether it can write
// --format=csv, its line of help, and what runs it.
struct Command {
  const char* name;
  std::vector<const char*> args;  // Names of the arguments, in order.
  bool has_csv;
  const char* help;
  int (*run)(const Invocation&);
};

const std::vector<Command>& Commands() {
  static const auto* commands = new std::vector<Command>{
      {"list-indicators", {}, true, "list indicators", &ListIndicators},
      {"get-indicator", {"ID"}, true, "one indicator", &GetIndicator},
      {"list-regions",
       {},
       true,
       "list regions (--parent, --type)",
       &ListRegions},
      {"get-region", {"CODE"}, true, "one region", &GetRegion},
      {"list-sources", {}, true, "list sources", &ListSources},
      {"get-source", {"ID"}, true, "one source", &GetSource},
      {"query", {}, true, "one page of observations (filter flags)", &Query},
      {"stream",
       {},
       true,
       "every matching observation, as it arrives",
       &Stream},
      {"history",
       {"INDICATOR", "REGION", "PERIOD"},
       true,
       "every value given for one figure, oldest first",
       &History},
      {"info", {}, false, "dataset version, counts and coverage", &Info},
      {"reload",
       {},
       false,
       "reload the server's dataset (admin token)",
       &Reload},
      {"watch",
       {},
       true,
       "print changes as they are loaded (filter flags, --from_revision, "
       "--snapshot); stop with ^C",
       &Watch},
      {"ingest",
       {"FILE"},
       false,
       "add or revise the observations of FILE (the bundled observations.csv "
       "layout; write token)",
       &Ingest},
      {"search",
       {"TEXT"},
       false,
       "find indicators, regions and sources",
       &Search},
      {"aggregate",
       {},
       false,
       "sum (or ratio of sums) of --indicators=ID over --parent's regions or "
       "--regions, per period",
       &Aggregate},
      {"rank",
       {},
       false,
       "rank --parent's regions or --regions by --indicators=ID in --period, "
       "each with the rank range its bounds allow",
       &Rank},
      {"reconcile",
       {},
       false,
       "check the filter's figures against each other: sums of regions, "
       "derived vs published ratios, sources, implied exchange rates "
       "(--discrepancies_only)",
       &Reconcile},
  };
  return *commands;
}

// Returns the usage message: the commands from the table, each with its help
// wrapped at 79 columns, then examples.
std::string Usage() {
  constexpr size_t kHelpColumn = 29, kWidth = 79;
  std::string out =
      "Usage: indicators-client [flags] COMMAND [ARG]\nCommands:\n";
  for (const Command& c : Commands()) {
    std::string line = absl::StrCat("  ", c.name);
    for (const char* arg : c.args) absl::StrAppend(&line, " ", arg);
    bool first = true;
    for (absl::string_view word : absl::StrSplit(c.help, ' ')) {
      if (first && line.size() < kHelpColumn) {
        line.resize(kHelpColumn, ' ');
      } else if (line.size() + 1 + word.size() > kWidth) {
        absl::StrAppend(&out, line, "\n");
        line.assign(kHelpColumn, ' ');
      } else {
        line += ' ';
      }
      absl::StrAppend(&line, word);
      first = false;
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out + kExamples;
}

// Returns the command named `name`, or throws a usage error.
const Command& FindCommand(const std::string& name) {
  for (const Command& c : Commands()) {
    if (name == c.name) return c;
  }
  throw UsageError{absl::StrCat("unknown command \"", name, "\"")};
}

// Throws a usage error if `args` (after the command's name) do not fit
// `command`, or if the output format does not.
void CheckInvocation(const Command& command,
                     const std::vector<std::string>& args, Format format) {
  if (args.size() != command.args.size()) {
    throw UsageError{
        command.args.empty()
            ? absl::StrCat(command.name, " takes no argument")
            : absl::StrCat(
                  command.name, " takes ", command.args.size(),
                  command.args.size() == 1 ? " argument: " : " arguments: ",
                  absl::StrJoin(command.args, " "))};
  }
  if (format == Format::kCsv && !command.has_csv) {
    throw UsageError{
        absl::StrCat(command.name, " has no CSV form; use --format=json")};
  }
  if (format == Format::kCsv && ValueOptionsFromFlags()) {
    throw UsageError{
        "converted values do not fit the dataset's CSV layout (it has no "
        "unit or rate column); use --format=json or table"};
  }
}

int Run(const std::vector<char*>& argv) {
  if (argv.size() < 2) throw UsageError{"no command given"};
  const Command& command = FindCommand(argv[1]);
  const std::vector<std::string> args(argv.begin() + 2, argv.end());
  const Format format = FormatFromFlags();
  CheckInvocation(command, args, format);
  const IndicatorClient client = ConnectFromFlags();
  auto output =
      indicators::client::OutputFile::Open(absl::GetFlag(FLAGS_output));
  if (!output.ok()) throw UsageError{std::string(output.status().message())};
  const int exit_code =
      command.run(Invocation{args, client, Out{format, (*output)->stream()}});
  if (exit_code != 0) return exit_code;
  if (absl::Status committed = (*output)->Commit(); !committed.ok()) {
    std::cerr << "indicators-client: " << committed.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  indicators::ListOwnFlagsInHelp(__FILE__);
  const std::string usage_message = Usage();
  absl::SetProgramUsageMessage(usage_message);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  try {
    return Run(args);
  } catch (const UsageError& e) {
    std::cerr << "indicators-client: " << e.message << "\n"
              << usage_message << "\n";
    return 2;
  }
}
