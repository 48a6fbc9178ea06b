#include "server/core/base/csv_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "server/core/load/csv_records.h"

namespace indicators {
namespace {

std::vector<std::vector<std::string>> ReadAll(absl::string_view text) {
  CsvReader reader("t.csv", text);
  std::vector<std::vector<std::string>> out;
  std::vector<absl::string_view> fields;
  while (true) {
    auto more = reader.Next(&fields);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    out.emplace_back(fields.begin(), fields.end());
  }
  return out;
}

TEST(CsvReaderTest, ReadsQuotedFieldsWithEscapesCommasAndNewlines) {
  auto rows = ReadAll("a,\"b, \"\"c\"\"\",d\r\n\"x\ny\",,z\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "b, \"c\"", "d"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"x\ny", "", "z"}));
}

TEST(CsvReaderTest, SkipsByteOrderMarkAndReadsLastLineWithoutNewline) {
  auto rows = ReadAll("\xEF\xBB\xBFh1,h2\n1,2");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "h1");
  EXPECT_EQ(rows[1][1], "2");
}

TEST(CsvReaderTest, ReportsLineOfEachRecord) {
  CsvReader reader("t.csv", "a\n\"multi\nline\"\nb\n");
  std::vector<absl::string_view> fields;
  ASSERT_TRUE(*reader.Next(&fields));
  EXPECT_EQ(reader.line(), 1);
  ASSERT_TRUE(*reader.Next(&fields));
  EXPECT_EQ(reader.line(), 2);
  ASSERT_TRUE(*reader.Next(&fields));
  EXPECT_EQ(reader.line(), 4);
}

TEST(CsvReaderTest, RejectsMalformedQuotingWithPosition) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"a,\"open\n", "t.csv:1: column 2: quoted field has no closing quote"},
      {"a,\"x\"y\n",
       "t.csv:1: column 2: unexpected character after a closing quote"},
      {"a\nb,c\"d\n", "t.csv:2: column 2: quote inside an unquoted field"},
  };
  for (const Case& c : cases) {
    CsvReader reader("t.csv", c.text);
    std::vector<absl::string_view> fields;
    absl::Status status;
    while (true) {
      auto more = reader.Next(&fields);
      if (!more.ok()) {
        status = more.status();
        break;
      }
      if (!*more) break;
    }
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_EQ(status.message(), c.message);
  }
}

}  // namespace
}  // namespace indicators

namespace indicators {
namespace {

// Every record with its line, then the error if there is one. UTF-8 is
// judged per chunk, a finer grain than the whole text, so it is not traced.
std::vector<std::string> Trace(CsvRecords& records) {
  std::vector<std::string> out;
  std::vector<absl::string_view> fields;
  while (true) {
    absl::StatusOr<bool> more = records.Next(&fields);
    if (!more.ok()) {
      out.push_back(std::string(more.status().message()));
      break;
    }
    if (!*more) break;
    std::string line = std::to_string(records.line()) + ":";
    for (absl::string_view f : fields) line += "[" + std::string(f) + "]";
    out.push_back(line);
  }
  return out;
}

// A file read in chunks of every small size gives exactly the records, lines
// and errors of the same text read whole.
TEST(FileCsvRecordsTest, AnyChunkSizeGivesTheWholeTextsRecords) {
  const std::string texts[] = {
      "\xEF\xBB\xBFh1,h2\r\na,\"b,\"\"c\"\"\nd\"\r\n\n\"e\",f\ng,\xFF\n",
      "a,b\n\"multi\nline\nfield\",x\nlast,without newline",
      "a,b\n\"unterminated,x\ny,z\n",
      "a,b\nc,d\"e\nf,g\n",
  };
  const std::string path = ::testing::TempDir() + "/chunks.csv";
  for (const std::string& text : texts) {
    TextCsvRecords whole("t.csv", text);
    const std::vector<std::string> expected = Trace(whole);
    for (size_t chunk = 1; chunk <= text.size() + 1; ++chunk) {
      std::FILE* f = std::fopen(path.c_str(), "wb");
      std::fwrite(text.data(), 1, text.size(), f);
      std::fclose(f);
      auto file = FileCsvRecords::Open(path, "t.csv", chunk);
      ASSERT_TRUE(file.ok());
      EXPECT_EQ(Trace(**file), expected) << "chunk " << chunk << " of " << text;
      // The size hint bounds the records (an error line is not a record).
      EXPECT_GE((*file)->MaxRecords(), expected.size() - 1);
      EXPECT_EQ((*file)->MaxRecords(), whole.MaxRecords());
    }
  }
}

TEST(FileCsvRecordsTest, AMissingFileIsNotFound) {
  EXPECT_EQ(FileCsvRecords::Open("/nonexistent/x.csv", "x.csv").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace indicators
