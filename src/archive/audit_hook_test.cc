// The archive's audit records (security.md L1): exactly one per C-STORE instance, C-FIND, C-GET,
// C-MOVE, storage commitment and refused association, through the real hash-chained log on the
// shared database; and a failing audit hook fails the operation (nothing stored, no match sent,
// nothing retrieved). Runs on SQLite (a temporary file) and on PostgreSQL when
// DOKUEI_TEST_PG_CONNINFO is set (scripts/with-postgres.sh; a schema per test).
#include "dokuei/archive/audit_hook.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "dokuei/archive/dimse_handlers.h"
#include "dokuei/base/random.h"
#include "dokuei/dicom/parse.h"
#include "dokuei/testing/fake_clock.h"

namespace dokuei::archive {
namespace {

enum class Backend { kSqlite, kPostgres };

std::string ReadTestFile(const std::string& rel) {
  const char* root = std::getenv("DOKUEI_TESTDATA");
  std::ifstream f(std::string(root ? root : "../shared/testdata") + "/" + rel, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Counts what reaches the real log, or fails every write.
class TestHook final : public AuditHook {
 public:
  explicit TestHook(audit::AuditLog& log) : real_(NewAuditLogHook(log)) {}
  base::Status Record(audit::Event e) override {
    if (fail) return base::Unavailable("audit store down");
    ++records;
    return real_->Record(std::move(e));
  }
  base::Status RecordIn(db::Conn& c, audit::Event e) override {
    if (fail) return base::Unavailable("audit store down");
    ++records;
    return real_->RecordIn(c, std::move(e));
  }
  std::atomic<bool> fail{false};
  std::atomic<int> records{0};

 private:
  std::unique_ptr<AuditHook> real_;
};

// Runs one statement on a fresh connection (schema setup on PostgreSQL).
base::Status Admin(const std::string& conninfo, const std::string& sql) {
  auto admin = db::OpenPostgres({conninfo, 1});
  if (!admin.ok()) return admin.status();
  return (*admin)->Transact(db::TxKind::kWrite, [&](db::Conn& c) { return c.Exec(sql); });
}

class AuditHookTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::shared_ptr<db::Database> database;
    if (GetParam() == Backend::kPostgres) {
      const char* conninfo = std::getenv("DOKUEI_TEST_PG_CONNINFO");
      if (conninfo == nullptr || *conninfo == 0) {
        const char* required = std::getenv("DOKUEI_TEST_PG_REQUIRED");
        if (required && std::string(required) == "1") FAIL() << "PostgreSQL required";
        GTEST_SKIP() << "PostgreSQL not configured (scripts/with-postgres.sh)";
      }
      pg_ = conninfo;
      schema_ = "a_" + base::RandomHex(8);
      ASSERT_TRUE(Admin(pg_, "CREATE SCHEMA " + schema_).ok());
      auto d = db::OpenPostgres({pg_ + " options='-csearch_path=" + schema_ + "'", 4});
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      database = std::move(*d);
    } else {
      dir_ = std::filesystem::temp_directory_path() / ("dokuei-audit-hook-" + base::RandomHex(8));
      std::filesystem::create_directories(dir_);
      auto d = db::OpenSqlite({(dir_ / "db.sqlite").string(), 2});
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      database = std::move(*d);
    }
    database_ = database;
    auto idx = index::OpenIndex(database);
    ASSERT_TRUE(idx.ok()) << idx.status().ToString();
    index_ = std::move(*idx);
    auto log = audit::OpenAuditLog(database, clock_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    hook_ = std::make_unique<TestHook>(*log_);
    blobs_ = blob::NewMemBlobStore();
    IngestOptions io;
    io.audit = hook_.get();
    io.database = database_.get();
    ingest_ = std::make_unique<Ingest>(*index_, *blobs_, clock_, io);
    query_ = std::make_unique<QueryService>(*index_);
    retrieve_ = std::make_unique<RetrieveService>(*index_, *blobs_, *query_);
    tenant_ = *index_->EnsureTenant("hospital-a", "Hospital A");
    DicomPeer modality;
    modality.ae_title = "MODALITY_A";
    modality.tenant = tenant_;
    modality.tenant_code = "hospital-a";
    DicomPeer dest = modality;
    dest.ae_title = "STORE_A";
    dest.host = "127.0.0.1";
    dest.port = 11112;
    peers_ = std::make_unique<PeerDirectory>(std::vector<DicomPeer>{modality, dest});
    DimseHandlerOptions ho;
    ho.audit = hook_.get();
    handlers_ = std::make_unique<ArchiveDimseHandlers>(*peers_, *ingest_, *query_, *retrieve_, ho);
  }

  void TearDown() override {
    handlers_.reset();
    ingest_.reset();
    log_.reset();
    index_.reset();
    database_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    if (!schema_.empty()) (void)Admin(pg_, "DROP SCHEMA " + schema_ + " CASCADE");
  }

  std::unique_ptr<dicom::DimseSession> Associate() {
    dicom::RefuseReason why{};
    auto s = handlers_->Accept({"MODALITY_A", "DOKUEI", "127.0.0.1", false, ""}, &why);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // C-STORE of a test file's data set, as the DIMSE layer does it.
  dicom::DimseStatus Store(dicom::DimseSession& session, const std::string& rel) {
    const std::string file = ReadTestFile(rel);
    auto parsed = dicom::ParsePart10(Bytes(file), {});
    EXPECT_TRUE(parsed.ok()) << rel;
    if (!parsed.ok()) return {0xC000, "parse"};
    auto offset = dicom::DatasetOffset(Bytes(file));
    EXPECT_TRUE(offset.ok());
    auto sink = session.BeginStore(parsed->sop_class_uid, parsed->sop_instance_uid,
                                   parsed->transfer_syntax_uid);
    EXPECT_TRUE(sink->Write(Bytes(std::string_view(file).substr(*offset))).ok());
    return sink->Finish();
  }

  std::vector<audit::Record> Records(const std::string& action) {
    audit::Query q;
    q.all_tenants = true;
    q.action_prefix = action;
    q.oldest_first = true;
    auto r = log_->Search(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<audit::Record> out;
    if (r.ok())
      for (auto& rec : *r)
        if (rec.event.action == action) out.push_back(std::move(rec));
    return out;
  }

  int64_t Instances() { return index_->Stats(tenant_)->instances; }

  static dicom::QueryIdentifier StudyKeys(const std::string& study_uid = {}) {
    dicom::QueryIdentifier id;
    id.level = dicom::QueryLevel::kStudy;
    dicom::Attribute uid{dicom::tags::kStudyInstanceUID, "UI", {}, {}};
    if (!study_uid.empty()) uid.values.push_back(study_uid);
    id.keys = {uid, dicom::Attribute{dicom::tags::kPatientID, "LO", {}, {}}};
    return id;
  }

  testing::FakeClock clock_;
  std::string pg_, schema_;
  std::filesystem::path dir_;
  std::shared_ptr<db::Database> database_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<audit::AuditLog> log_;
  std::unique_ptr<TestHook> hook_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<Ingest> ingest_;
  std::unique_ptr<QueryService> query_;
  std::unique_ptr<RetrieveService> retrieve_;
  std::unique_ptr<PeerDirectory> peers_;
  std::unique_ptr<ArchiveDimseHandlers> handlers_;
  index::TenantId tenant_;
};

constexpr const char* kCt = "transfer_syntaxes/CT_small.dcm";
constexpr const char* kMr = "transfer_syntaxes/MR_small.dcm";

TEST_P(AuditHookTest, OneRecordPerCStoreInTheSameTransaction) {
  auto session = Associate();
  ASSERT_TRUE(session);
  ASSERT_TRUE(Store(*session, kCt).ok());
  ASSERT_TRUE(Store(*session, kMr).ok());
  ASSERT_TRUE(Store(*session, kCt).ok());  // a duplicate is recorded too (it was received)
  auto records = Records("instance.store");
  ASSERT_EQ(records.size(), 3u);
  const auto& e = records[0].event;
  EXPECT_EQ(e.actor, "ae:MODALITY_A");
  EXPECT_EQ(e.protocol, "dimse");
  EXPECT_EQ(e.tenant_id, tenant_.value);
  EXPECT_EQ(e.source_address, "127.0.0.1");
  EXPECT_EQ(e.object_count, 1);
  EXPECT_FALSE(e.patient_id.empty());
  ASSERT_EQ(e.study_uids.size(), 1u);
  EXPECT_FALSE(e.sop_class_uid.empty());
  EXPECT_EQ(records[2].event.message, "duplicate (already stored)");
  EXPECT_EQ(Instances(), 2);
}

TEST_P(AuditHookTest, FailingAuditStoresNothingAndAnswersFailure) {
  auto session = Associate();
  ASSERT_TRUE(session);
  hook_->fail = true;
  dicom::DimseStatus st = Store(*session, kCt);
  EXPECT_FALSE(st.ok());
  EXPECT_GE(st.code, 0xA000);
  EXPECT_EQ(Instances(), 0);
  int blobs = 0;
  ASSERT_TRUE(blobs_
                  ->ForEach([&](const blob::BlobKey&) {
                    ++blobs;
                    return base::Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(blobs, 0);
  EXPECT_TRUE(Records("instance.store").empty());
  // Once the audit log works again, the same instance is stored (and recorded) normally.
  hook_->fail = false;
  EXPECT_TRUE(Store(*session, kCt).ok());
  EXPECT_EQ(Instances(), 1);
  EXPECT_EQ(Records("instance.store").size(), 1u);
}

TEST_P(AuditHookTest, OneRecordPerCFindBeforeAnyMatchIsSent) {
  auto session = Associate();
  ASSERT_TRUE(session);
  ASSERT_TRUE(Store(*session, kCt).ok());
  ASSERT_TRUE(Store(*session, kMr).ok());
  int matches = 0;
  auto count = [&](const dicom::AttributeList&) {
    ++matches;
    return true;
  };
  ASSERT_TRUE(session->Find(StudyKeys(), count).ok());
  EXPECT_EQ(matches, 2);
  auto records = Records("study.query");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event.object_count, 2);
  EXPECT_EQ(records[0].event.study_uids.size(), 2u);
  EXPECT_EQ(records[0].event.object_detail, "C-FIND STUDY");

  hook_->fail = true;
  matches = 0;
  dicom::DimseStatus st = session->Find(StudyKeys(), count);
  EXPECT_EQ(st.code, 0xC000);
  EXPECT_EQ(matches, 0);  // nothing answered without its record
  hook_->fail = false;
  EXPECT_EQ(Records("study.query").size(), 1u);
}

TEST_P(AuditHookTest, OneRecordPerCGetAndCMove) {
  auto session = Associate();
  ASSERT_TRUE(session);
  ASSERT_TRUE(Store(*session, kCt).ok());
  const std::string study = Records("instance.store")[0].event.study_uids[0];
  auto items = session->Locate(StudyKeys(study));
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  EXPECT_EQ(items->size(), 1u);
  dicom::QueryIdentifier move = StudyKeys(study);
  move.move_destination = "STORE_A";
  ASSERT_TRUE(session->Locate(move).ok());
  auto records = Records("study.retrieve");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].event.object_detail, "C-GET");
  EXPECT_EQ(records[1].event.object_detail, "C-MOVE to STORE_A");
  for (const auto& r : records) {
    EXPECT_EQ(r.event.object_count, 1);
    EXPECT_EQ(r.event.study_uids, std::vector<std::string>{study});
    EXPECT_FALSE(r.event.patient_id.empty());
  }
  EXPECT_EQ(records[0].event.sop_class_uid, "1.2.840.10008.5.1.4.1.2.2.3");
  EXPECT_EQ(records[1].event.sop_class_uid, "1.2.840.10008.5.1.4.1.2.2.2");

  // A request that matches nothing is recorded too, with no object.
  auto none = session->Locate(StudyKeys("1.2.3.4.5"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  records = Records("study.retrieve");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].event.object_count, 0);
  EXPECT_TRUE(records[2].event.study_uids.empty());

  hook_->fail = true;
  EXPECT_FALSE(session->Locate(StudyKeys(study)).ok());  // C-GET fails: nothing is sent
  EXPECT_FALSE(session->Locate(move).ok());
  hook_->fail = false;
  EXPECT_EQ(Records("study.retrieve").size(), 3u);
}

TEST_P(AuditHookTest, StorageCommitmentAndRefusedAssociationsAreRecorded) {
  auto session = Associate();
  ASSERT_TRUE(session);
  ASSERT_TRUE(Store(*session, kCt).ok());
  auto stored = Records("instance.store");
  auto outcome = session->Commit({{stored[0].event.sop_class_uid, stored[0].event.object_detail},
                                  {"1.2.840.10008.5.1.4.1.1.2", "1.2.3.4"}});
  ASSERT_TRUE(outcome.ok());
  auto commits = Records("study.commitment");
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].event.object_count, 1);
  EXPECT_EQ(commits[0].event.outcome, audit::Outcome::kMinorFailure);

  dicom::RefuseReason why{};
  EXPECT_FALSE(handlers_->Accept({"STRANGER", "DOKUEI", "10.1.2.3", false, ""}, &why).ok());
  auto refused = Records("ae.association.refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].event.actor, "ae:STRANGER");
  EXPECT_EQ(refused[0].event.source_address, "10.1.2.3");
}

TEST(AuditHookAddress, PortIsRemoved) {
  EXPECT_EQ(AddressWithoutPort("127.0.0.1:5342"), "127.0.0.1");
  EXPECT_EQ(AddressWithoutPort("[::1]:80"), "::1");
  EXPECT_EQ(AddressWithoutPort("::1"), "::1");
  EXPECT_EQ(AddressWithoutPort("10.0.0.1"), "10.0.0.1");
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditHookTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& i) {
                           return i.param == Backend::kSqlite ? std::string("Sqlite")
                                                              : std::string("Postgres");
                         });

}  // namespace
}  // namespace dokuei::archive
