// The audit tables (component "audit" of the shared database) and the row <-> Record mapping.
//
//   audit_records         one row per record: seq (gap-free, the chain order), time_us, the Event
//                         fields, prev_hash, hash; indexed by every searched column
//   audit_record_studies  (study_uid, seq): search index for the study UIDs of a record
//   audit_head            one row: seq and hash of the newest record; appenders lock it
//   audit_anchor          one row: seq and hash of the last purged record (0 and zeros at first)
//   audit_shipping        per syslog destination: the last seq shipped
//
// Triggers refuse UPDATE of records and DELETE of records above the anchor, so only Purge (which
// moves the anchor first, in the same transaction) can remove any.
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "dokuei/audit/audit.h"
#include "dokuei/db/db.h"

namespace dokuei::audit {

base::Status MigrateAudit(db::Database& database);

// Column list for SELECTs that build a Record (with prev_hash last).
inline constexpr std::string_view kRecordColumns =
    "seq, time_us, action, outcome, tenant_id, actor, actor_user_id, actor_tenant_id, "
    "actor_roles, source_address, protocol, patient_id, study_uids, object_count, object_detail, "
    "sop_class_uid, message, hash, prev_hash";

// A row selected with kRecordColumns.
Record RecordFromRow(const db::Row& row);
inline std::string_view PrevHashOf(const db::Row& row) { return row.Str(18); }

}  // namespace dokuei::audit
