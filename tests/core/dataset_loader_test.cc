#include "server/core/load/dataset_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "tests/testing/seed_figures.h"
#include "tests/testing/temp_dataset.h"

namespace indicators {
namespace {

using testing::TempDataset;
using testing::TestDataDir;

// Returns the observations of `indicator` in `region` for `period`.
std::vector<const Observation*> Find(const Dataset& d,
                                     absl::string_view indicator,
                                     absl::string_view region,
                                     absl::string_view period) {
  std::vector<const Observation*> out;
  for (const Observation& o : d.observations()) {
    if (d.indicators()[o.indicator].id == indicator &&
        d.regions()[o.region].code == region && o.period.ToString() == period) {
      out.push_back(&o);
    }
  }
  return out;
}

TEST(DatasetLoaderTest, LoadsTheBasicTestDataset) {
  auto d = LoadDataset(TestDataDir());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->published_indicator_count(), 16u);
  EXPECT_EQ((*d)->regions().size(), 47u);
  EXPECT_EQ((*d)->sources().size(), 64u);
  EXPECT_EQ((*d)->published_observation_count(), 416u);
  // The one derived ratio whose inputs the basic dataset has.
  ASSERT_EQ((*d)->indicators().size(), 17u);
  EXPECT_EQ((*d)->indicators()[16].id, "rd_expenditure_per_fte_derived");
  EXPECT_EQ((*d)->version().size(), 64u);
}

// The seed report's six figures, exactly as it states them, from source SEED.
TEST(DatasetLoaderTest, KeepsTheSeedFiguresWithTheirQualifiers) {
  auto d = LoadDataset(TestDataDir());
  ASSERT_TRUE(d.ok()) << d.status();
  for (const testing::SeedFigure& seed : testing::SeedFigures()) {
    int from_seed = 0;
    auto rows = Find(**d, seed.indicator, "CN-GD", "2023");
    for (const Observation* o : rows) {
      auto sources = (*d)->sources_of(*o);
      if (sources.size() == 1 && (*d)->sources()[sources[0]].id == "SEED") {
        ++from_seed;
        EXPECT_EQ(o->value, seed.value) << seed.indicator;
        EXPECT_EQ(o->qualifier, seed.qualifier) << seed.indicator;
      }
    }
    EXPECT_EQ(from_seed, 1) << seed.indicator;
    EXPECT_GE(rows.size(), 2u) << seed.indicator << " has no other source";
  }
}

TEST(DatasetLoaderTest, VersionChangesIfAndOnlyIfContentChanges) {
  TempDataset data;
  auto a = LoadDataset(data.dir());
  auto b = LoadDataset(data.dir());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->version(), (*b)->version());
  data.Write("sources.csv",
             data.Read("sources.csv") + "ZZ,Pub,T,2024,,news,\n");
  auto c = LoadDataset(data.dir());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NE((*a)->version(), (*c)->version());
}

// Plain decimals up to 15 digits take a fast path (one exact division);
// longer ones the general parser. Either way a value is the double nearest
// the text, as strtod gives it.
TEST(DatasetLoaderTest, ValuesAreTheDoublesNearestTheirText) {
  TempDataset data;
  std::vector<std::string> texts = {"0",
                                    "-0",
                                    "0.1",
                                    "480.26",
                                    "-1.5",
                                    "7.0988",
                                    "123456789012345",
                                    "12345678901234.5",
                                    "0.000000000000001",
                                    "1234567890123456",
                                    "9007199254740993",
                                    "3.14159265358979323846",
                                    "99999999999999.99"};
  uint64_t state = 42;
  for (int i = 0; i < 2000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const int digits = 1 + static_cast<int>(state >> 60);  // 1-16.
    std::string text =
        std::to_string((state >> 8) % 10000000000000000ull).substr(0, digits);
    const size_t dot = (state >> 4) % (text.size() + 1);
    if (dot > 0 && dot < text.size()) text.insert(dot, ".");
    texts.push_back(text);
  }
  std::string csv = data.Read("observations.csv");
  for (size_t i = 0; i < texts.size(); ++i) {
    csv += "rd_expenditure,CN," + std::to_string(3200 + i) + "," + texts[i] +
           ",exact,final,S1,\n";
  }
  data.Write("observations.csv", csv);
  auto d = LoadDataset(data.dir());
  ASSERT_TRUE(d.ok()) << d.status();
  const uint32_t gdp = *(*d)->FindIndicator("rd_expenditure");
  const uint32_t cn = *(*d)->FindRegion("CN");
  for (size_t i = 0; i < texts.size(); ++i) {
    auto row = (*d)->preferred_row(gdp, cn, Period::Year(3200 + i));
    ASSERT_TRUE(row.has_value()) << texts[i];
    const double value = (*d)->observations()[*row].value;
    const double expected = std::strtod(texts[i].c_str(), nullptr);
    EXPECT_EQ(std::memcmp(&value, &expected, sizeof value), 0)
        << texts[i] << ": " << value << " vs " << expected;
  }
}

TEST(DatasetLoaderTest, VersionCoversEachOfTheFourTables) {
  TempDataset data;
  auto original = LoadDataset(data.dir());
  ASSERT_TRUE(original.ok()) << original.status();
  std::set<std::string> versions = {(*original)->version()};
  // One changed field in each table.
  const std::pair<const char*, const char*> edits[][2] = {
      {{"indicators.csv", "R&D expenditure"}, {"", "Z&D expenditure"}},
      {{"regions.csv", "Guangdong"}, {"", "Zuangdong"}},
      {{"sources.csv", "Xinhua"}, {"", "Zinhua"}},
      {{"observations.csv", ",about,"}, {"", ",over,"}}};
  for (const auto& edit : edits) {
    const char* file = edit[0].first;
    const std::string from = edit[0].second, to = edit[1].second;
    const std::string content = data.Read(file);
    std::string changed_content = content;
    const size_t at = changed_content.find(from);
    ASSERT_NE(at, std::string::npos) << file;
    changed_content.replace(at, from.size(), to);
    data.Write(file, changed_content);
    auto changed = LoadDataset(data.dir());
    ASSERT_TRUE(changed.ok()) << file << ": " << changed.status();
    EXPECT_TRUE(versions.insert((*changed)->version()).second) << file;
    data.Write(file, content);
  }
  auto restored = LoadDataset(data.dir());
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ((*restored)->version(), (*original)->version());
}

// The version is the content's: CSV quoting, line ends, blank lines and the
// spelling of numbers do not change it.
TEST(DatasetLoaderTest, VersionIgnoresHowTheCsvSpellsTheContent) {
  TempDataset data;
  auto original = LoadDataset(data.dir());
  ASSERT_TRUE(original.ok()) << original.status();
  std::string indicators = data.Read("indicators.csv");
  std::string respelled;
  for (char c : indicators) {
    if (c == '\n')
      respelled += "\r\n";
    else
      respelled += c;
  }
  respelled += "\r\n";  // A blank line.
  data.Write("indicators.csv", respelled);
  std::string observations = data.Read("observations.csv");
  // Quote every id field and spell a value with leading zeros.
  const size_t first_row = observations.find('\n') + 1;
  const size_t comma = observations.find(',', first_row);
  observations = observations.substr(0, first_row) + "\"" +
                 observations.substr(first_row, comma - first_row) + "\"" +
                 observations.substr(comma);
  const size_t value_at = [&] {
    size_t at = first_row;
    for (int i = 0; i < 3; ++i) at = observations.find(',', at) + 1;
    return at;
  }();
  observations.insert(value_at, "00");
  data.Write("observations.csv", observations);
  auto respelled_dataset = LoadDataset(data.dir());
  ASSERT_TRUE(respelled_dataset.ok()) << respelled_dataset.status();
  EXPECT_EQ((*respelled_dataset)->version(), (*original)->version());
}

// Returns the lines of `text` (each without its '\n').
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::string Unlines(const std::vector<std::string>& lines) {
  return absl::StrJoin(lines, "\n") + "\n";
}

// The version is over what is served: the catalog tables in any row order,
// and observations in any order that leaves the query order as it is, give
// the same version (an export in query order loads with the served version).
TEST(DatasetLoaderTest, VersionIgnoresRowOrderThatServesTheSame) {
  TempDataset data;
  auto original = LoadDataset(data.dir());
  ASSERT_TRUE(original.ok()) << original.status();
  for (const char* file : {"indicators.csv", "regions.csv", "sources.csv"}) {
    std::vector<std::string> lines = Lines(data.Read(file));
    std::reverse(lines.begin() + 1, lines.end());
    data.Write(file, Unlines(lines));
  }
  // The first and the last observation are of different indicators, so
  // swapping them cannot change which of two tied rows comes first.
  std::vector<std::string> rows = Lines(data.Read("observations.csv"));
  ASSERT_GT(rows.size(), 3u);
  ASSERT_NE(rows[1].substr(0, rows[1].find(',')),
            rows.back().substr(0, rows.back().find(',')));
  std::swap(rows[1], rows.back());
  data.Write("observations.csv", Unlines(rows));
  auto reordered = LoadDataset(data.dir());
  ASSERT_TRUE(reordered.ok()) << reordered.status();
  EXPECT_EQ((*reordered)->version(), (*original)->version());
}

// File order is the preferred-source rule's last criterion: swapping two
// rows that tie on every other criterion changes what is served, and the
// version.
TEST(DatasetLoaderTest, VersionChangesWhenTiedRowsSwap) {
  TempDataset data;
  data.Write("sources.csv", data.Read("sources.csv") +
                                "ZA,Pub,A,2024-01-02,,official,\n"
                                "ZB,Pub,B,2024-01-02,,official,\n");
  const std::string base = data.Read("observations.csv");
  const std::string a = "rd_expenditure,CN-GD,2031,1.5,exact,final,ZA,\n";
  const std::string b = "rd_expenditure,CN-GD,2031,2.5,exact,final,ZB,\n";
  data.Write("observations.csv", base + a + b);
  auto ab = LoadDataset(data.dir());
  data.Write("observations.csv", base + b + a);
  auto ba = LoadDataset(data.dir());
  ASSERT_TRUE(ab.ok() && ba.ok()) << ab.status() << ba.status();
  EXPECT_NE((*ab)->version(), (*ba)->version());
}

TEST(DatasetLoaderTest, MissingFileIsNotFound) {
  auto d = LoadDataset("/nonexistent-dataset-dir");
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(d.status().message().find("indicators.csv"), std::string::npos);
}

struct BadRow {
  const char* name;
  const char* file;
  const char* row;       // Appended to the file (becomes its last line).
  const char* expected;  // Substring of the error; `@` is that line number.
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const BadRow& row, std::ostream* os) { *os << row.name; }

class DatasetLoaderErrorTest : public ::testing::TestWithParam<BadRow> {};

TEST_P(DatasetLoaderErrorTest, RejectsWithFileLineColumnAndReason) {
  const BadRow& bad = GetParam();
  TempDataset data;
  std::string content = data.Read(bad.file);
  const int line =
      static_cast<int>(std::count(content.begin(), content.end(), '\n')) + 1;
  data.Write(bad.file, content + bad.row + "\n");
  auto d = LoadDataset(data.dir());
  ASSERT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string expected =
      absl::StrReplaceAll(bad.expected, {{"@", std::to_string(line)}});
  EXPECT_NE(d.status().message().find(expected), std::string::npos)
      << d.status().message() << "\nexpected: " << expected;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, DatasetLoaderErrorTest,
    ::testing::Values(
        BadRow{"UnknownIndicator", "observations.csv",
               "nope,CN,2023,1,exact,final,S1,",
               "observations.csv:@: column 1 (indicator_id): \"nope\" is not "
               "defined in indicators.csv"},
        BadRow{"UnknownRegion", "observations.csv",
               "rd_intensity,XX,2023,1,exact,final,S1,",
               "observations.csv:@: column 2 (region_code): \"XX\""},
        BadRow{
            "BadPeriod", "observations.csv",
            "rd_intensity,CN,2023-13,1,exact,final,S1,",
            "observations.csv:@: column 3 (period): \"2023-13\" has month 13"},
        BadRow{"BadNumber", "observations.csv",
               "rd_intensity,CN,2023,1e5,exact,final,S1,",
               "observations.csv:@: column 4 (value): \"1e5\" is not a plain "
               "decimal"},
        BadRow{"EmptyNumber", "observations.csv",
               "rd_intensity,CN,2023,,exact,final,S1,",
               "column 4 (value): \"\" is not a plain decimal"},
        BadRow{"BadQualifier", "observations.csv",
               "rd_intensity,CN,2023,1,roughly,final,S1,",
               "column 5 (qualifier): \"roughly\" is not one of exact, about"},
        BadRow{"BadStatus", "observations.csv",
               "rd_intensity,CN,2023,1,exact,draft,S1,",
               "column 6 (status): \"draft\" is not one of final"},
        BadRow{"UnknownSource", "observations.csv",
               "rd_intensity,CN,2023,1,exact,final,S1;S999,",
               "column 7 (source_ids): \"S999\" is not defined in sources.csv"},
        BadRow{"NoSource", "observations.csv",
               "rd_intensity,CN,2023,1,exact,final,,",
               "column 7 (source_ids): is empty"},
        BadRow{"RepeatedSource", "observations.csv",
               "rd_intensity,CN,2031,1,exact,final,S1;S1,",
               "column 7 (source_ids): \"S1\" is listed twice"},
        BadRow{"DuplicateObservation", "observations.csv",
               "high_tech_enterprises,CN-GD,2023,75000,over,preliminary,SEED,",
               "observations.csv:@: column 1 (indicator_id): duplicates line"},
        BadRow{"WrongColumnCount", "observations.csv", "rd_intensity,CN,2023",
               "observations.csv:@: has 3 columns; expected 8"},
        BadRow{"UnterminatedQuote", "observations.csv",
               "rd_intensity,CN,2030,1,exact,final,S1,\"open",
               "observations.csv:@: column 8: quoted field has no closing"},
        BadRow{"DuplicateIndicator", "indicators.csv",
               "rd_intensity,R,percent,0,d,none",
               "indicators.csv:@: column 1 (indicator_id): \"rd_intensity\" is "
               "already defined on line"},
        BadRow{"BadMultiplier", "indicators.csv", "x,X,u,nine,d,sum",
               "indicators.csv:@: column 4 (unit_multiplier): \"nine\""},
        BadRow{"BadAggregation", "indicators.csv", "x,X,u,0,d,mean",
               "column 6 (aggregation): \"mean\" is not one of sum, none"},
        BadRow{"BadId", "indicators.csv", "bad id,X,u,0,d,sum",
               "column 1 (indicator_id): \"bad id\" is not an id"},
        BadRow{"UnknownParent", "regions.csv", "XX,X,province,YY",
               "regions.csv:@: column 4 (parent_code): \"YY\" is not a "
               "region_code"},
        BadRow{"BadRegionType", "regions.csv", "XX,X,county,CN",
               "column 3 (type): \"county\" is not one of"},
        BadRow{"BadDate", "sources.csv", "ZZ,P,T,2024-02-30x,,news,",
               "sources.csv:@: column 4 (published): \"2024-02-30x\" is not a "
               "date"},
        BadRow{"BadReliability", "sources.csv", "ZZ,P,T,2024,,blog,",
               "column 6 (reliability): \"blog\" is not one of"},
        BadRow{"InvalidUtf8InANote", "observations.csv",
               "rd_intensity,CN,2031,1,exact,final,S1,note \xff here",
               "observations.csv:@: column 8 (note): is not valid UTF-8 (byte "
               "0xFF at byte 6 of the field)"},
        BadRow{"TruncatedUtf8InATitle", "sources.csv",
               "ZZ,P,\"title \xe4\xb8\",2024,,news,",
               "sources.csv:@: column 3 (title): is not valid UTF-8 (byte 0xE4 "
               "at byte 7"},
        BadRow{"OverlongUtf8InAName", "regions.csv",
               "XX,\xc0\xafname,province,CN",
               "regions.csv:@: column 2 (name): is not valid UTF-8 (byte 0xC0 "
               "at byte 1"},
        BadRow{
            "LongValueIsCutInTheMessage", "indicators.csv",
            "x,X,u,0000000000000000000000000000000000000000000000000000000000"
            "00000000000000000000000000000000000000000000000000000000000000x,"
            "d,sum",
            "column 4 (unit_multiplier): \"00000000000000000000000000000000"
            "00000000000000000000000000000000...\" (121 bytes) is not an "
            "integer"}),
    [](const ::testing::TestParamInfo<BadRow>& info) {
      return info.param.name;
    });

TEST(DatasetLoaderTest, RejectsAWrongHeader) {
  TempDataset data;
  data.Write("regions.csv", "code,name,type,parent\nCN,China,country,\n");
  auto d = LoadDataset(data.dir());
  ASSERT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find(
                "regions.csv:1: header must be \"region_code,name,type,"
                "parent_code\""),
            std::string::npos)
      << d.status().message();
}

TEST(DatasetLoaderTest, RejectsACycleOfParents) {
  TempDataset data;
  data.Write("regions.csv",
             data.Read("regions.csv") + "AA,A,province,BB\nBB,B,province,AA\n");
  auto d = LoadDataset(data.dir());
  ASSERT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("makes a cycle of parents"),
            std::string::npos)
      << d.status().message();
}

TEST(DatasetLoaderTest, ReportsManyErrorsAtOnceAndCountsThem) {
  TempDataset data;
  std::string rows;
  for (int i = 0; i < 30; ++i) rows += "nope,CN,2023,1,exact,final,S1,\n";
  data.Write("observations.csv", data.Read("observations.csv") + rows);
  auto d = LoadDataset(data.dir());
  ASSERT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("(30 errors)"), std::string::npos);
  EXPECT_NE(d.status().message().find("... and 10 more"), std::string::npos);
}

}  // namespace
}  // namespace indicators
