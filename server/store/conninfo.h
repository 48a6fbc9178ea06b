#ifndef INDICATORS_SERVER_STORE_CONNINFO_H_
#define INDICATORS_SERVER_STORE_CONNINFO_H_

#include <string>

namespace indicators::store {

// Returns `conninfo` (a libpq key=value string or a postgresql:// URI) with
// time limits added for each one it does not set: `connect_timeout=5`
// (seconds), TCP keepalives after 5 s idle every 2 s with 3 probes, and
// `tcp_user_timeout=10000` (ms). A database host that vanishes is then
// noticed within seconds, not the system's hours, so a replica reports itself
// stale and reconnects. A string libpq cannot parse is returned as it is (the
// connection attempt reports it).
std::string WithTimeLimits(const std::string& conninfo);

// Returns "postgresql://host:port/dbname" for a connection string, without
// user or password, to name the database in logs.
std::string DescribeDatabase(const std::string& conninfo);

}  // namespace indicators::store

#endif  // INDICATORS_SERVER_STORE_CONNINFO_H_
