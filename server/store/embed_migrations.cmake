# Writes ${OUT}: a C++ array of the SQL migrations in ${DIR}, named NNNN_*.sql
# and applied in that order.
file(GLOB files RELATIVE ${DIR} ${DIR}/*.sql)
list(SORT files)
set(body "")
foreach(name IN LISTS files)
  file(READ ${DIR}/${name} sql)
  string(REGEX MATCH "^[0-9]+" number ${name})
  math(EXPR version "${number}")
  string(APPEND body "    {${version}, \"${name}\", R\"migration(${sql})migration\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from server/store/migrations/*.sql; do not edit.
#include \"server/store/schema.h\"

namespace indicators::store {

absl::Span<const Migration> Migrations() {
  static constexpr Migration kMigrations[] = {
${body}  };
  return kMigrations;
}

}  // namespace indicators::store
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
