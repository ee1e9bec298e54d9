// Translation of a FindQuery into parameterised SQL for either dialect, and decoding of the result
// rows. Every statement is filtered by tenant_id; every input value is a bound parameter.
//
// Row order (Index contract): patients by name, ID, issuer; studies by date, time (descending),
// Study Instance UID (descending, a tie-breaker that lets the date index be read backwards);
// series by their study's order, then Series Number (nulls last), Series Instance UID; instances
// by their series' order, then Instance Number (nulls last), SOP Instance UID.
// Private to the index module. Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "db.h"
#include "dokuei/base/status.h"
#include "dokuei/index/query.h"
#include "dokuei/index/records.h"

namespace dokuei::index {

// SQL text with '?' placeholders and the values bound to them, in order.
struct Sql {
  std::string text;
  std::vector<Value> params;

  Sql& Add(std::string_view s) {
    text += s;
    return *this;
  }
  Sql& Bind(Value v) {
    text += '?';
    params.push_back(std::move(v));
    return *this;
  }
};

// Owner attribute codes of name_keys rows.
inline constexpr int64_t kNameAttrPatient = 0;
inline constexpr int64_t kNameAttrReferring = 1;
inline constexpr int64_t kNameKindMatch = 0;
inline constexpr int64_t kNameKindFuzzy = 1;

// Plan choices the caller makes from data the SQL planner lacks.
struct BuildOptions {
  // ModalitiesInStudy as a correlated EXISTS probed per study (the study date order drives the
  // scan and stops at the limit) instead of an IN list the study rows are fetched from (then
  // sorted). SQLite cannot choose between the two itself; PostgreSQL can (semi-join).
  bool correlated_modalities = false;
};

// Checks the query (levels, condition kinds, values) without building anything.
base::Status ValidateQuery(const FindQuery& query);

// SELECT of the matches at query.level with columns for that level and the levels above, in the
// documented order, with limit/offset. Decode rows with DecodeFindRow.
base::Result<Sql> BuildFindSql(const FindQuery& query, Dialect dialect, TenantId tenant,
                               BuildOptions options = {});
// Fills the fields of `level` and the levels above from a row of BuildFindSql; *rep_instance_id is
// the representative instance whose metadata the row carries (0 if none).
void DecodeFindRow(const Row& row, Level level, FindRow* out, int64_t* rep_instance_id);

// SELECT of every instance under the matches (limit/offset page the matched entities), in the
// documented order. Columns: those decoded by DecodeLocation, then the instance's row id.
base::Result<Sql> BuildLocateSql(const FindQuery& query, Dialect dialect, TenantId tenant,
                                 BuildOptions options = {});

// "SELECT COUNT(*)" of at most `cap` series matching the query's first ModalitiesInStudy
// condition; empty text when there is none.
base::Result<Sql> BuildModalityProbeSql(const FindQuery& query, Dialect dialect, TenantId tenant,
                                        int64_t cap);
InstanceLocation DecodeLocation(const Row& row);
inline constexpr int kLocationIdColumn = 9;

// Appends " IN (?, ?, ...)" binding ids.
void AppendIdList(Sql* sql, std::span<const int64_t> ids);

}  // namespace dokuei::index
