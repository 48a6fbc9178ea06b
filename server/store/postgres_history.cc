#include "server/store/postgres_history.h"

#include <pqxx/pqxx>

#include "absl/strings/str_split.h"
#include "server/store/schema.h"

namespace indicators::store {

absl::StatusOr<std::vector<RecordedValue>> PostgresHistory::Read(
    const std::string& indicator_id, const std::string& region_code,
    const std::string& period) const {
  std::vector<RecordedValue> out;
  absl::Status status = pool_->Run(
      "read the history", [&](pqxx::connection& connection) -> absl::Status {
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn(
            connection);
        if (absl::Status schema = CheckSchema(txn); !schema.ok()) return schema;
        constexpr const char kColumns[] =
            "indicator_id, region_code, period, value::text, qualifier, "
            "status, "
            "array_to_string(source_ids, ';'), note, "
            "(extract(epoch FROM recorded_at) * 1000000)::bigint, recorded_in";
        const pqxx::result rows = txn.exec_params(
            std::string("SELECT ") + kColumns +
                ", 0, false FROM observations WHERE indicator_id = $1 AND "
                "region_code = $2 AND period = $3 UNION ALL SELECT " +
                kColumns +
                ", superseded_in, withdrawn FROM observation_history WHERE "
                "indicator_id = $1 AND region_code = $2 AND period = $3 "
                "ORDER BY 10, 11",
            indicator_id, region_code, period);
        for (const pqxx::row& row : rows) {
          RecordedValue value;
          value.record = {
              row[0].as<std::string>(),
              row[1].as<std::string>(),
              row[2].as<std::string>(),
              row[3].as<std::string>(),
              row[4].as<std::string>(),
              row[5].as<std::string>(),
              absl::StrSplit(row[6].as<std::string>(), ';', absl::SkipEmpty()),
              row[7].as<std::string>()};
          value.recorded_at_micros = row[8].as<int64_t>();
          value.recorded_in = row[9].as<int64_t>();
          value.superseded_in = row[10].as<int64_t>();
          value.withdrawn = row[11].as<bool>();
          out.push_back(std::move(value));
        }
        txn.commit();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return out;
}

}  // namespace indicators::store
