// Index behaviour common to both backends: ingest outcomes, counters, tenancy, ordering, paging,
// Locate/Metadata, migrations, concurrency, maintenance.
#include <gmock/gmock.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "index_test_util.h"
#include "migrations.h"
#include "sql_builder.h"

namespace dokuei::index {
namespace {

INSTANTIATE_TEST_SUITE_P(Backends, IndexTest,
                         ::testing::Values(Backend::kSqliteMemory, Backend::kSqliteFile,
                                         Backend::kPostgres),
                         BackendName);

std::vector<std::string> Uids(const std::vector<InstanceLocation>& locs) {
  std::vector<std::string> out;
  for (const auto& l : locs) out.push_back(l.sop_instance_uid);
  return out;
}

TEST_P(IndexTest, SchemaIsAtLatestVersion) {
  auto v = CurrentSchemaVersion(Db());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, LatestSchemaVersion());
  EXPECT_GE(LatestSchemaVersion(), 2);
}

TEST_P(IndexTest, EnsureTenantIsIdempotent) {
  auto a = index_->EnsureTenant("a", "A hospital");
  auto a2 = index_->EnsureTenant("a", "another name");
  auto b = index_->EnsureTenant("b", "B");
  ASSERT_TRUE(a.ok() && a2.ok() && b.ok());
  EXPECT_EQ(a->value, a2->value);
  EXPECT_NE(a->value, b->value);
  EXPECT_EQ(index_->EnsureTenant("", "x").status().code(), base::Code::kInvalidArgument);
}

TEST_P(IndexTest, PutStoresAndFindReturnsAllLevels) {
  TenantId t = Tenant("t");
  InstanceRecord r = Rec("1.2.3", "1.2.3.1", "1.2.3.1.1");
  r.series.request_attributes = {{"RP1", "SPS1"}, {"RP2", "SPS2"}};
  auto out = Put(t, {r});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].result, PutResult::kStored);

  auto rows = Find(t, Q(Level::kInstance));
  ASSERT_EQ(rows.size(), 1u);
  const FindRow& row = rows[0];
  EXPECT_EQ(row.patient.patient_id, "P-1.2.3");
  EXPECT_EQ(row.patient.patient_name, "Doe^John");
  EXPECT_EQ(row.patient.patient_birth_date, "19700101");
  EXPECT_EQ(row.study.study_instance_uid, "1.2.3");
  EXPECT_EQ(row.study.accession_number, "ACC-1.2.3");
  EXPECT_EQ(row.study.referring_physician_name, "House^Gregory");
  EXPECT_EQ(row.series.series_instance_uid, "1.2.3.1");
  EXPECT_EQ(row.series.series_number, 1);
  EXPECT_EQ(row.series.body_part_examined, "LSPINE");
  ASSERT_EQ(row.series.request_attributes.size(), 2u);
  EXPECT_EQ(row.series.request_attributes[1].scheduled_procedure_step_id, "SPS2");
  EXPECT_EQ(row.instance.sop_instance_uid, "1.2.3.1.1");
  EXPECT_EQ(row.instance.rows, 512);
  EXPECT_EQ(row.instance.number_of_frames, 1);
  EXPECT_EQ(row.instance.bits_allocated, 16);
  EXPECT_EQ(row.metadata_json, r.metadata_json);
  EXPECT_EQ(row.modalities_in_study, "MR");

  // Fields below the query level stay empty.
  auto studies = Find(t, Q(Level::kStudy));
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0].series.series_instance_uid, "");
  EXPECT_EQ(studies[0].instance.sop_instance_uid, "");
  EXPECT_EQ(studies[0].metadata_json, r.metadata_json);  // representative instance
}

TEST_P(IndexTest, DuplicateChangesNothing) {
  TenantId t = Tenant("t");
  InstanceRecord r = Rec("1.2", "1.2.1", "1.2.1.1");
  Put(t, {r});
  auto before = index_->Stats(t);
  InstanceRecord again = r;
  again.storage.blob_key = "another-blob";  // same bytes re-sent, new blob written
  again.patient.patient_id = "OTHER";       // must not create a patient
  auto out = Put(t, {again});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].result, PutResult::kDuplicate);
  EXPECT_EQ(out[0].existing_blob_key, "blob-1.2.1.1");
  auto after = index_->Stats(t);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(after->patients, before->patients);
  EXPECT_EQ(after->instances, before->instances);
  EXPECT_EQ(after->bytes, before->bytes);
  EXPECT_EQ(after->conflicts, 0);
}

TEST_P(IndexTest, ConflictKeepsIndexedInstance) {
  TenantId t = Tenant("t");
  InstanceRecord r = Rec("1.2", "1.2.1", "1.2.1.1");
  Put(t, {r});
  InstanceRecord other = r;
  other.storage.sha256 = "different";
  other.storage.blob_key = "blob-new";
  other.storage.source = "dimse:X@1.2.3.4";
  auto out = Put(t, {other});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].result, PutResult::kConflict);
  EXPECT_GT(out[0].conflict_id, 0);
  EXPECT_EQ(out[0].existing_blob_key, "blob-1.2.1.1");

  auto conflicts = index_->ListConflicts(t, 10, 0);
  ASSERT_TRUE(conflicts.ok());
  ASSERT_EQ(conflicts->size(), 1u);
  const ConflictRecord& c = (*conflicts)[0];
  EXPECT_EQ(c.id, out[0].conflict_id);
  EXPECT_EQ(c.sop_instance_uid, "1.2.1.1");
  EXPECT_EQ(c.study_instance_uid, "1.2");
  EXPECT_EQ(c.existing_sha256, "sha-1.2.1.1");
  EXPECT_EQ(c.new_sha256, "different");
  EXPECT_EQ(c.new_blob_key, "blob-new");
  EXPECT_EQ(c.source, "dimse:X@1.2.3.4");
  EXPECT_EQ(c.received_at, r.storage.received_at);

  auto locs = index_->Locate(t, Q(Level::kInstance));
  ASSERT_TRUE(locs.ok());
  ASSERT_EQ(locs->size(), 1u);
  EXPECT_EQ((*locs)[0].blob_key, "blob-1.2.1.1");
  EXPECT_EQ(index_->Stats(t)->conflicts, 1);
}

TEST_P(IndexTest, SameSopTwiceInOneBatchBehavesSequentially) {
  TenantId t = Tenant("t");
  InstanceRecord a = Rec("1.2", "1.2.1", "1.2.1.1");
  InstanceRecord b = Rec("1.2", "1.2.1", "1.2.1.2");
  InstanceRecord b2 = b;
  b2.storage.sha256 = "other";
  b2.storage.blob_key = "blob-other";
  auto out = Put(t, {a, a, b, b2});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].result, PutResult::kStored);
  EXPECT_EQ(out[1].result, PutResult::kDuplicate);
  EXPECT_EQ(out[1].existing_blob_key, a.storage.blob_key);
  EXPECT_EQ(out[2].result, PutResult::kStored);
  EXPECT_EQ(out[3].result, PutResult::kConflict);
  auto studies = Find(t, Q(Level::kStudy));
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0].counts.study_related_instances, 2);
}

TEST_P(IndexTest, FailedBatchWritesNothing) {
  TenantId t = Tenant("t");
  InstanceRecord good = Rec("1.2", "1.2.1", "1.2.1.1");
  InstanceRecord bad = Rec("1.3", "1.3.1", "1.3.1.1");
  bad.patient.patient_name = std::string("Bad\xff", 4);  // not UTF-8
  auto out = index_->PutInstances(t, std::vector<InstanceRecord>{good, bad});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(out.status().field(), "PatientName");
  EXPECT_EQ(index_->Stats(t)->instances, 0);
  EXPECT_TRUE(Find(t, Q(Level::kPatient)).empty());

  InstanceRecord no_uid = Rec("1.4", "1.4.1", "");
  EXPECT_EQ(index_->PutInstances(t, std::vector<InstanceRecord>{no_uid}).status().field(),
            "SOPInstanceUID");
  // Unknown tenant.
  EXPECT_EQ(
      index_->PutInstances(TenantId{999999}, std::vector<InstanceRecord>{good}).status().code(),
      base::Code::kFailedPrecondition);
  EXPECT_EQ(Put(t, {}).size(), 0u);
}

TEST_P(IndexTest, CountersModalitiesAndSopClasses) {
  TenantId t = Tenant("t");
  std::vector<InstanceRecord> batch;
  for (int i = 0; i < 3; ++i) {
    InstanceRecord r = Rec("1.1", "1.1.1", "1.1.1." + std::to_string(i));
    r.series.modality = "MR";
    batch.push_back(r);
  }
  InstanceRecord ct = Rec("1.1", "1.1.2", "1.1.2.1");
  ct.series.modality = "CT";
  ct.instance.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
  batch.push_back(ct);
  InstanceRecord sr = Rec("1.1", "1.1.3", "1.1.3.1");
  sr.series.modality = "SR";
  sr.instance.sop_class_uid = "1.2.840.10008.5.1.4.1.1.88.11";
  Put(t, batch);
  Put(t, {sr});  // second transaction on the same study
  // Second study of the same patient.
  InstanceRecord other = Rec("1.9", "1.9.1", "1.9.1.1");
  other.patient.patient_id = "P-1.1";
  Put(t, {other});

  auto studies = Find(t, Q(Level::kStudy, {Eq(Attr::kStudyInstanceUID, "1.1")}));
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0].counts.study_related_series, 3);
  EXPECT_EQ(studies[0].counts.study_related_instances, 5);
  EXPECT_EQ(studies[0].counts.patient_related_studies, 2);
  EXPECT_EQ(studies[0].modalities_in_study, "CT\\MR\\SR");
  EXPECT_EQ(studies[0].sop_classes_in_study,
            "1.2.840.10008.5.1.4.1.1.2\\1.2.840.10008.5.1.4.1.1.4\\"
            "1.2.840.10008.5.1.4.1.1.88.11");
  auto series = Find(t, Q(Level::kSeries, {Eq(Attr::kSeriesInstanceUID, "1.1.1")}));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].counts.series_related_instances, 3);
  EXPECT_EQ(series[0].counts.study_related_instances, 5);
  auto patients = Find(t, Q(Level::kPatient));
  ASSERT_EQ(patients.size(), 1u);
  EXPECT_EQ(patients[0].counts.patient_related_studies, 2);

  auto stats = index_->Stats(t);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->patients, 1);
  EXPECT_EQ(stats->studies, 2);
  EXPECT_EQ(stats->series, 4);
  EXPECT_EQ(stats->instances, 6);
  EXPECT_EQ(stats->bytes, 6000);
}

TEST_P(IndexTest, StudyKeepsFirstValuesAndSeriesStaysInItsStudy) {
  TenantId t = Tenant("t");
  InstanceRecord a = Rec("1.1", "1.1.1", "1.1.1.1");
  Put(t, {a});
  InstanceRecord b = Rec("1.1", "1.1.1", "1.1.1.2");
  b.study.study_description = "changed";
  b.patient.patient_id = "someone-else";
  Put(t, {b});
  // A series already filed under study 1.1 arriving with another study UID stays there.
  InstanceRecord c = Rec("1.2", "1.1.1", "1.1.1.3");
  Put(t, {c});
  auto studies = Find(t, Q(Level::kStudy));
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0].study.study_description, "MR LSPINE");
  EXPECT_EQ(studies[0].patient.patient_id, "P-1.1");
  EXPECT_EQ(studies[0].counts.study_related_instances, 3);
  EXPECT_EQ(Find(t, Q(Level::kPatient)).size(), 1u);
}

TEST_P(IndexTest, TenantsAreIsolated) {
  TenantId a = Tenant("a");
  TenantId b = Tenant("b");
  InstanceRecord r = Rec("1.5", "1.5.1", "1.5.1.1");
  Put(a, {r});
  InstanceRecord conflict = r;
  conflict.storage.sha256 = "x";
  Put(a, {conflict});

  // Tenant B sees nothing of A, through every method.
  for (Level l : {Level::kPatient, Level::kStudy, Level::kSeries, Level::kInstance}) {
    EXPECT_TRUE(Find(b, Q(l)).empty());
    EXPECT_TRUE(index_->Locate(b, Q(l))->empty());
    EXPECT_TRUE(index_->Metadata(b, Q(l))->empty());
  }
  EXPECT_TRUE(Find(b, Q(Level::kStudy, {Eq(Attr::kStudyInstanceUID, "1.5")})).empty());
  EXPECT_TRUE(Find(b, Q(Level::kStudy, {Wild(Attr::kPatientName, "doe*")})).empty());
  EXPECT_TRUE(Find(b, Q(Level::kStudy, {Fuzzy(Attr::kPatientName, "doe")})).empty());
  EXPECT_TRUE(Find(b, Q(Level::kStudy, {Eq(Attr::kModalitiesInStudy, "MR")})).empty());
  EXPECT_TRUE(index_->ListConflicts(b, 0, 0)->empty());
  auto sb = index_->Stats(b);
  ASSERT_TRUE(sb.ok());
  EXPECT_EQ(sb->instances + sb->studies + sb->patients + sb->series + sb->conflicts, 0);

  // The same UIDs in B are independent: stored, not duplicates, with their own values.
  InstanceRecord rb = r;
  rb.patient.patient_name = "Other^Person";
  rb.storage.sha256 = "sha-b";
  auto out = Put(b, {rb});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].result, PutResult::kStored);
  auto rows = Find(b, Q(Level::kStudy, {Eq(Attr::kStudyInstanceUID, "1.5")}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].patient.patient_name, "Other^Person");
  EXPECT_EQ(rows[0].counts.study_related_instances, 1);
  EXPECT_EQ(Find(a, Q(Level::kStudy))[0].patient.patient_name, "Doe^John");
  EXPECT_EQ(index_->Stats(a)->conflicts, 1);
  EXPECT_EQ(index_->Stats(b)->conflicts, 0);
  EXPECT_TRUE(Find(a, Q(Level::kStudy, {Wild(Attr::kPatientName, "other*")})).empty());
}

TEST_P(IndexTest, StudiesOrderedByDateTimeAndPaged) {
  TenantId t = Tenant("t");
  std::vector<InstanceRecord> batch;
  const std::vector<std::pair<std::string, std::string>> when = {{"20240101", "090000"},
                                                                 {"20240301", "080000"},
                                                                 {"20240301", "120000"},
                                                                 {"20231231", "235959"},
                                                                 {"", ""},
                                                                 {"20240201", "000000"}};
  for (size_t i = 0; i < when.size(); ++i) {
    const std::string s = "1.7." + std::to_string(i);
    InstanceRecord r = Rec(s, s + ".1", s + ".1.1");
    r.study.study_date = when[i].first;
    r.study.study_time = when[i].second;
    batch.push_back(r);
  }
  Put(t, batch);
  auto all = Find(t, Q(Level::kStudy));
  std::vector<std::string> order;
  for (const auto& r : all) order.push_back(r.study.study_instance_uid);
  EXPECT_EQ(order,
            (std::vector<std::string>{"1.7.2", "1.7.1", "1.7.5", "1.7.0", "1.7.3", "1.7.4"}));
  std::vector<std::string> paged;
  for (uint32_t off = 0; off < 8; off += 4) {
    for (const auto& r : Find(t, Q(Level::kStudy, {}, 4, off))) {
      paged.push_back(r.study.study_instance_uid);
    }
  }
  EXPECT_EQ(paged, order);
  EXPECT_EQ(Find(t, Q(Level::kStudy, {}, 0, 5)).size(), 1u);  // offset without limit
}

TEST_P(IndexTest, SeriesAndInstancesOrderedByNumberNullsLast) {
  TenantId t = Tenant("t");
  auto rec = [](std::string series, std::optional<int32_t> sn, std::string sop,
                std::optional<int32_t> in) {
    InstanceRecord r = Rec("1.8", series, sop);
    r.series.series_number = sn;
    r.instance.instance_number = in;
    return r;
  };
  Put(t, {rec("1.8.3", std::nullopt, "1.8.3.1", 1), rec("1.8.2", 10, "1.8.2.b", std::nullopt),
          rec("1.8.2", 10, "1.8.2.a", std::nullopt), rec("1.8.2", 10, "1.8.2.2", 2),
          rec("1.8.2", 10, "1.8.2.10", 10), rec("1.8.1", 2, "1.8.1.1", 1),
          rec("1.8.4", 2, "1.8.4.1", 1)});
  std::vector<std::string> series;
  for (const auto& r : Find(t, Q(Level::kSeries))) series.push_back(r.series.series_instance_uid);
  EXPECT_EQ(series, (std::vector<std::string>{"1.8.1", "1.8.4", "1.8.2", "1.8.3"}));

  std::vector<std::string> sops;
  for (const auto& r : Find(t, Q(Level::kInstance, {Eq(Attr::kSeriesInstanceUID, "1.8.2")}))) {
    sops.push_back(r.instance.sop_instance_uid);
  }
  EXPECT_EQ(sops, (std::vector<std::string>{"1.8.2.2", "1.8.2.10", "1.8.2.a", "1.8.2.b"}));

  const std::vector<std::string> expected = {"1.8.1.1", "1.8.4.1", "1.8.2.2", "1.8.2.10",
                                             "1.8.2.a", "1.8.2.b", "1.8.3.1"};
  auto locs = index_->Locate(t, Q(Level::kStudy, {Eq(Attr::kStudyInstanceUID, "1.8")}));
  ASSERT_TRUE(locs.ok());
  EXPECT_EQ(Uids(*locs), expected);
  EXPECT_EQ((*locs)[0].study_instance_uid, "1.8");
  EXPECT_EQ((*locs)[0].series_instance_uid, "1.8.1");
  EXPECT_EQ((*locs)[0].blob_key, "blob-1.8.1.1");
  EXPECT_EQ((*locs)[0].sha256, "sha-1.8.1.1");
  EXPECT_EQ((*locs)[0].size_bytes, 1000u);
  EXPECT_EQ((*locs)[0].transfer_syntax_uid, "1.2.840.10008.1.2.1");
  auto meta = index_->Metadata(t, Q(Level::kStudy, {Eq(Attr::kStudyInstanceUID, "1.8")}));
  ASSERT_TRUE(meta.ok());
  ASSERT_EQ(meta->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NE((*meta)[i].find(expected[i] + "\""), std::string::npos) << i;
  }
}

TEST_P(IndexTest, LocateAtEachLevelAndWithPaging) {
  TenantId t = Tenant("t");
  std::vector<InstanceRecord> batch;
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < 2; ++i) {
      const std::string st = "2.0." + std::to_string(s);
      InstanceRecord r = Rec(st, st + ".1", st + ".1." + std::to_string(i));
      r.study.study_date = "2024010" + std::to_string(s + 1);
      r.instance.instance_number = i + 1;
      batch.push_back(r);
    }
  }
  Put(t, batch);
  EXPECT_EQ(index_->Locate(t, Q(Level::kPatient))->size(), 6u);
  EXPECT_EQ(Uids(*index_->Locate(t, Q(Level::kSeries, {Eq(Attr::kSeriesInstanceUID, "2.0.1.1")}))),
            (std::vector<std::string>{"2.0.1.1.0", "2.0.1.1.1"}));
  EXPECT_EQ(Uids(*index_->Locate(t, Q(Level::kInstance, {Eq(Attr::kSOPInstanceUID, "2.0.2.1.1")}))),
            (std::vector<std::string>{"2.0.2.1.1"}));
  // limit/offset page the matched studies (newest first), then every instance under them.
  EXPECT_EQ(Uids(*index_->Locate(t, Q(Level::kStudy, {}, 1, 1))),
            (std::vector<std::string>{"2.0.1.1.0", "2.0.1.1.1"}));
  EXPECT_EQ(index_->Metadata(t, Q(Level::kStudy, {}, 2, 0))->size(), 4u);
  EXPECT_TRUE(index_->Locate(t, Q(Level::kStudy, {Eq(Attr::kStudyInstanceUID, "9.9")}))->empty());
}

TEST_P(IndexTest, RepresentativeMetadataAtEachLevel) {
  TenantId t = Tenant("t");
  InstanceRecord first = Rec("3.1", "3.1.1", "3.1.1.1");
  InstanceRecord second = Rec("3.1", "3.1.2", "3.1.2.1");
  Put(t, {first});
  Put(t, {second});
  EXPECT_EQ(Find(t, Q(Level::kPatient))[0].metadata_json, first.metadata_json);
  EXPECT_EQ(Find(t, Q(Level::kStudy))[0].metadata_json, first.metadata_json);
  auto series = Find(t, Q(Level::kSeries, {Eq(Attr::kSeriesInstanceUID, "3.1.2")}));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].metadata_json, second.metadata_json);
}

TEST_P(IndexTest, ReopenKeepsDataAndMigrationsAreIdempotent) {
  if (!IsPersistent()) GTEST_SKIP() << "in-memory database does not survive reopening";
  TenantId t = Tenant("t");
  Put(t, {Rec("4.1", "4.1.1", "4.1.1.1")});
  index_.reset();
  for (int i = 0; i < 2; ++i) {
    auto reopened = Open();
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    index_ = std::move(reopened).value();
    auto v = CurrentSchemaVersion(Db());
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(*v, LatestSchemaVersion());
    EXPECT_EQ(Find(t, Q(Level::kInstance)).size(), 1u);
    EXPECT_EQ(Tenant("t").value, t.value);
    index_.reset();
  }
  index_ = std::move(Open()).value();
}

TEST_P(IndexTest, ConcurrentOpenMigratesOnce) {
  if (!IsPostgres()) GTEST_SKIP() << "several servers sharing one database: PostgreSQL";
  // A fresh schema, opened by several "servers" at once.
  index_.reset();
  ASSERT_EQ(
      PgAdmin(base_conninfo_, "DROP SCHEMA " + schema_ + " CASCADE; CREATE SCHEMA " + schema_), "");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (Open(1).ok()) ++ok;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 4);
  index_ = std::move(Open()).value();
  int rows = 0;
  ASSERT_TRUE(Db().Transact(TxKind::kRead,
                            [&](Conn& c) {
                              return c.Query("SELECT version FROM schema_migrations", {},
                                             [&](const Row&) {
                                               ++rows;
                                               return base::Status::Ok();
                                             });
                            })
                  .ok());
  EXPECT_EQ(rows, LatestSchemaVersion());
}

TEST_P(IndexTest, NewerSchemaIsRefused) {
  if (!IsPersistent()) GTEST_SKIP() << "needs reopening";
  ASSERT_TRUE(Db().Transact(TxKind::kWrite,
                            [](Conn& c) {
                              const Value v[] = {int64_t{1000}};
                              return c.Exec("INSERT INTO schema_migrations (version) VALUES (?)",
                                            v);
                            })
                  .ok());
  index_.reset();
  auto reopened = Open();
  EXPECT_EQ(reopened.status().code(), base::Code::kFailedPrecondition);
}

TEST_P(IndexTest, ConcurrentPutsOnOneStudyLoseNoCounts) {
  TenantId t = Tenant("t");
  constexpr int kThreads = 4, kBatches = 10, kPerBatch = 5;
  constexpr const char* kModalities[kThreads] = {"CT", "MR", "PT", "US"};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<InstanceRecord> batch;
        for (int i = 0; i < kPerBatch; ++i) {
          // Each thread has its own series, plus one series shared by everyone.
          const std::string series = (i == 0) ? "5.1.shared" : "5.1." + std::to_string(th);
          InstanceRecord r =
              Rec("5.1", series,
                  "5.1." + std::to_string(th) + "." + std::to_string(b) + "." + std::to_string(i));
          r.series.modality = kModalities[th];
          batch.push_back(r);
        }
        // Everyone also re-sends one common instance: exactly one stores it.
        batch.push_back(Rec("5.1", "5.1.shared", "5.1.common"));
        auto out = index_->PutInstances(t, batch);
        if (!out.ok()) {
          ADD_FAILURE() << out.status().ToString();
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  auto studies = Find(t, Q(Level::kStudy));
  ASSERT_EQ(studies.size(), 1u);
  const int expected = kThreads * kBatches * kPerBatch + 1;
  EXPECT_EQ(studies[0].counts.study_related_instances, expected);
  EXPECT_EQ(studies[0].counts.study_related_series, kThreads + 1);
  // Every thread's modality made it into the study's list (no lost read-modify-write).
  EXPECT_EQ(studies[0].modalities_in_study, "CT\\MR\\PT\\US");
  EXPECT_EQ(studies[0].counts.patient_related_studies, 1);
  int sum = 0;
  for (const auto& s : Find(t, Q(Level::kSeries))) sum += s.counts.series_related_instances;
  EXPECT_EQ(sum, expected);
  EXPECT_EQ(static_cast<int>(index_->Locate(t, Q(Level::kStudy))->size()), expected);
  EXPECT_EQ(index_->Stats(t)->instances, expected);
}

TEST_P(IndexTest, ForEachBlobKeyCoversAllTenantsAndConflicts) {
  TenantId a = Tenant("a");
  TenantId b = Tenant("b");
  Put(a, {Rec("6.1", "6.1.1", "6.1.1.1"), Rec("6.1", "6.1.1", "6.1.1.2")});
  Put(b, {Rec("6.1", "6.1.1", "6.1.1.1")});
  InstanceRecord c = Rec("6.1", "6.1.1", "6.1.1.1");
  c.storage.sha256 = "changed";
  c.storage.blob_key = "blob-conflict";
  Put(b, {c});
  std::multiset<std::string> keys;
  ASSERT_TRUE(index_
                  ->ForEachBlobKey([&](const std::string& k) {
                    keys.insert(k);
                    return base::Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(keys, (std::multiset<std::string>{"blob-6.1.1.1", "blob-6.1.1.1", "blob-6.1.1.2",
                                              "blob-conflict"}));
  int calls = 0;
  auto st = index_->ForEachBlobKey([&](const std::string&) {
    ++calls;
    return base::Unavailable("stop");
  });
  EXPECT_EQ(st.code(), base::Code::kUnavailable);
  EXPECT_EQ(calls, 1);
}

TEST_P(IndexTest, ListConflictsPages) {
  TenantId t = Tenant("t");
  Put(t, {Rec("7.1", "7.1.1", "7.1.1.1")});
  for (int i = 0; i < 5; ++i) {
    InstanceRecord r = Rec("7.1", "7.1.1", "7.1.1.1");
    r.storage.sha256 = "v" + std::to_string(i);
    Put(t, {r});
  }
  auto all = index_->ListConflicts(t, 0, 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].new_sha256, "v0");
  auto page = index_->ListConflicts(t, 2, 3);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].new_sha256, "v3");
}

TEST_P(IndexTest, DiskFullIsResourceExhaustedWithoutPatientData) {
  if (IsPostgres()) GTEST_SKIP() << "disk full is simulated with SQLite's max_page_count";
  TenantId t = Tenant("t");
  ASSERT_TRUE(
      Db().Transact(TxKind::kWrite, [](Conn& c) { return c.Exec("PRAGMA max_page_count = 80"); })
          .ok());
  base::Status failure;
  for (int i = 0; i < 200 && failure.ok(); ++i) {
    InstanceRecord r = Rec("8.1", "8.1.1", "8.1.1." + std::to_string(i));
    r.patient.patient_name = "Secret^Patient";
    r.metadata_json = std::string(4000, 'x');
    failure = index_->PutInstances(t, std::vector<InstanceRecord>{r}).status();
  }
  ASSERT_FALSE(failure.ok());
  EXPECT_EQ(failure.code(), base::Code::kResourceExhausted) << failure.ToString();
  EXPECT_EQ(failure.ToString().find("Secret"), std::string::npos);
  EXPECT_EQ(failure.ToString().find("INSERT"), std::string::npos);
  // The failed batch left nothing half-written; the index still answers.
  auto stats = index_->Stats(t);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(static_cast<size_t>(stats->instances), index_->Locate(t, Q(Level::kStudy))->size());
}

TEST_P(IndexTest, LostConnectionsAreReplaced) {
  if (!IsPostgres()) GTEST_SKIP() << "PostgreSQL connection handling";
  TenantId t = Tenant("t");
  Put(t, {Rec("9.1", "9.1.1", "9.1.1.1")});
  // Several pooled connections, all of which will be dead.
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      for (int k = 0; k < 20; ++k) EXPECT_TRUE(index_->Find(t, Q(Level::kStudy)).ok());
    });
  }
  for (auto& th : readers) th.join();
  // Kill every server process of this database except the admin connection itself.
  ASSERT_EQ(PgAdmin(base_conninfo_,
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname ="
                    " current_database() AND pid <> pg_backend_pid()"),
            "");
  // Pooled connections are dead: reads are rerun on a fresh connection, and a write whose
  // BEGIN failed on a dead connection is rerun too.
  EXPECT_EQ(Find(t, Q(Level::kStudy)).size(), 1u);
  Put(t, {Rec("9.1", "9.1.1", "9.1.1.2")});
  EXPECT_EQ(Find(t, Q(Level::kStudy))[0].counts.study_related_instances, 2);
}

TEST_P(IndexTest, UnreachableServerIsUnavailable) {
  if (!IsPostgres()) GTEST_SKIP() << "PostgreSQL connection handling";
  auto bad = OpenPostgresIndex({"host=127.0.0.1 port=1 connect_timeout=2 user=x dbname=x", 2});
  EXPECT_EQ(bad.status().code(), base::Code::kUnavailable);
}

TEST_P(IndexTest, SqlitePlansUseTheSearchIndexes) {
  if (IsPostgres()) GTEST_SKIP() << "PostgreSQL plans depend on live statistics";
  TenantId t = Tenant("t");
  auto plan_of = [&](const FindQuery& q) {
    std::string plan;
    EXPECT_TRUE(Db().Transact(TxKind::kRead,
                              [&](Conn& c) -> base::Status {
                                DOKUEI_ASSIGN_OR_RETURN(BuildOptions o, PlanQuery(c, t, q));
                                DOKUEI_ASSIGN_OR_RETURN(Sql sql,
                                                        BuildFindSql(q, c.dialect(), t, o));
                                return c.Query("EXPLAIN QUERY PLAN " + sql.text, sql.params,
                                               [&](const Row& r) {
                                                 plan += std::string(r.Str(3)) + "\n";
                                                 return base::Status::Ok();
                                               });
                              })
                    .ok());
    return plan;
  };
  // Planner statistics are seeded once, so these hold on a database never analysed.
  EXPECT_THAT(plan_of(Q(Level::kStudy, {Eq(Attr::kAccessionNumber, "A")}, 100)),
              ::testing::HasSubstr("studies_by_accession"));
  EXPECT_THAT(plan_of(Q(Level::kStudy, {Eq(Attr::kPatientID, "P")}, 100)),
              ::testing::HasSubstr("sqlite_autoindex_patients_1 (tenant_id=? AND patient_id=?)"));
  EXPECT_THAT(plan_of(Q(Level::kStudy, {Wild(Attr::kPatientName, "YAMA*")}, 100)),
              ::testing::HasSubstr("name_key>? AND name_key<?"));
  const std::string by_date = plan_of(Q(Level::kStudy, {Range(Attr::kStudyDate, "2024", "")}, 100));
  EXPECT_THAT(by_date, ::testing::HasSubstr("studies_by_date (tenant_id=? AND study_date>?"));
  EXPECT_THAT(by_date, ::testing::Not(::testing::HasSubstr("TEMP B-TREE")));  // no sort
  EXPECT_THAT(plan_of(Q(Level::kSeries, {Eq(Attr::kStudyInstanceUID, "1")})),
              ::testing::HasSubstr("series_by_study"));
  EXPECT_THAT(plan_of(Q(Level::kInstance,
                        {Eq(Attr::kStudyInstanceUID, "1"), Eq(Attr::kSeriesInstanceUID, "1.1")})),
              ::testing::HasSubstr("instances_by_series"));
  int rows = 0;
  ASSERT_TRUE(Db().Transact(TxKind::kRead,
                            [&](Conn& c) {
                              return c.Query(
                                  "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'studies'", {},
                                  [&](const Row& r) {
                                    rows = static_cast<int>(r.Int(0));
                                    return base::Status::Ok();
                                  });
                            })
                  .ok());
  EXPECT_EQ(rows, 4);
}

}  // namespace
}  // namespace dokuei::index
