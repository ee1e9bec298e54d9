#include "dokuei/archive/ingest.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "dokuei/base/error_table.h"
#include "dokuei/testing/fake_clock.h"
#include "dokuei/testing/mem_env.h"

namespace dokuei::archive {
namespace {

using base::Code;

std::string TestData(const std::string& rel) {
  const char* root = std::getenv("DOKUEI_TESTDATA");
  return std::string(root ? root : "../shared/testdata") + "/" + rel;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Logs each index commit into the FaultEnv's operation log, to check the order of durability
// steps (D3), and counts transactions.
class LoggingIndex final : public index::Index {
 public:
  LoggingIndex(index::Index& inner, testing::FaultEnv* log) : inner_(inner), log_(log) {}
  base::Result<index::TenantId> EnsureTenant(const std::string& c, const std::string& n) override {
    return inner_.EnsureTenant(c, n);
  }
  base::Result<std::vector<index::PutOutcome>> PutInstances(
      index::TenantId t, std::span<const index::InstanceRecord> r) override {
    ++transactions;
    auto out = inner_.PutInstances(t, r);
    if (out.ok() && log_)
      for (const auto& rec : r) log_->Note("index-commit " + rec.storage.blob_key);
    return out;
  }
  base::Result<std::vector<index::PutOutcome>> PutInstancesIn(
      db::Conn& c, index::TenantId t, std::span<const index::InstanceRecord> r) override {
    ++transactions;
    auto out = inner_.PutInstancesIn(c, t, r);
    if (out.ok() && log_)
      for (const auto& rec : r) log_->Note("index-commit " + rec.storage.blob_key);
    return out;
  }
  base::Result<std::vector<index::FindRow>> Find(index::TenantId t,
                                                 const index::FindQuery& q) override {
    return inner_.Find(t, q);
  }
  base::Result<std::vector<index::InstanceLocation>> Locate(index::TenantId t,
                                                            const index::FindQuery& q) override {
    return inner_.Locate(t, q);
  }
  base::Result<std::vector<std::string>> Metadata(index::TenantId t,
                                                  const index::FindQuery& q) override {
    return inner_.Metadata(t, q);
  }
  base::Result<std::vector<index::ConflictRecord>> ListConflicts(index::TenantId t, uint32_t l,
                                                                 uint32_t o) override {
    return inner_.ListConflicts(t, l, o);
  }
  base::Result<index::TenantStats> Stats(index::TenantId t) override { return inner_.Stats(t); }
  base::Status ForEachBlobKey(const std::function<base::Status(const std::string&)>& fn) override {
    return inner_.ForEachBlobKey(fn);
  }
  std::atomic<int> transactions{0};

 private:
  index::Index& inner_;
  testing::FaultEnv* log_;
};

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto idx = index::OpenSqliteIndex({":memory:", 1});
    ASSERT_TRUE(idx.ok()) << idx.status().ToString();
    index_ = std::move(*idx);
    logging_ = std::make_unique<LoggingIndex>(*index_, &env_);
    auto blobs = blob::NewFsBlobStore(env_, clock_, "/blobs");
    ASSERT_TRUE(blobs.ok());
    blobs_ = std::move(*blobs);
    ingest_ = std::make_unique<Ingest>(*logging_, *blobs_, clock_, IngestOptions{});
    tenant_ = *index_->EnsureTenant("hospital-a", "Hospital A");
    other_ = *index_->EnsureTenant("hospital-b", "Hospital B");
  }

  int BlobCount() {
    int n = 0;
    EXPECT_TRUE(blobs_
                    ->ForEach([&](const blob::BlobKey&) {
                      ++n;
                      return base::Status::Ok();
                    })
                    .ok());
    return n;
  }

  int64_t Instances(index::TenantId t) { return index_->Stats(t)->instances; }

  Origin origin_{"test", "SCU", "DOKUEI", "127.0.0.1", ""};
  testing::MemEnv mem_;
  testing::FaultEnv env_{mem_};
  testing::FakeClock clock_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<LoggingIndex> logging_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<Ingest> ingest_;
  index::TenantId tenant_, other_;
};

TEST_F(IngestTest, StoresPart10ByteForByteAndIsIdempotent) {
  std::string file = ReadFile(TestData("transfer_syntaxes/CT_small.dcm"));
  ASSERT_FALSE(file.empty());
  StoreResult r = ingest_->StorePart10(tenant_, Bytes(file), origin_);
  ASSERT_EQ(r.disposition, Disposition::kStored) << r.status.ToString();
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.sop_instance_uid.empty());

  auto loc = index_->Locate(
      tenant_,
      {index::Level::kInstance,
       {{index::Attr::kSOPInstanceUID, index::Condition::Kind::kEquals, r.sop_instance_uid}}});
  ASSERT_TRUE(loc.ok());
  ASSERT_EQ(loc->size(), 1u);
  EXPECT_EQ(*blob::ReadAll(*blobs_, (*loc)[0].blob_key), file);

  StoreResult again = ingest_->StorePart10(tenant_, Bytes(file), origin_);
  EXPECT_EQ(again.disposition, Disposition::kDuplicate);
  EXPECT_TRUE(again.ok());
  EXPECT_EQ(BlobCount(), 1);  // the duplicate's copy was not kept
  EXPECT_EQ(Instances(tenant_), 1);
  // The same object in another tenant is a separate, new instance.
  EXPECT_EQ(ingest_->StorePart10(other_, Bytes(file), origin_).disposition, Disposition::kStored);
  EXPECT_EQ(Instances(other_), 1);
}

// on_stored tells its listener (the reading workflow's feed) about newly stored instances
// only, after their commit: not duplicates, conflicts or refusals.
TEST_F(IngestTest, OnStoredReportsNewInstancesOnly) {
  std::vector<std::pair<int64_t, std::string>> seen;
  IngestOptions o;
  o.on_stored = [&](index::TenantId t, const index::InstanceRecord& r) {
    EXPECT_EQ(Instances(t), static_cast<int64_t>(seen.size()) + 1) << "called before commit";
    seen.emplace_back(t.value, r.study.study_instance_uid + "|" + r.series.series_instance_uid +
                                   "|" + r.series.modality);
  };
  Ingest ingest(*logging_, *blobs_, clock_, o);
  std::string file = ReadFile(TestData("transfer_syntaxes/CT_small.dcm"));
  StoreResult r = ingest.StorePart10(tenant_, Bytes(file), origin_);
  ASSERT_EQ(r.disposition, Disposition::kStored);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, tenant_.value);
  EXPECT_EQ(seen[0].second, r.study_instance_uid + "|" + r.series_instance_uid + "|CT");
  EXPECT_EQ(ingest.StorePart10(tenant_, Bytes(file), origin_).disposition, Disposition::kDuplicate);
  std::string changed = file;
  changed[changed.size() - 10] ^= 0x5A;
  EXPECT_EQ(ingest.StorePart10(tenant_, Bytes(changed), origin_).disposition,
            Disposition::kConflict);
  EXPECT_EQ(ingest.StorePart10(tenant_, Bytes(std::string("garbage")), origin_).disposition,
            Disposition::kRejected);
  EXPECT_EQ(seen.size(), 1u);
}

TEST_F(IngestTest, DifferentObjectUnderSameUidIsAConflictNotAnOverwrite) {
  std::string file = ReadFile(TestData("transfer_syntaxes/CT_small.dcm"));
  ASSERT_EQ(ingest_->StorePart10(tenant_, Bytes(file), origin_).disposition, Disposition::kStored);
  std::string changed = file;
  changed[changed.size() - 10] ^= 0x5A;  // one pixel differs
  StoreResult r = ingest_->StorePart10(tenant_, Bytes(changed), origin_);
  EXPECT_EQ(r.disposition, Disposition::kConflict);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kConflict);
  EXPECT_GT(r.conflict_id, 0);
  auto conflicts = index_->ListConflicts(tenant_, 10, 0);
  ASSERT_TRUE(conflicts.ok());
  ASSERT_EQ(conflicts->size(), 1u);
  EXPECT_EQ(*blob::ReadAll(*blobs_, (*conflicts)[0].new_blob_key), changed);
  EXPECT_EQ(*blob::ReadAll(*blobs_, (*conflicts)[0].existing_blob_key), file);
}

TEST_F(IngestTest, DimseDataSetIsStoredAsMetaPlusTheExactBytesReceived) {
  std::string file = ReadFile(TestData("transfer_syntaxes/MR_small_bigendian.dcm"));
  auto offset = dicom::DatasetOffset(Bytes(file));
  ASSERT_TRUE(offset.ok());
  std::string dataset = file.substr(*offset);
  auto parsed = dicom::ParsePart10(Bytes(file), {});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  auto sink = ingest_->BeginDataset(tenant_, parsed->transfer_syntax_uid, parsed->sop_class_uid,
                                    parsed->sop_instance_uid, origin_);
  // Arrives in PDV-sized pieces.
  for (size_t pos = 0; pos < dataset.size(); pos += 1000) {
    std::string piece = dataset.substr(pos, 1000);
    ASSERT_TRUE(sink->Write(Bytes(piece)).ok());
  }
  StoreResult r = sink->Finish();
  ASSERT_EQ(r.disposition, Disposition::kStored) << r.status.ToString();
  auto loc = index_->Locate(
      tenant_,
      {index::Level::kInstance,
       {{index::Attr::kSOPInstanceUID, index::Condition::Kind::kEquals, r.sop_instance_uid}}});
  ASSERT_EQ(loc->size(), 1u);
  std::string stored = *blob::ReadAll(*blobs_, (*loc)[0].blob_key);
  auto stored_offset = dicom::DatasetOffset(Bytes(stored));
  ASSERT_TRUE(stored_offset.ok());
  EXPECT_EQ(stored.substr(*stored_offset), dataset);
  EXPECT_TRUE(dicom::ParsePart10(Bytes(stored), {}).ok());

  // The same data set later over STOW is recognised as the same object.
  EXPECT_EQ(ingest_->StorePart10(tenant_, Bytes(file), origin_).disposition,
            Disposition::kDuplicate);
}

TEST_F(IngestTest, CommandAndDataSetMustAgree) {
  std::string file = ReadFile(TestData("transfer_syntaxes/CT_small.dcm"));
  auto parsed = *dicom::ParsePart10(Bytes(file), {});
  std::string dataset = file.substr(*dicom::DatasetOffset(Bytes(file)));
  auto sink = ingest_->BeginDataset(tenant_, parsed.transfer_syntax_uid, parsed.sop_class_uid,
                                    "1.2.3.4", origin_);
  ASSERT_TRUE(sink->Write(Bytes(dataset)).ok());
  StoreResult r = sink->Finish();
  EXPECT_EQ(r.disposition, Disposition::kRejected);
  EXPECT_EQ(r.status.field(), "SOPInstanceUID");
  EXPECT_EQ(BlobCount(), 0);
  EXPECT_EQ(Instances(tenant_), 0);
}

TEST_F(IngestTest, MalformedFilesAreRejectedAndLeaveNothing) {
  int rejected = 0;
  for (const auto& e : std::filesystem::directory_iterator(TestData("malformed"))) {
    if (!e.is_regular_file()) continue;
    std::string name = e.path().filename().string();
    if (name == "JPEG2000-embedded-sequence-delimiter.dcm" || name == "bad_sequence.dcm")
      continue;  // valid DICOM a correct parser accepts (see dicom tests)
    StoreResult r = ingest_->StorePart10(tenant_, Bytes(ReadFile(e.path())), origin_);
    EXPECT_EQ(r.disposition, Disposition::kRejected) << name;
    EXPECT_FALSE(r.status.message().empty()) << name;
    EXPECT_GE(base::GetErrorInfo(r.status.code()).http_status, 400) << name;
    EXPECT_LT(base::GetErrorInfo(r.status.code()).http_status, 500) << name;
    ++rejected;
  }
  EXPECT_GE(rejected, 12);
  EXPECT_EQ(BlobCount(), 0);
  EXPECT_EQ(Instances(tenant_), 0);
}

TEST_F(IngestTest, DurabilityStepsHappenInOrderBeforeTheResult) {
  std::string file = ReadFile(TestData("transfer_syntaxes/CT_small.dcm"));
  // The first object of the day also creates (durably) the day's directory; warm that up.
  std::string other = ReadFile(TestData("transfer_syntaxes/MR_small.dcm"));
  ASSERT_TRUE(ingest_->StorePart10(tenant_, Bytes(other), origin_).ok());
  env_.ClearLog();
  StoreResult r = ingest_->StorePart10(tenant_, Bytes(file), origin_);
  ASSERT_TRUE(r.ok()) << r.status.ToString();
  std::vector<std::string> kinds;
  for (const auto& op : env_.log()) {
    std::string kind = op.substr(0, op.find(' '));
    if (kind == "sync" || kind == "rename" || kind == "syncdir" || kind == "index-commit")
      kinds.push_back(kind);
  }
  // D3: blob fsync -> rename -> directory fsync -> index commit.
  std::vector<std::string> expected = {"sync", "rename", "syncdir", "index-commit"};
  EXPECT_EQ(kinds, expected);
}

// D4: fail the N-th I/O operation of an ingest; there must be no false success, and after a
// crash every indexed instance has its blob.
TEST_F(IngestTest, InjectedIoFailuresNeverAcknowledgeWhatIsNotDurable) {
  std::string file = ReadFile(TestData("transfer_syntaxes/CT_small.dcm"));
  for (int n = 1; n <= 10; ++n) {
    testing::MemEnv mem;
    testing::FaultEnv env(mem);
    testing::FakeClock clock;
    auto idx = *index::OpenSqliteIndex({":memory:", 1});
    auto tenant = *idx->EnsureTenant("t", "t");
    auto blobs = *blob::NewFsBlobStore(env, clock, "/blobs");
    Ingest ingest(*idx, *blobs, clock, IngestOptions{});
    env.FailOperation(n, n % 2 ? Code::kResourceExhausted : Code::kInternal);
    StoreResult r = ingest.StorePart10(tenant, Bytes(file), origin_);
    mem.SimulateCrash();
    auto reopened = *blob::NewFsBlobStore(mem, clock, "/blobs");
    int rows = 0;
    ASSERT_TRUE(idx->ForEachBlobKey([&](const std::string& key) {
                     ++rows;
                     auto content = blob::ReadAll(*reopened, key);
                     EXPECT_TRUE(content.ok()) << "n=" << n << " index row without blob";
                     if (content.ok()) EXPECT_EQ(*content, file);
                     return base::Status::Ok();
                   })
                    .ok());
    if (r.ok()) {
      EXPECT_EQ(rows, 1) << "n=" << n;
    } else {
      EXPECT_EQ(rows, 0) << "n=" << n;
      EXPECT_FALSE(r.status.message().empty());
    }
  }
}

TEST_F(IngestTest, DiskFullIsOutOfResources) {
  std::string file = ReadFile(TestData("transfer_syntaxes/CT_small.dcm"));
  env_.FailOperation(1, Code::kResourceExhausted, /*sticky=*/true);
  StoreResult r = ingest_->StorePart10(tenant_, Bytes(file), origin_);
  EXPECT_EQ(r.disposition, Disposition::kRejected);
  EXPECT_EQ(r.status.code(), Code::kResourceExhausted);
  EXPECT_EQ(base::GetErrorInfo(r.status.code()).dimse_status, 0xA700);
  EXPECT_EQ(base::GetErrorInfo(r.status.code()).http_status, 507);
  env_.FailOperation(0, Code::kOk);
  EXPECT_EQ(Instances(tenant_), 0);
}

TEST_F(IngestTest, ConcurrentIngestsShareTransactions) {
  std::vector<std::string> files;
  for (const auto& e :
       std::filesystem::directory_iterator(TestData("mr/dcm_qa_sag_classic_sagittal_63slices")))
    files.push_back(ReadFile(e.path()));
  ASSERT_GE(files.size(), 60u);
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (size_t i; (i = next++) < files.size();)
        if (!ingest_->StorePart10(tenant_, Bytes(files[i]), origin_).ok()) ++failures;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Instances(tenant_), static_cast<int64_t>(files.size()));
  EXPECT_LE(logging_->transactions, static_cast<int>(files.size()));
}

TEST_F(IngestTest, InflightBudgetBoundsMemory) {
  IngestOptions o;
  o.max_inflight_bytes = 100000;
  Ingest small(*index_, *blobs_, clock_, o);
  auto a = small.BeginPart10(tenant_, origin_);
  auto b = small.BeginPart10(tenant_, origin_);
  std::string chunk(60000, 'x');
  EXPECT_TRUE(a->Write(Bytes(chunk)).ok());
  base::Status st = b->Write(Bytes(chunk));
  EXPECT_EQ(st.code(), Code::kResourceExhausted);
  a.reset();  // releases its reservation
  auto c = small.BeginPart10(tenant_, origin_);
  EXPECT_TRUE(c->Write(Bytes(chunk)).ok());
}

TEST_F(IngestTest, ObjectSizeLimitIsEnforcedWhileReceiving) {
  IngestOptions o;
  o.limits.max_object_bytes = 4096;
  Ingest small(*index_, *blobs_, clock_, o);
  auto sink = small.BeginPart10(tenant_, origin_);
  std::string chunk(3000, 'x');
  EXPECT_TRUE(sink->Write(Bytes(chunk)).ok());
  EXPECT_EQ(sink->Write(Bytes(chunk)).code(), Code::kPayloadTooLarge);
  EXPECT_EQ(sink->Finish().status.code(), Code::kPayloadTooLarge);
  EXPECT_EQ(BlobCount(), 0);
}

}  // namespace
}  // namespace dokuei::archive
