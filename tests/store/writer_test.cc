// Ingest into a real PostgreSQL: a batch is applied whole or not at all,
// revisions keep the earlier value, an idempotency key makes a retry a no-op,
// and each batch is one revision.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/core/base/errors.h"
#include "server/store/connection_pool.h"
#include "server/store/postgres_store.h"
#include "server/store/postgres_writer.h"
#include "server/store/schema.h"
#include "tests/testing/database_test.h"
#include "tests/testing/temp_dataset.h"
#include "tests/testing/temp_postgres.h"

namespace indicators::store {
namespace {

class WriterTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DatabaseTest::SetUp());
    ASSERT_TRUE(Migrate(db_).ok());
    ASSERT_TRUE(ImportDirectory(db_, testing::TestDataDir()).ok());
  }
  int64_t Revision() const { return StoredRevision(); }
  // A writer on a pool of one connection to the test's database.
  PostgresWriter Writer() const {
    return PostgresWriter(std::make_shared<const ConnectionPool>(db_, 1));
  }
};

// Guangdong's 2023 R&D as the communiqué gave it, and a new figure citing a
// new source.
IngestBatch RevisionAndNewFigure() {
  IngestBatch batch;
  batch.observations = {{"rd_expenditure",
                         "CN-GD",
                         "2023",
                         "481.5",
                         "exact",
                         "final",
                         {"S13"},
                         "revised"},
                        {"rd_expenditure",
                         "CN-GD",
                         "2031",
                         "600",
                         "about",
                         "estimate",
                         {"ZNEW"},
                         "new"}};
  batch.sources = {
      {"ZNEW", "A publisher", "A title", "2031-01-02", "", "news", ""}};
  return batch;
}

TEST_F(WriterTest, ABatchIsOneRevisionAndARevisionKeepsTheEarlierValue) {
  const int64_t before = Revision();
  const PostgresWriter writer = Writer();
  auto result = writer.Ingest(RevisionAndNewFigure());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->revision, before + 1);
  EXPECT_EQ(Revision(), before + 1);
  EXPECT_EQ(result->added, 1);
  EXPECT_EQ(result->revised, 1);
  EXPECT_EQ(result->sources_added, 1);
  EXPECT_FALSE(result->replayed);
  EXPECT_EQ(Sql("SELECT value || ' ' || note || ' ' || recorded_in FROM "
                "observations WHERE indicator_id = 'rd_expenditure' AND "
                "region_code = 'CN-GD' AND period = '2023' AND "
                "source_ids = '{S13}'"),
            absl::StrCat("481.5 revised ", before + 1));
  // The communiqué's value is in the history, superseded by this revision.
  EXPECT_EQ(Sql("SELECT value || ' ' || superseded_in || ' ' || withdrawn "
                "FROM observation_history"),
            absl::StrCat("480.26 ", before + 1, " false"));
  // And the served dataset has the batch.
  auto loaded = LoadFromDatabase(db_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->revision(), before + 1);
  EXPECT_EQ((*loaded)->sources().back().id, "ZNEW");
}

TEST_F(WriterTest, AWithdrawalMovesTheValueToTheHistory) {
  IngestBatch batch;
  batch.withdrawals = {{"rd_expenditure", "CN-GD", "2023", {"SEED"}}};
  const std::string count =
      "SELECT count(*) FROM observations WHERE source_ids = '{SEED}' AND "
      "indicator_id = 'rd_expenditure' AND period = '2023'";
  ASSERT_EQ(Sql(count), "1");
  auto result = Writer().Ingest(batch);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->withdrawn, 1);
  EXPECT_EQ(Sql(count), "0");
  EXPECT_EQ(Sql("SELECT value || ' ' || withdrawn FROM observation_history"),
            "460 true");
  // Withdrawing it again names the item and changes nothing.
  const int64_t revision = Revision();
  auto again = Writer().Ingest(batch);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(GetFieldViolations(again.status()).size(), 1u);
  EXPECT_EQ(GetFieldViolations(again.status())[0].field, "withdrawals[0]");
  EXPECT_EQ(Revision(), revision);
}

TEST_F(WriterTest, OneBadItemRejectsTheWholeBatchAndNamesEachProblem) {
  IngestBatch batch = RevisionAndNewFigure();
  batch.observations.push_back({"rd_expenditure",
                                "CN-GD",
                                "2023-13",
                                "1",
                                "exact",
                                "final",
                                {"S13"},
                                ""});
  batch.observations.push_back(
      {"nope", "CN-GD", "2023", "1", "exact", "final", {"S13"}, ""});
  batch.sources.push_back({"S1", "Another publisher", "", "", "", "news", ""});
  const int64_t before = Revision();
  auto result = Writer().Ingest(batch);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
      << result.status();
  std::vector<std::string> fields;
  for (const FieldViolation& v : GetFieldViolations(result.status())) {
    fields.push_back(v.field);
  }
  EXPECT_EQ(fields,
            (std::vector<std::string>{"sources[1].id", "observations[2].period",
                                      "observations[3].indicator_id"}))
      << result.status();
  // Nothing of it was stored: not the good rows, not the new source.
  EXPECT_EQ(Revision(), before);
  EXPECT_EQ(Sql("SELECT count(*) FROM sources WHERE source_id = 'ZNEW'"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM observation_history"), "0");
}

TEST_F(WriterTest, ARetryWithTheSameKeyIsANoOpThatGivesTheFirstAnswer) {
  IngestBatch batch = RevisionAndNewFigure();
  batch.idempotency_key = "batch-1";
  const PostgresWriter writer = Writer();
  auto first = writer.Ingest(batch);
  ASSERT_TRUE(first.ok()) << first.status();
  auto retry = writer.Ingest(batch);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->revision, first->revision);
  EXPECT_EQ(retry->added, 1);
  EXPECT_EQ(Revision(), first->revision);
  EXPECT_EQ(Sql("SELECT count(*) FROM observations WHERE period = '2031'"),
            "1");
  // The same key with another batch is refused.
  batch.observations.pop_back();
  auto reused = writer.Ingest(batch);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetErrorDetail(reused.status())->reason,
            reason::kIdempotencyKeyReused);
}

// The key covers the whole batch: the same observations with other sources
// (an added source, or another source of an observation) are another batch.
TEST_F(WriterTest, TheSameKeyWithOtherSourcesIsRefused) {
  IngestBatch batch = RevisionAndNewFigure();
  batch.idempotency_key = "batch-sources";
  const PostgresWriter writer = Writer();
  ASSERT_TRUE(writer.Ingest(batch).ok());
  IngestBatch more_sources = batch;
  more_sources.sources.push_back(
      {"ZOTHER", "Another", "Another title", "2031-02-03", "", "news", ""});
  auto reused = writer.Ingest(more_sources);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetErrorDetail(reused.status())->reason,
            reason::kIdempotencyKeyReused);
  IngestBatch cited_otherwise = batch;
  cited_otherwise.observations[0].source_ids = {"S13", "S20"};
  auto recited = writer.Ingest(cited_otherwise);
  EXPECT_EQ(recited.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetErrorDetail(recited.status())->reason,
            reason::kIdempotencyKeyReused);
  EXPECT_EQ(Sql("SELECT count(*) FROM sources WHERE source_id = 'ZOTHER'"),
            "0");
}

TEST_F(WriterTest, TheSameContentAgainChangesNothing) {
  const PostgresWriter writer = Writer();
  ASSERT_TRUE(writer.Ingest(RevisionAndNewFigure()).ok());
  const int64_t revision = Revision();
  auto again = writer.Ingest(RevisionAndNewFigure());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->unchanged, 2);
  EXPECT_EQ(again->added + again->revised + again->sources_added, 0);
  EXPECT_EQ(again->revision, revision);
  EXPECT_EQ(Revision(), revision);
}

}  // namespace
}  // namespace indicators::store
