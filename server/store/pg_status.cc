#include "server/store/pg_status.h"

#include <exception>
#include <pqxx/pqxx>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace indicators::store {

absl::Status StatusFromCurrentException(absl::string_view what) {
  auto message = [&](const std::exception& e) {
    return absl::StrCat(what, ": ",
                        absl::StripTrailingAsciiWhitespace(e.what()));
  };
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(message(e));
  } catch (const pqxx::serialization_failure& e) {
    // libpqxx 6.4 derives these from `pqxx::failure`, not `sql_error`: a
    // concurrent writer won; the transaction can be run again.
    return absl::AbortedError(message(e));
  } catch (const pqxx::deadlock_detected& e) {
    return absl::AbortedError(message(e));
  } catch (const pqxx::undefined_table& e) {
    return absl::FailedPreconditionError(
        absl::StrCat(message(e),
                     " (the database has no indicator schema yet: run "
                     "`indicators-admin migrate`)"));
  } catch (const pqxx::integrity_constraint_violation& e) {
    return absl::InvalidArgumentError(message(e));
  } catch (const pqxx::data_exception& e) {
    return absl::InvalidArgumentError(message(e));
  } catch (const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    if (state == "40001" || state == "40P01") {
      return absl::AbortedError(message(e));
    }
    // Class 08: connection exception; 57P0x: the server is shutting down.
    if (state.rfind("08", 0) == 0 || state.rfind("57P0", 0) == 0) {
      return absl::UnavailableError(message(e));
    }
    return absl::InternalError(message(e));
  } catch (const pqxx::in_doubt_error& e) {
    return absl::UnavailableError(message(e));
  } catch (const std::exception& e) {
    return absl::InternalError(message(e));
  } catch (...) {
    return absl::InternalError(absl::StrCat(what, ": unknown error"));
  }
}

}  // namespace indicators::store
