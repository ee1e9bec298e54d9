// AuditedDatabase on every backend: the record commits with the change and only with it, a
// record that cannot be written undoes the change, `finish` completes the event inside the
// transaction, `required_statement` picks the transaction to record, and `after_record` decides
// what a second write does.
#include "dokuei/audit/audited_database.h"

#include "audit_test_util.h"
#include "dokuei/base/strings.h"

namespace dokuei::audit {
namespace {

class AuditedDatabaseTest : public AuditTest {
 protected:
  void SetUp() override {
    AuditTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Sql(IsPostgres() ? "CREATE TABLE op_rows (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)"
                     : "CREATE TABLE op_rows (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT "
                       "NULL)");
  }

  static Event Change() {
    Event e;
    e.action = "contact.create";
    e.actor = "cli:tester";
    e.protocol = "cli";
    e.tenant_id = 3;
    return e;
  }

  // Inserts one row through `database`, as a service built on it would.
  static base::Status Insert(db::Database& database, const std::string& v) {
    return database.Transact(db::TxKind::kWrite, [&](db::Conn& c) {
      const db::Value p[] = {v};
      return c.Exec("INSERT INTO op_rows (v) VALUES (?)", p);
    });
  }

  int64_t Rows() { return QueryInt("SELECT COUNT(*) FROM op_rows"); }
  int64_t Records() { return QueryInt("SELECT COUNT(*) FROM audit_records"); }

  // Makes the database itself refuse new audit records (as a full disk or a broken table would).
  void RefuseAuditInserts() {
    if (IsPostgres()) {
      Sql("CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
          "$$ BEGIN RAISE EXCEPTION 'refused'; END $$");
      Sql("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records FOR EACH ROW "
          "EXECUTE FUNCTION refuse_audit()");
    } else {
      Sql("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records "
          "BEGIN SELECT RAISE(ABORT, 'refused'); END");
    }
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, AuditedDatabaseTest,
                         ::testing::Values(Backend::kSqliteMemory, Backend::kSqliteFile,
                                           Backend::kPostgres),
                         BackendName);

TEST_P(AuditedDatabaseTest, RecordCommitsWithTheChangeAndFinishCompletesIt) {
  int64_t inserted = 0;
  AuditedDatabase::Options o;
  o.finish = [&](db::Conn& c, Event& e) -> base::Status {
    DOKUEI_ASSIGN_OR_RETURN(inserted, db::LastInsertId(c));
    e.object_detail = "row " + std::to_string(inserted);
    return base::Status::Ok();
  };
  AuditedDatabase adb(*db_, *log_, Change(), o);
  EXPECT_EQ(adb.dialect(), db_->dialect());
  ASSERT_TRUE(Insert(adb, "a").ok());
  ASSERT_TRUE(adb.appended());
  EXPECT_GT(inserted, 0);
  EXPECT_EQ(Rows(), 1);
  ASSERT_EQ(Records(), 1);
  Query q;
  q.all_tenants = true;
  auto recs = log_->Search(q);
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_EQ((*recs)[0].seq, adb.record()->seq);
  EXPECT_EQ((*recs)[0].event.action, "contact.create");
  EXPECT_EQ((*recs)[0].event.protocol, "cli");
  EXPECT_EQ((*recs)[0].event.object_detail, "row " + std::to_string(inserted));
  EXPECT_TRUE(MustVerify().ok);
}

TEST_P(AuditedDatabaseTest, ReadsPassThroughWithoutARecord) {
  AuditedDatabase adb(*db_, *log_, Change());
  int64_t n = -1;
  auto st = adb.Transact(db::TxKind::kRead, [&](db::Conn& c) {
    return c.Query("SELECT COUNT(*) FROM op_rows", {}, [&](const db::Row& r) {
      n = r.Int(0);
      return base::Status::Ok();
    });
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(n, 0);
  EXPECT_FALSE(adb.appended());
  EXPECT_EQ(Records(), 0);
}

TEST_P(AuditedDatabaseTest, SecondWriteIsRefusedByDefault) {
  AuditedDatabase adb(*db_, *log_, Change());
  ASSERT_TRUE(Insert(adb, "a").ok());
  const base::Status again = Insert(adb, "b");
  EXPECT_EQ(again.code(), base::Code::kInternal);
  EXPECT_EQ(Rows(), 1);
  EXPECT_EQ(Records(), 1);
}

TEST_P(AuditedDatabaseTest, SecondWritePassesThroughWhenAsked) {
  AuditedDatabase::Options o;
  o.after_record = AuditedDatabase::AfterRecord::kPassThrough;
  AuditedDatabase adb(*db_, *log_, Change(), o);
  ASSERT_TRUE(Insert(adb, "a").ok());
  const int64_t seq = adb.record()->seq;
  ASSERT_TRUE(Insert(adb, "b").ok());
  EXPECT_EQ(Rows(), 2);
  EXPECT_EQ(Records(), 1);
  EXPECT_EQ(adb.record()->seq, seq);
}

TEST_P(AuditedDatabaseTest, OnlyTheRequiredStatementIsRecorded) {
  AuditedDatabase::Options o;
  o.required_statement = "UPDATE op_rows SET v";
  o.after_record = AuditedDatabase::AfterRecord::kPassThrough;
  AuditedDatabase adb(*db_, *log_, Change(), o);
  // A write that is not the change (a failed-attempt counter, say) commits without a record.
  ASSERT_TRUE(Insert(adb, "a").ok());
  EXPECT_FALSE(adb.appended());
  EXPECT_EQ(Rows(), 1);
  EXPECT_EQ(Records(), 0);
  // The change itself (leading white space does not hide it) carries the record.
  auto st = adb.Transact(db::TxKind::kWrite,
                         [](db::Conn& c) { return c.Exec("\n    UPDATE op_rows SET v = 'b'"); });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(adb.appended());
  EXPECT_EQ(Records(), 1);
  EXPECT_EQ(QueryStr("SELECT v FROM op_rows"), "b");
}

TEST_P(AuditedDatabaseTest, AFailedChangeLeavesNoRecord) {
  AuditedDatabase adb(*db_, *log_, Change());
  auto st = adb.Transact(db::TxKind::kWrite, [](db::Conn& c) -> base::Status {
    DOKUEI_RETURN_IF_ERROR(c.Exec("INSERT INTO op_rows (v) VALUES ('a')"));
    return base::NotFound("refused inside the transaction");
  });
  EXPECT_EQ(st.code(), base::Code::kNotFound);
  EXPECT_FALSE(adb.appended());
  EXPECT_EQ(Rows(), 0);
  EXPECT_EQ(Records(), 0);
  // Nothing was recorded, so the object still takes the operation's one change.
  ASSERT_TRUE(Insert(adb, "b").ok());
  EXPECT_TRUE(adb.appended());
  EXPECT_EQ(Records(), 1);
}

TEST_P(AuditedDatabaseTest, ARecordThatCannotBeWrittenUndoesTheChange) {
  {
    // Refused by the log (an invalid action): the change's own status by default.
    Event bad = Change();
    bad.action = "Not An Action";
    AuditedDatabase adb(*db_, *log_, bad);
    EXPECT_EQ(Insert(adb, "a").code(), base::Code::kInvalidArgument);
    EXPECT_FALSE(adb.appended());
  }
  {
    // Refused by the database; on_append_failure turns it into the caller's message.
    RefuseAuditInserts();
    AuditedDatabase::Options o;
    o.on_append_failure = [](const base::Status& cause) {
      return base::Status(base::Code::kUnavailable, "audit failed: " + cause.message());
    };
    AuditedDatabase adb(*db_, *log_, Change(), o);
    const base::Status st = Insert(adb, "b");
    EXPECT_EQ(st.code(), base::Code::kUnavailable);
    EXPECT_TRUE(base::StartsWith(st.message(), "audit failed: ")) << st.ToString();
    EXPECT_FALSE(adb.appended());
  }
  {
    // A failing finish rolls back too, and on_append_failure does not rename its error.
    AuditedDatabase::Options o;
    o.finish = [](db::Conn&, Event&) { return base::FailedPrecondition("finish failed"); };
    o.on_append_failure = [](const base::Status&) { return base::Internal("wrong"); };
    AuditedDatabase adb(*db_, *log_, Change(), o);
    EXPECT_EQ(Insert(adb, "c").code(), base::Code::kFailedPrecondition);
  }
  EXPECT_EQ(Rows(), 0);
  EXPECT_EQ(Records(), 0);
  EXPECT_TRUE(MustVerify().ok);
}

}  // namespace
}  // namespace dokuei::audit
