// The delivery tables on the shared database (component "delivery"). Times are microseconds since
// the Unix epoch (UTC), 0 = not yet. Artefact bytes are stored once per (version, kind), base64
// in a TEXT column; a queue row per (version, kind, destination) refers to them.
#include "dokuei/db/migrations.h"

#include "dokuei/delivery/delivery.h"
#include "sql.h"

namespace dokuei::delivery {
namespace internal {

base::Status MigrateDeliveryTables(db::Database& db) {
  static const std::vector<db::Migration> kMigrations = {
      {1,
       {
           "CREATE TABLE delivery_destinations ("
           " id {PK}, tenant_id {INT} NOT NULL, kind {TEXT}, name {TEXT},"
           " enabled {INT} NOT NULL DEFAULT 1, ae_title {TEXT}, host {TEXT},"
           " port {INT} NOT NULL DEFAULT 0, tls {INT} NOT NULL DEFAULT 0, url {TEXT},"
           " bearer_token {TEXT}, created_us {INT} NOT NULL, updated_us {INT} NOT NULL)",
           "CREATE INDEX delivery_destinations_by_tenant ON delivery_destinations (tenant_id, id)",
           "CREATE TABLE delivery_artifacts ("
           " id {PK}, version_id {INT} NOT NULL, kind {TEXT}, sha256 {TEXT},"
           " size_bytes {INT} NOT NULL, data {TEXT}, created_us {INT} NOT NULL,"
           " UNIQUE (version_id, kind))",
           "CREATE TABLE delivery_queue ("
           " id {PK}, tenant_id {INT} NOT NULL, request_id {INT} NOT NULL,"
           " report_id {INT} NOT NULL, version_id {INT} NOT NULL,"
           " version_number {INT} NOT NULL, addendum {INT} NOT NULL DEFAULT 0,"
           " artifact_kind {TEXT}, artifact_id {INT} NOT NULL REFERENCES delivery_artifacts(id),"
           " destination_id {INT} NOT NULL, destination_kind {TEXT}, destination_name {TEXT},"
           " state {TEXT}, attempts {INT} NOT NULL DEFAULT 0, claim {TEXT},"
           " created_us {INT} NOT NULL, updated_us {INT} NOT NULL,"
           " next_attempt_us {INT} NOT NULL DEFAULT 0, last_attempt_us {INT} NOT NULL DEFAULT 0,"
           " delivered_us {INT} NOT NULL DEFAULT 0, last_error {TEXT},"
           " dimse_status {INT} NOT NULL DEFAULT -1, ack_code {TEXT},"
           " http_status {INT} NOT NULL DEFAULT 0, remote_text {TEXT},"
           " UNIQUE (version_id, artifact_kind, destination_id))",
           "CREATE INDEX delivery_queue_due ON delivery_queue (state, next_attempt_us)",
           "CREATE INDEX delivery_queue_by_request ON delivery_queue (request_id, id)",
       }},
  };
  return db::Migrate(db, "delivery", kMigrations);
}

}  // namespace internal

base::Status MigrateDelivery(db::Database& db) { return internal::MigrateDeliveryTables(db); }

}  // namespace dokuei::delivery
