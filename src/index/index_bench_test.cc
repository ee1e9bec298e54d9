// QIDO-style search latency on a large index (target: p99 <= 20 ms at 1 million instances), with
// the query plans. Not a timed test: it runs only when asked, e.g.
//   DOKUEI_INDEX_BENCH=1000000 DOKUEI_INDEX_BENCH_PATH=/tmp/bench.db
//     build/release/src/index/index_test --gtest_filter=*IndexBench*Sqlite*
//   DOKUEI_INDEX_BENCH=1000000 scripts/with-postgres.sh
//     build/release/src/index/index_test --gtest_filter=*IndexBench*Postgres*
// (each on one line).
// An existing SQLite file at DOKUEI_INDEX_BENCH_PATH is reused (no second population).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "index_test_util.h"
#include "sql_builder.h"

namespace dokuei::index {
namespace {

struct NameParts {
  const char* alpha;
  const char* ideo;
  const char* phon;
};
constexpr NameParts kSurnames[] = {
    {"Yamada", "山田", "やまだ"},
    {"Suzuki", "鈴木", "すずき"},
    {"Takahashi", "高橋", "たかはし"},
    {"Tanaka", "田中", "たなか"},
    {"Watanabe", "渡辺", "わたなべ"},
    {"Ito", "伊藤", "いとう"},
    {"Nakamura", "中村", "なかむら"},
    {"Kobayashi", "小林", "こばやし"},
    {"Kato", "加藤", "かとう"},
    {"Yoshida", "吉田", "よしだ"},
    {"Yamamoto", "山本", "やまもと"},
    {"Sasaki", "佐々木", "ささき"},
    {"Yamaguchi", "山口", "やまぐち"},
    {"Matsumoto", "松本", "まつもと"},
    {"Inoue", "井上", "いのうえ"},
    {"Kimura", "木村", "きむら"},
    {"Hayashi", "林", "はやし"},
    {"Shimizu", "清水", "しみず"},
    {"Yamazaki", "山崎", "やまざき"},
    {"Mori", "森", "もり"},
    {"Abe", "阿部", "あべ"},
    {"Ikeda", "池田", "いけだ"},
    {"Hashimoto", "橋本", "はしもと"},
    {"Ishikawa", "石川", "いしかわ"},
    {"Ogawa", "小川", "おがわ"},
    {"Okada", "岡田", "おかだ"},
    {"Hasegawa", "長谷川", "はせがわ"},
    {"Fujita", "藤田", "ふじた"},
    {"Goto", "後藤", "ごとう"},
    {"Kondo", "近藤", "こんどう"},
};
constexpr NameParts kGiven[] = {
    {"Tarou", "太郎", "たろう"}, {"Hanako", "花子", "はなこ"}, {"Ichiro", "一郎", "いちろう"},
    {"Yuki", "由紀", "ゆき"},    {"Kenji", "健二", "けんじ"},  {"Akiko", "明子", "あきこ"},
    {"Hiroshi", "博", "ひろし"}, {"Naoko", "直子", "なおこ"},  {"Makoto", "誠", "まこと"},
    {"Emi", "恵美", "えみ"},
};
constexpr const char* kModalities[] = {"CT", "CT", "CT", "CT", "MR", "MR", "MR", "MR", "CR", "NM"};

std::string PatientName(int p) {
  const auto& s = kSurnames[p % std::size(kSurnames)];
  const auto& g = kGiven[(p / 7) % std::size(kGiven)];
  return std::string(s.alpha) + "^" + g.alpha + "=" + s.ideo + "^" + g.ideo + "=" + s.phon + "^" +
         g.phon;
}

std::string Date(int day) {  // days since 2023-01-01, simple 28-day months
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", 2023 + day / 336, 1 + (day % 336) / 28,
                1 + day % 28);
  return buf;
}

class IndexBench : public IndexTest {
 protected:
  void SetUp() override {
    const char* n = std::getenv("DOKUEI_INDEX_BENCH");
    if (n == nullptr) GTEST_SKIP() << "set DOKUEI_INDEX_BENCH=<instances> to run";
    instances_ = std::atoi(n);
    if (GetParam() == Backend::kSqliteFile) {
      if (const char* p = std::getenv("DOKUEI_INDEX_BENCH_PATH")) {
        auto idx = OpenSqliteIndex({p, 4});
        ASSERT_TRUE(idx.ok()) << idx.status().ToString();
        index_ = std::move(idx).value();
        return;
      }
    }
    IndexTest::SetUp();
  }

  // Studies of 4 series x 10 instances, plus every 1000th study a 500-slice CT series.
  void Populate(TenantId t) {
    auto stats = index_->Stats(t);
    ASSERT_TRUE(stats.ok());
    if (stats->instances >= instances_) return;
    const int studies = instances_ / 40;
    const int patients = std::max(1, studies * 2 / 5);
    const auto start = std::chrono::steady_clock::now();
    std::vector<InstanceRecord> batch;
    int stored = 0;
    for (int s = 0; s < studies; ++s) {
      const int p = s % patients;
      const std::string study = "1.2.392.1." + std::to_string(s);
      const char* modality = kModalities[s % std::size(kModalities)];
      const int series_count = (s % 1000 == 7) ? 5 : 4;
      for (int se = 0; se < series_count; ++se) {
        const int n = (se == 4) ? 500 : 10;
        const std::string series = study + "." + std::to_string(se + 1);
        for (int i = 0; i < n; ++i) {
          InstanceRecord r = Rec(study, series, series + "." + std::to_string(i + 1));
          r.patient.patient_id = "PID" + std::to_string(1000000 + p);
          r.patient.patient_name = PatientName(p);
          r.study.study_date = Date((s * 7919) % 672);
          r.study.study_time = std::to_string(100000 + (s % 80000));
          r.study.accession_number = "ACC" + std::to_string(50000000 + s);
          r.study.referring_physician_name = PatientName(p + 3);
          r.series.modality = (se == 3 && s % 10 == 0) ? "SR" : modality;
          r.series.series_number = se + 1;
          r.instance.instance_number = i + 1;
          r.metadata_json = std::string(300, ' ');
          batch.push_back(std::move(r));
        }
      }
      if (batch.size() >= 400 || s + 1 == studies) {
        auto out = index_->PutInstances(t, batch);
        ASSERT_TRUE(out.ok()) << out.status().ToString();
        stored += static_cast<int>(batch.size());
        batch.clear();
      }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("populated %d instances in %.1f s (%.0f inst/s)\n", stored, secs, stored / secs);
    // Statistics for the planner (SQLite's ANALYZE; PostgreSQL autovacuum would do it later).
    ASSERT_TRUE(Db().Transact(TxKind::kWrite, [](Conn& c) { return c.Exec("ANALYZE"); }).ok());
  }

  void Explain(TenantId t, const char* label, const FindQuery& q) {
    const bool pg = Db().dialect() == Dialect::kPostgres;
    std::string plan;
    ASSERT_TRUE(Db().Transact(TxKind::kRead,
                              [&](Conn& c) -> base::Status {
                                DOKUEI_ASSIGN_OR_RETURN(BuildOptions o, PlanQuery(c, t, q));
                                DOKUEI_ASSIGN_OR_RETURN(Sql sql,
                                                        BuildFindSql(q, c.dialect(), t, o));
                                return c.Query((pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql.text,
                                               sql.params,
                                               [&](const Row& r) {
                                                 plan += "    ";
                                                 plan += r.Str(pg ? 0 : 3);
                                                 plan += "\n";
                                                 return base::Status::Ok();
                                               },
                                               false);
                              })
                    .ok());
    std::printf("  plan of %s:\n%s", label, plan.c_str());
  }

  template <typename Fn>
  void Time(const char* label, int runs, Fn fn) {
    std::vector<double> ms;
    size_t rows = 0;
    fn(runs);  // warm-up: caches, prepared statements
    for (int i = 0; i < runs; ++i) {
      const auto start = std::chrono::steady_clock::now();
      rows += fn(i);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::sort(ms.begin(), ms.end());
    const double p50 = ms[ms.size() / 2];
    const double p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
    std::printf("%-48s %8.2f %8.2f %8.2f %8zu\n", label, p50, p99, ms.back(), rows / runs);
  }

  int instances_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Backends, IndexBench,
                         ::testing::Values(Backend::kSqliteFile, Backend::kPostgres), BackendName);

TEST_P(IndexBench, QidoSearches) {
  TenantId t = Tenant("bench");
  Tenant("other");  // a second tenant, so tenant filters are not trivially true
  ASSERT_NO_FATAL_FAILURE(Populate(t));
  const int studies = instances_ / 40;
  const int patients = std::max(1, studies * 2 / 5);
  std::mt19937 rng(42);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  auto study_uid = [&](int s) { return "1.2.392.1." + std::to_string(s); };

  struct Case {
    const char* label;
    std::function<FindQuery(int)> make;
  };
  const std::vector<Case> cases = {
      {"/studies?limit=100", [&](int) { return Q(Level::kStudy, {}, 100); }},
      {"/studies?PatientID=x",
       [&](int) {
         return Q(Level::kStudy,
                  {Eq(Attr::kPatientID, "PID" + std::to_string(1000000 + pick(patients)))}, 100);
       }},
      {"/studies?PatientName=YAMA*",
       [&](int) { return Q(Level::kStudy, {Wild(Attr::kPatientName, "YAMA*")}, 100); }},
      {"/studies?PatientName=<surname>*",
       [&](int i) {
         return Q(Level::kStudy,
                  {Wild(Attr::kPatientName,
                        std::string(kSurnames[i % std::size(kSurnames)].alpha) + "*")},
                  100);
       }},
      {"/studies?PatientName=山田*",
       [&](int) { return Q(Level::kStudy, {Wild(Attr::kPatientName, "山田*")}, 100); }},
      {"/studies?PatientName=yamada ta&fuzzy",
       [&](int) { return Q(Level::kStudy, {Fuzzy(Attr::kPatientName, "yamada ta")}, 100); }},
      {"/studies?StudyDate=<one month>",
       [&](int i) {
         const int m = i % 24;
         return Q(Level::kStudy, {Range(Attr::kStudyDate, Date(m * 28), Date(m * 28 + 27))}, 100);
       }},
      {"/studies?ModalitiesInStudy=CT",
       [&](int) { return Q(Level::kStudy, {Eq(Attr::kModalitiesInStudy, "CT")}, 100); }},
      {"/studies?ModalitiesInStudy=NM (10%)",
       [&](int) { return Q(Level::kStudy, {Eq(Attr::kModalitiesInStudy, "NM")}, 100); }},
      {"/studies?ModalitiesInStudy=SR&StudyDate=month",
       [&](int i) {
         const int m = i % 24;
         return Q(Level::kStudy,
                  {Eq(Attr::kModalitiesInStudy, "SR"),
                   Range(Attr::kStudyDate, Date(m * 28), Date(m * 28 + 27))},
                  100);
       }},
      {"/studies?AccessionNumber=x",
       [&](int) {
         return Q(Level::kStudy,
                  {Eq(Attr::kAccessionNumber, "ACC" + std::to_string(50000000 + pick(studies)))},
                  100);
       }},
      {"/studies/{uid}/series",
       [&](int) {
         return Q(Level::kSeries, {Eq(Attr::kStudyInstanceUID, study_uid(pick(studies)))});
       }},
      {"/studies/{uid}/series/{uid}/instances (500)",
       [&](int i) {
         const int s = (i % std::max(1, studies / 1000)) * 1000 + 7;
         return Q(Level::kInstance, {Eq(Attr::kStudyInstanceUID, study_uid(s)),
                                     Eq(Attr::kSeriesInstanceUID, study_uid(s) + ".5")});
       }},
      {"/series?Modality=MR&limit=100",
       [&](int) { return Q(Level::kSeries, {Eq(Attr::kModality, "MR")}, 100); }},
      {"/studies?PatientName=*TAROU (no prefix)",
       [&](int) { return Q(Level::kStudy, {Wild(Attr::kPatientName, "*TAROU")}, 100); }},
  };
  std::printf("%-48s %8s %8s %8s %8s\n", "query", "p50 ms", "p99 ms", "max ms", "rows");
  for (const auto& c : cases) {
    Time(c.label, 200, [&](int i) { return index_->Find(t, c.make(i))->size(); });
  }
  Time("WADO series metadata (500)", 50, [&](int i) {
    const int s = (i % std::max(1, studies / 1000)) * 1000 + 7;
    return index_
        ->Metadata(t, Q(Level::kSeries, {Eq(Attr::kSeriesInstanceUID, study_uid(s) + ".5")}))
        ->size();
  });
  Time("Locate study", 200, [&](int) {
    return index_
        ->Locate(t, Q(Level::kStudy, {Eq(Attr::kStudyInstanceUID, study_uid(pick(studies)))}))
        ->size();
  });
  Time("Stats", 5, [&](int) { return static_cast<size_t>(index_->Stats(t)->instances > 0); });
  for (const auto& c : cases) Explain(t, c.label, c.make(1));
}

}  // namespace
}  // namespace dokuei::index
