// indicators-datagen: writes a synthetic dataset in the project's format with
// the bundled dataset's shape (indicators x regions x periods x sources), of
// any size up to 10^7 observations and beyond. Deterministic: the same flags
// give the same bytes.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/own_flags_help.h"

ABSL_FLAG(int64_t, observations, 1000000, "Number of observations to write.");
ABSL_FLAG(std::string, out, "", "Directory to write the four CSV files to.");
ABSL_FLAG(int, indicators, 16, "Number of indicators.");
ABSL_FLAG(int, periods, 120, "Monthly periods per series (from 2015-01).");
ABSL_FLAG(int, sources_per_figure, 3,
          "Observations per indicator, region and period.");

namespace {

constexpr int kSources = 64;
constexpr const char* kQualifiers[] = {"exact", "exact", "exact", "about",
                                       "over"};
constexpr const char* kStatuses[] = {"final", "preliminary", "estimate"};
constexpr const char* kGrades[] = {"official", "official_mirror", "aggregator",
                                   "news", "unverified"};

// Writes `path` with a buffer large enough to keep writes cheap.
class Writer {
 public:
  explicit Writer(const std::string& path)
      : file_(std::fopen(path.c_str(), "wb")) {
    if (file_ == nullptr) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      std::exit(1);
    }
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  }
  ~Writer() { std::fclose(file_); }
  void Line(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
  }

 private:
  std::FILE* file_;
};

}  // namespace

int main(int argc, char** argv) {
  indicators::ListOwnFlagsInHelp(__FILE__);
  absl::SetProgramUsageMessage(
      "Usage: indicators-datagen --observations=N --out=DIR");
  absl::ParseCommandLine(argc, argv);
  const std::string out = absl::GetFlag(FLAGS_out);
  const int64_t total = absl::GetFlag(FLAGS_observations);
  const int indicators = absl::GetFlag(FLAGS_indicators);
  const int periods = absl::GetFlag(FLAGS_periods);
  const int per_figure = absl::GetFlag(FLAGS_sources_per_figure);
  if (out.empty() || total <= 0 || indicators <= 0 || periods <= 0 ||
      per_figure <= 0 || per_figure > kSources) {
    std::fprintf(stderr, "indicators-datagen: bad flags; see --help\n");
    return 2;
  }
  std::filesystem::create_directories(out);
  const int64_t per_region = int64_t{indicators} * periods * per_figure;
  const int64_t regions = (total + per_region - 1) / per_region;

  {
    Writer w(out + "/indicators.csv");
    w.Line("indicator_id,name,unit,unit_multiplier,description,aggregation");
    for (int i = 0; i < indicators; ++i) {
      w.Line(absl::StrFormat(
          "ind_%03d,Synthetic indicator %d,%s,%d,\"Synthetic, for "
          "benchmarks\",%s",
          i, i, i % 2 ? "CNY" : "persons", i % 2 ? 9 : 0,
          i % 3 ? "sum" : "none"));
    }
  }
  {
    Writer w(out + "/regions.csv");
    w.Line("region_code,name,type,parent_code");
    w.Line("XA,Synthetic country,country,");
    for (int64_t r = 0; r < regions; ++r) {
      w.Line(absl::StrFormat("XA-%06d,Synthetic region %d,province,XA", r, r));
    }
  }
  {
    Writer w(out + "/sources.csv");
    w.Line("source_id,publisher,title,published,url,reliability,note");
    for (int s = 0; s < kSources; ++s) {
      w.Line(absl::StrFormat(
          "S%02d,Publisher %d,Synthetic source %d,%04d-%02d-%02d,"
          "https://example.org/s%d,%s,",
          s, s, s, 2015 + s % 10, 1 + s % 12, 1 + s % 28, s, kGrades[s % 5]));
    }
  }
  Writer w(out + "/observations.csv");
  w.Line(
      "indicator_id,region_code,period,value,qualifier,status,source_ids,note");
  uint64_t state = 0x9E3779B97F4A7C15ull;
  int64_t written = 0;
  for (int i = 0; i < indicators && written < total; ++i) {
    for (int64_t r = 0; r < regions && written < total; ++r) {
      for (int p = 0; p < periods && written < total; ++p) {
        for (int k = 0; k < per_figure && written < total; ++k, ++written) {
          state = state * 6364136223846793005ull + 1442695040888963407ull;
          const int source = static_cast<int>((i + r + k * 7) % kSources);
          const double value = static_cast<double>(state >> 40) / 100.0;
          std::string sources = absl::StrFormat("S%02d", source);
          if (k == 0 && p % 10 == 0) {
            absl::StrAppend(&sources,
                            absl::StrFormat(";S%02d", (source + 1) % kSources));
          }
          w.Line(absl::StrFormat("ind_%03d,XA-%06d,%04d-%02d,%.2f,%s,%s,%s,%s",
                                 i, r, 2015 + p / 12, 1 + p % 12, value,
                                 kQualifiers[state % 5], kStatuses[k % 3],
                                 sources,
                                 state % 100 == 0 ? "synthetic note" : ""));
        }
      }
    }
  }
  std::printf("wrote %lld observations, %lld regions to %s\n",
              static_cast<long long>(written), static_cast<long long>(regions),
              out.c_str());
  return 0;
}
