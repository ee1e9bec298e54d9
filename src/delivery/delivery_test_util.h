// Shared by the delivery tests: a scripted Transport, artefacts made from the shared test data,
// and the database fixture (SQLite memory / file, PostgreSQL).
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dokuei/delivery/delivery.h"
#include "dokuei/testing/db_backends.h"
#include "dokuei/testing/fake_clock.h"

namespace dokuei::delivery::testing {

using dokuei::testing::Backend;

inline std::string TestData(const std::string& rel) {
  const char* root = std::getenv("DOKUEI_TESTDATA");
  return std::string(root ? root : "../shared/testdata") + "/" + rel;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// A real small DICOM file stands in for the rendered SR / Encapsulated PDF.
inline Artifact DicomArtifact(ArtifactKind kind, const std::string& rel) {
  return Artifact{kind, ReadFile(TestData(rel))};
}

inline const std::string kOru =
    "MSH|^~\\&|DOKUEI|CENTRE|RIS|SAKURA|20261125120000||ORU^R01^ORU_R01|MSG0001|P|2.5.1|||||"
    "|UNICODE UTF-8\rPID|1||P0001||ヤマダ^タロウ\rOBR|1||ACC1|18748-4^Diagnostic imaging "
    "study^LN\rOBX|1|TX|18782-3^Study observation^LN||L4/5 右傍中心性椎間板突出||||||F\r";
inline const std::string kBundle =
    R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)"
    R"({"resourceType":"DiagnosticReport","status":"final"},"request":{"method":"POST",)"
    R"("url":"DiagnosticReport"}}]})";

// Answers each Send with the next scripted outcome (Delivered when the script is empty) and
// records what was sent; `during` (optional) runs inside Send, before the answer.
class ScriptedTransport final : public Transport {
 public:
  struct Sent {
    int64_t destination_id;
    ArtifactKind kind;
    std::string bytes;
    bool addendum;
    int64_t row_id;
  };
  Outcome Send(const Destination& to, const Artifact& a, const DeliveryRow& row) override {
    std::function<void()> hook;
    {
      std::lock_guard lock(mu_);
      sent_.push_back({to.id, a.kind, a.bytes, row.addendum, row.id});
      hook = std::exchange(during_, nullptr);
    }
    if (hook) hook();
    std::lock_guard lock(mu_);
    if (script_.empty()) return Outcome::Delivered();
    Outcome o = script_.front();
    script_.pop_front();
    return o;
  }
  void Then(Outcome o) {
    std::lock_guard lock(mu_);
    script_.push_back(std::move(o));
  }
  void During(std::function<void()> f) {
    std::lock_guard lock(mu_);
    during_ = std::move(f);
  }
  std::vector<Sent> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  std::mutex mu_;
  std::deque<Outcome> script_;
  std::vector<Sent> sent_;
  std::function<void()> during_;
};

class DeliveryFixture : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    DOKUEI_PREPARE_TEST_DATABASE(tdb_, GetParam(), "delivery");
    auto d = tdb_.Open(4);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    db_ = std::move(d).value();
    clock_.Set(base::FromUnixMicros(1'790'000'000'000'000));
    Reopen();
  }
  void TearDown() override {
    delivery_.reset();
    db_.reset();
  }
  // A new Delivery on the same database (a server restart).
  void Reopen(DeliveryOptions o = {}) {
    o.max_attempts = max_attempts_;
    delivery_.reset();
    auto d = OpenDelivery(db_, clock_, {&dicom_, &hl7_, &fhir_}, o);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    delivery_ = std::move(d).value();
  }
  Queue& q() { return delivery_->queue(); }

  Destination Add(int64_t tenant, DestinationKind kind, const std::string& name) {
    Destination d;
    d.kind = kind;
    d.name = name;
    if (kind == DestinationKind::kDicom) d.ae_title = "PACS", d.host = "127.0.0.1", d.port = 11112;
    if (kind == DestinationKind::kHl7) d.host = "127.0.0.1", d.port = 2575;
    if (kind == DestinationKind::kFhir)
      d.url = "https://fhir.example.jp/r4", d.bearer_token = "s3cret";
    Destinations dests(*db_, clock_);
    auto r = dests.Add(tenant, d);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Destination{};
  }

  static ReleasedVersion Version(int64_t version_id, bool addendum = false) {
    return {/*tenant*/ 7,
            /*request*/ 70,
            /*report*/ 700,
            version_id,
            static_cast<int>(version_id % 100),
            addendum};
  }

  dokuei::testing::TestDatabase tdb_;
  std::shared_ptr<db::Database> db_;
  dokuei::testing::FakeClock clock_;
  ScriptedTransport dicom_, hl7_, fhir_;
  std::unique_ptr<Delivery> delivery_;
  int max_attempts_ = 10;
};

}  // namespace dokuei::delivery::testing
