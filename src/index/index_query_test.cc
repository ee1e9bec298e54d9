// Matching: every condition kind at each level, person names (Japanese, fuzzy), wildcards with
// SQL metacharacters, sequence matching, and query validation. Runs on every backend.
#include <set>

#include "index_test_util.h"
#include "sql_builder.h"

namespace dokuei::index {
namespace {

using Set = std::set<std::string>;

class IndexQueryTest : public IndexTest {
 protected:
  void SetUp() override {
    IndexTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    t_ = Tenant("q");
    Seed();
  }

  struct StudySpec {
    std::string uid, patient_id, patient_name, date, time, description;
    std::vector<std::string> modalities;
    std::string referring = "";
  };

  void Seed() {
    const std::vector<StudySpec> studies = {
        {"1.1",
         "PID1",
         "Yamada^Tarou=山田^太郎=やまだ^たろう",
         "20240110",
         "083000",
         "MR L-SPINE",
         {"MR", "SR"},
         "Kato^Ken=加藤^健=かとう^けん"},
        {"1.2",
         "PID1",
         "Yamada^Tarou=山田^太郎=やまだ^たろう",
         "20240125",
         "140000",
         "CT CHEST",
         {"CT"}},
        {"1.3",
         "PID2",
         "Suzuki^Hanako=鈴木^花子=スズキ^ハナコ",
         "20240205",
         "090000",
         "100% done",
         {"MR"}},
        // JIS X 0201 half-width katakana, as converted from ISO 2022 IR 13.
        {"1.4", "PID3", "ﾔﾏﾀﾞ^ｼﾞﾛｳ", "20231220", "101010", "under_score", {"CR"}},
        {"1.5", "A%B", "O'Brien^Pat", "20240131", "235959", "it's", {"MR"}},
        {"1.6", "A_B", "Smith_J^X", "20240301", "", "back\\slash", {"MR"}},
        {"1.7", "AXB", "SmithXJ^Y", "20240302", "", "1000 done", {"MR"}},
        {"1.8", "PID8", "", "", "", "underXscore", {"MR"}},
        {"1.9", "PID9", "Zed^Zed", "20240303", "", "[bracket]", {"MR"}},
        {"1.10", "PID10", "Ｙａｍａｄａ^Ｈａｎａ", "20240304", "", "a!b", {"MR"}},
    };
    std::vector<InstanceRecord> batch;
    for (const auto& s : studies) {
      int series_no = 1;
      for (const auto& m : s.modalities) {
        const std::string series_uid = s.uid + "." + std::to_string(series_no);
        for (int i = 1; i <= 2; ++i) {
          InstanceRecord r = Rec(s.uid, series_uid, series_uid + "." + std::to_string(i));
          r.patient.patient_id = s.patient_id;
          r.patient.patient_name = s.patient_name;
          r.patient.patient_sex = s.patient_id == "PID2" ? "F" : "M";
          r.patient.patient_birth_date = s.patient_id == "PID2" ? "19900505" : "19800101";
          r.study.study_date = s.date;
          r.study.study_time = s.time;
          r.study.study_description = s.description;
          r.study.accession_number = "ACC" + s.uid;
          r.study.study_id = "SID" + s.uid;
          r.study.referring_physician_name = s.referring;
          r.series.modality = m;
          r.series.series_number = series_no;
          r.series.series_description = m == "SR" ? "Report" : "T2 SAG";
          r.series.body_part_examined = m == "CT" ? "CHEST" : "LSPINE";
          r.series.performed_procedure_step_start_date = s.date;
          r.series.performed_procedure_step_start_time = s.time;
          if (s.uid == "1.1" && m == "MR") {
            r.series.request_attributes = {{"RP1", "SPS1"}, {"RP2", "SPS2"}};
          }
          r.instance.instance_number = i;
          if (m == "SR") r.instance.sop_class_uid = "1.2.840.10008.5.1.4.1.1.88.11";
          batch.push_back(r);
        }
        ++series_no;
      }
    }
    Put(t_, batch);
  }

  Set Studies(std::vector<Condition> conds) {
    Set out;
    for (const auto& r : Find(t_, Q(Level::kStudy, std::move(conds)))) {
      out.insert(r.study.study_instance_uid);
    }
    return out;
  }
  Set At(Level level, std::vector<Condition> conds) {
    Set out;
    for (const auto& r : Find(t_, Q(level, std::move(conds)))) {
      switch (level) {
        case Level::kPatient:
          out.insert(r.patient.patient_id);
          break;
        case Level::kStudy:
          out.insert(r.study.study_instance_uid);
          break;
        case Level::kSeries:
          out.insert(r.series.series_instance_uid);
          break;
        case Level::kInstance:
          out.insert(r.instance.sop_instance_uid);
          break;
      }
    }
    return out;
  }
  base::Status Error(Level level, std::vector<Condition> conds) {
    return index_->Find(t_, Q(level, std::move(conds))).status();
  }

  TenantId t_;
};

INSTANTIATE_TEST_SUITE_P(Backends, IndexQueryTest,
                         ::testing::Values(Backend::kSqliteMemory, Backend::kSqliteFile,
                                         Backend::kPostgres),
                         BackendName);

TEST_P(IndexQueryTest, PatientLevelConditions) {
  EXPECT_EQ(At(Level::kPatient, {Eq(Attr::kPatientID, "PID1")}), Set({"PID1"}));
  EXPECT_EQ(At(Level::kPatient, {Wild(Attr::kPatientID, "PID?")}),
            Set({"PID1", "PID2", "PID3", "PID8", "PID9"}));
  EXPECT_EQ(At(Level::kPatient, {List(Attr::kPatientID, {"PID2", "PID3", "nope"})}),
            Set({"PID2", "PID3"}));
  EXPECT_EQ(At(Level::kPatient, {Eq(Attr::kPatientSex, "F")}), Set({"PID2"}));
  EXPECT_EQ(At(Level::kPatient, {Range(Attr::kPatientBirthDate, "19850101", "")}), Set({"PID2"}));
  EXPECT_EQ(At(Level::kPatient, {Eq(Attr::kIssuerOfPatientID, "")}).size(), 9u);
  // Patient-level attributes also constrain lower levels.
  EXPECT_EQ(At(Level::kSeries, {Eq(Attr::kPatientID, "PID1")}), Set({"1.1.1", "1.1.2", "1.2.1"}));
  EXPECT_EQ(At(Level::kInstance, {Eq(Attr::kPatientSex, "F")}), Set({"1.3.1.1", "1.3.1.2"}));
}

TEST_P(IndexQueryTest, StudyLevelConditions) {
  EXPECT_EQ(Studies({Eq(Attr::kStudyInstanceUID, "1.3")}), Set({"1.3"}));
  EXPECT_EQ(Studies({List(Attr::kStudyInstanceUID, {"1.1", "1.3", "9.9"})}), Set({"1.1", "1.3"}));
  EXPECT_EQ(Studies({Eq(Attr::kAccessionNumber, "ACC1.2")}), Set({"1.2"}));
  EXPECT_EQ(Studies({Eq(Attr::kStudyID, "SID1.4")}), Set({"1.4"}));
  EXPECT_EQ(Studies({Range(Attr::kStudyDate, "20240101", "20240131")}), Set({"1.1", "1.2", "1.5"}));
  EXPECT_EQ(Studies({Range(Attr::kStudyDate, "", "20240110")}), Set({"1.1", "1.4"}));
  EXPECT_EQ(Studies({Range(Attr::kStudyDate, "20240302", "")}), Set({"1.7", "1.9", "1.10"}));
  EXPECT_EQ(Studies({Eq(Attr::kStudyDate, "20240125")}), Set({"1.2"}));
  // A TM range's high end includes the times it prefixes.
  EXPECT_EQ(Studies({Range(Attr::kStudyTime, "0800", "0900")}), Set({"1.1", "1.3"}));
  EXPECT_EQ(Studies({Range(Attr::kStudyDate, "20240101", "20240131"),
                     Range(Attr::kStudyTime, "1200", "")}),
            Set({"1.2", "1.5"}));
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "*done")}), Set({"1.3", "1.7"}));
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "mr*")}), Set());  // case-sensitive
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "*")}).size(), 10u);
  EXPECT_EQ(Studies({Range(Attr::kStudyDate, "", "")}).size(), 10u);
}

TEST_P(IndexQueryTest, ModalitiesInStudy) {
  EXPECT_EQ(Studies({Eq(Attr::kModalitiesInStudy, "CT")}), Set({"1.2"}));
  EXPECT_EQ(Studies({Eq(Attr::kModalitiesInStudy, "SR")}), Set({"1.1"}));
  EXPECT_EQ(Studies({List(Attr::kModalitiesInStudy, {"SR", "CR"})}), Set({"1.1", "1.4"}));
  EXPECT_EQ(Studies({Eq(Attr::kModalitiesInStudy, "CT\\CR")}), Set({"1.2", "1.4"}));
  EXPECT_EQ(Studies({Wild(Attr::kModalitiesInStudy, "C?")}), Set({"1.2", "1.4"}));
  EXPECT_EQ(Studies({Eq(Attr::kModalitiesInStudy, "MR"), Eq(Attr::kPatientID, "PID1")}),
            Set({"1.1"}));
  // Above the series level it constrains series too (all series of matching studies).
  EXPECT_EQ(At(Level::kSeries, {Eq(Attr::kModalitiesInStudy, "SR")}), Set({"1.1.1", "1.1.2"}));
}

TEST_P(IndexQueryTest, ModalityPlansAgree) {
  // Both SQL shapes of ModalitiesInStudy (see BuildOptions) give the same rows in the same order.
  const std::vector<std::vector<Condition>> queries = {
      {Eq(Attr::kModalitiesInStudy, "MR")},
      {List(Attr::kModalitiesInStudy, {"CT", "SR"})},
      {Wild(Attr::kModalitiesInStudy, "C*"), Range(Attr::kStudyDate, "20240101", "")},
      {Eq(Attr::kModalitiesInStudy, "XA")},
  };
  for (const auto& conds : queries) {
    const FindQuery q = Q(Level::kStudy, conds, 5, 1);
    std::vector<std::string> results[2];
    for (int correlated = 0; correlated < 2; ++correlated) {
      BuildOptions o;
      o.correlated_modalities = correlated == 1;
      auto sql = BuildFindSql(q, Db().dialect(), t_, o);
      ASSERT_TRUE(sql.ok());
      ASSERT_TRUE(Db().Transact(TxKind::kRead,
                                [&](Conn& c) {
                                  return c.Query(sql->text, sql->params, [&](const Row& r) {
                                    FindRow row;
                                    int64_t rep = 0;
                                    DecodeFindRow(r, Level::kStudy, &row, &rep);
                                    results[correlated].push_back(row.study.study_instance_uid);
                                    return base::Status::Ok();
                                  });
                                })
                      .ok());
    }
    EXPECT_EQ(results[0], results[1]);
  }
  EXPECT_EQ(Studies({Eq(Attr::kModalitiesInStudy, "MR")}).size(), 8u);
}

TEST_P(IndexQueryTest, SeriesLevelConditions) {
  EXPECT_EQ(At(Level::kSeries, {Eq(Attr::kModality, "SR")}), Set({"1.1.2"}));
  EXPECT_EQ(At(Level::kSeries, {Eq(Attr::kSeriesInstanceUID, "1.1.2")}), Set({"1.1.2"}));
  EXPECT_EQ(At(Level::kSeries, {Eq(Attr::kSeriesNumber, "2")}), Set({"1.1.2"}));
  EXPECT_EQ(At(Level::kSeries,
               {Eq(Attr::kStudyInstanceUID, "1.1"), Range(Attr::kSeriesNumber, "1", "2")}),
            Set({"1.1.1", "1.1.2"}));
  EXPECT_EQ(At(Level::kSeries, {List(Attr::kSeriesNumber, {"2", "7"})}), Set({"1.1.2"}));
  EXPECT_EQ(At(Level::kSeries, {Wild(Attr::kSeriesDescription, "Rep*")}), Set({"1.1.2"}));
  EXPECT_EQ(At(Level::kSeries, {Eq(Attr::kBodyPartExamined, "CHEST")}), Set({"1.2.1"}));
  EXPECT_EQ(
      At(Level::kSeries, {Range(Attr::kPerformedProcedureStepStartDate, "20240301", "20240302")}),
      Set({"1.6.1", "1.7.1"}));
  EXPECT_EQ(At(Level::kSeries, {Range(Attr::kPerformedProcedureStepStartTime, "2300", "")}),
            Set({"1.5.1"}));
  EXPECT_EQ(Error(Level::kSeries, {Eq(Attr::kSeriesNumber, "two")}).field(), "SeriesNumber");
  EXPECT_EQ(Error(Level::kSeries, {Wild(Attr::kSeriesNumber, "1*")}).code(),
            base::Code::kInvalidArgument);
}

TEST_P(IndexQueryTest, RequestAttributesSequenceMatching) {
  EXPECT_EQ(At(Level::kSeries, {Eq(Attr::kRequestedProcedureID, "RP2")}), Set({"1.1.1"}));
  EXPECT_EQ(At(Level::kSeries, {Eq(Attr::kScheduledProcedureStepID, "SPS1")}), Set({"1.1.1"}));
  // Both conditions must hold in the same item.
  EXPECT_EQ(At(Level::kSeries, {Eq(Attr::kRequestedProcedureID, "RP1"),
                                Eq(Attr::kScheduledProcedureStepID, "SPS1")}),
            Set({"1.1.1"}));
  EXPECT_EQ(At(Level::kSeries, {Eq(Attr::kRequestedProcedureID, "RP1"),
                                Eq(Attr::kScheduledProcedureStepID, "SPS2")}),
            Set());
  EXPECT_EQ(At(Level::kSeries, {Wild(Attr::kRequestedProcedureID, "RP*")}), Set({"1.1.1"}));
}

TEST_P(IndexQueryTest, InstanceLevelConditions) {
  EXPECT_EQ(At(Level::kInstance, {List(Attr::kSOPInstanceUID, {"1.3.1.1", "1.4.1.2", "x"})}),
            Set({"1.3.1.1", "1.4.1.2"}));
  EXPECT_EQ(At(Level::kInstance, {Eq(Attr::kSOPClassUID, "1.2.840.10008.5.1.4.1.1.88.11")}),
            Set({"1.1.2.1", "1.1.2.2"}));
  EXPECT_EQ(At(Level::kInstance,
               {Eq(Attr::kSeriesInstanceUID, "1.2.1"), Range(Attr::kInstanceNumber, "2", "")}),
            Set({"1.2.1.2"}));
  EXPECT_EQ(At(Level::kInstance, {Eq(Attr::kStudyInstanceUID, "1.1"), Eq(Attr::kModality, "MR"),
                                  Eq(Attr::kInstanceNumber, "1")}),
            Set({"1.1.1.1"}));
}

TEST_P(IndexQueryTest, JapanesePersonNames) {
  const Set yamada = {"1.1", "1.2"};
  EXPECT_EQ(Studies({Wild(Attr::kPatientName, "山田*")}), yamada);
  EXPECT_EQ(Studies({Wild(Attr::kPatientName, "yamada*")}), yamada);
  EXPECT_EQ(Studies({Wild(Attr::kPatientName, "YAMADA^T*")}), yamada);
  EXPECT_EQ(Studies({Wild(Attr::kPatientName, "*太郎")}), yamada);
  EXPECT_EQ(Studies({Wild(Attr::kPatientName, "山?^太郎")}), yamada);
  EXPECT_EQ(Studies({Wild(Attr::kPatientName, "やまだ*")}), yamada);
  EXPECT_EQ(Studies({Eq(Attr::kPatientName, "YAMADA^TAROU")}), yamada);
  EXPECT_EQ(Studies({Eq(Attr::kPatientName, "山田^太郎")}), yamada);
  EXPECT_EQ(Studies({Eq(Attr::kPatientName, "Yamada^Tarou=山田^太郎=やまだ^たろう")}), yamada);
  EXPECT_EQ(Studies({Eq(Attr::kPatientName, "Yamada^Tarou^^")}), yamada);  // trailing empties
  EXPECT_EQ(Studies({Eq(Attr::kPatientName, "Yamada")}), Set());
  EXPECT_EQ(Studies({Eq(Attr::kPatientName, "スズキ^ハナコ")}), Set({"1.3"}));
  EXPECT_EQ(Studies({Wild(Attr::kPatientName, "ﾔﾏﾀﾞ*")}), Set({"1.4"}));
  EXPECT_EQ(Studies({List(Attr::kPatientName, {"鈴木^花子", "zed^zed"})}), Set({"1.3", "1.9"}));
  EXPECT_EQ(Studies({Wild(Attr::kReferringPhysicianName, "加藤*")}), Set({"1.1"}));
  EXPECT_EQ(Studies({Eq(Attr::kReferringPhysicianName, "KATO^KEN")}), Set({"1.1"}));
  // Universal and empty-value matching.
  EXPECT_EQ(Studies({Wild(Attr::kPatientName, "*")}).size(), 10u);
  EXPECT_EQ(Studies({Eq(Attr::kPatientName, "")}), Set({"1.8"}));
}

TEST_P(IndexQueryTest, FuzzyPersonNames) {
  const Set yamada = {"1.1", "1.2"};
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "yam tar")}), yamada);
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "tarou yamada")}), yamada);
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "YAMADA^TARO")}), yamada);
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "山田")}), yamada);
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "arou")}), Set());
  // Katakana finds hiragana, half-width katakana, and the reverse.
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "ヤマダ")}), Set({"1.1", "1.2", "1.4"}));
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "やまだ じろう")}), Set({"1.4"}));
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "ｼﾞﾛ")}), Set({"1.4"}));
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "すずき はな")}), Set({"1.3"}));
  // Full-width ASCII both in the query and in the stored name.
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "ｙａｍａｄａ　ｔａｒｏｕ")}), yamada);
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "yamada hana")}), Set({"1.10"}));
  EXPECT_EQ(Studies({Fuzzy(Attr::kReferringPhysicianName, "カトウ")}), Set({"1.1"}));
  EXPECT_EQ(Studies({Fuzzy(Attr::kPatientName, "")}).size(), 10u);
  EXPECT_EQ(At(Level::kPatient, {Fuzzy(Attr::kPatientName, "smith")}), Set({"A_B", "AXB"}));
}

TEST_P(IndexQueryTest, SqlMetacharactersMatchLiterally) {
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "100%*")}), Set({"1.3"}));
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "10?0*")}), Set({"1.7"}));
  EXPECT_EQ(Studies({Eq(Attr::kStudyDescription, "under_score")}), Set({"1.4"}));
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "under_*")}), Set({"1.4"}));
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "under?score")}), Set({"1.4", "1.8"}));
  EXPECT_EQ(Studies({Eq(Attr::kStudyDescription, "it's")}), Set({"1.5"}));
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "*'*")}), Set({"1.5"}));
  EXPECT_EQ(Studies({Eq(Attr::kStudyDescription, "back\\slash")}), Set({"1.6"}));
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "*\\s*")}), Set({"1.6"}));
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "[br*")}), Set({"1.9"}));
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "*]")}), Set({"1.9"}));
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "a!*")}), Set({"1.10"}));
  EXPECT_EQ(Studies({Wild(Attr::kStudyDescription, "a?b")}), Set({"1.10"}));
  EXPECT_EQ(At(Level::kPatient, {Eq(Attr::kPatientID, "A%B")}), Set({"A%B"}));
  EXPECT_EQ(At(Level::kPatient, {Wild(Attr::kPatientID, "A%*")}), Set({"A%B"}));
  EXPECT_EQ(At(Level::kPatient, {Wild(Attr::kPatientID, "A_*")}), Set({"A_B"}));
  EXPECT_EQ(At(Level::kPatient, {Wild(Attr::kPatientID, "A?B")}), Set({"A%B", "A_B", "AXB"}));
  EXPECT_EQ(At(Level::kPatient, {Wild(Attr::kPatientName, "smith_*")}), Set({"A_B"}));
  EXPECT_EQ(At(Level::kPatient, {Wild(Attr::kPatientName, "o'brien*")}), Set({"A%B"}));
  EXPECT_EQ(Studies({Eq(Attr::kStudyDescription, "x' OR '1'='1")}), Set());
  EXPECT_EQ(Studies({Wild(Attr::kPatientName, "*' OR 1=1 --*")}), Set());
}

TEST_P(IndexQueryTest, InvalidQueriesAreRejected) {
  auto st = Error(Level::kPatient, {Eq(Attr::kStudyDate, "20240101")});
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
  EXPECT_EQ(st.field(), "StudyDate");
  EXPECT_EQ(Error(Level::kStudy, {Eq(Attr::kModality, "CT")}).field(), "Modality");
  EXPECT_EQ(Error(Level::kPatient, {Eq(Attr::kModalitiesInStudy, "CT")}).field(),
            "ModalitiesInStudy");
  EXPECT_EQ(Error(Level::kStudy, {Fuzzy(Attr::kStudyDescription, "x")}).field(),
            "StudyDescription");
  EXPECT_EQ(Error(Level::kStudy, {Range(Attr::kPatientName, "a", "b")}).field(), "PatientName");
  EXPECT_EQ(Error(Level::kStudy, {List(Attr::kStudyInstanceUID, {})}).field(), "StudyInstanceUID");
  EXPECT_EQ(Error(Level::kStudy, {Eq(Attr::kAccessionNumber, std::string("\xc3", 1))}).field(),
            "AccessionNumber");
  EXPECT_EQ(index_->Locate(t_, Q(Level::kStudy, {Eq(Attr::kModality, "CT")})).status().code(),
            base::Code::kInvalidArgument);
}

TEST_P(IndexQueryTest, PagingFollowsOrderWithConditions) {
  std::vector<std::string> all;
  for (const auto& r : Find(t_, Q(Level::kStudy, {Eq(Attr::kModalitiesInStudy, "MR")}))) {
    all.push_back(r.study.study_instance_uid);
  }
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all.front(), "1.10");  // newest
  EXPECT_EQ(all.back(), "1.8");    // no date: last
  std::vector<std::string> paged;
  for (uint32_t off = 0; off < 9; off += 3) {
    for (const auto& r : Find(t_, Q(Level::kStudy, {Eq(Attr::kModalitiesInStudy, "MR")}, 3, off))) {
      paged.push_back(r.study.study_instance_uid);
    }
  }
  EXPECT_EQ(paged, all);
  std::vector<std::string> patients;
  for (const auto& r : Find(t_, Q(Level::kPatient))) patients.push_back(r.patient.patient_name);
  EXPECT_TRUE(std::is_sorted(patients.begin(), patients.end()));
}

}  // namespace
}  // namespace dokuei::index
