// The outbound queue on every backend with a FakeClock and scripted transports: fan-out to the
// tenant's destinations, idempotent enqueue, the backoff schedule, give-up rules, crash recovery
// of `sending` rows, no second delivery of a delivered row, addenda, destinations' validation.
#include <atomic>
#include <map>
#include <thread>

#include "delivery_test_util.h"

namespace dokuei::delivery {
namespace {

using namespace std::chrono_literals;
using testing::DeliveryFixture;

class QueueTest : public DeliveryFixture {
 protected:
  std::vector<Artifact> AllFour() {
    return {
        testing::DicomArtifact(ArtifactKind::kSr, "transfer_syntaxes/CT_small.dcm"),
        testing::DicomArtifact(ArtifactKind::kEncapsulatedPdf, "transfer_syntaxes/MR_small.dcm"),
        Artifact{ArtifactKind::kHl7Oru, testing::kOru},
        Artifact{ArtifactKind::kFhirBundle, testing::kBundle}};
  }
  DeliveryRow Row(int64_t id) {
    auto r = q().Get(id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : DeliveryRow{};
  }
  std::vector<DeliveryRow> Rows() {
    auto r = q().ForRequest(70);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<DeliveryRow>{};
  }
  TickResult Tick() {
    auto r = q().Tick();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : TickResult{};
  }
};

TEST_P(QueueTest, OneRowPerArtifactAndMatchingDestinationOnce) {
  const Destination pacs = Add(7, DestinationKind::kDicom, "院内PACS");
  const Destination ris = Add(7, DestinationKind::kHl7, "RIS");
  const Destination fhir = Add(7, DestinationKind::kFhir, "FHIR");
  Destination off = Add(7, DestinationKind::kDicom, "旧PACS");
  off.enabled = false;
  ASSERT_TRUE(Destinations(*db_, clock_).Update(off).ok());
  Add(8, DestinationKind::kDicom, "other hospital");  // another tenant: never used

  auto rows = q().Enqueue(Version(101), AllFour());
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].artifact, ArtifactKind::kSr);
  EXPECT_EQ((*rows)[0].destination_id, pacs.id);
  EXPECT_EQ((*rows)[1].artifact, ArtifactKind::kEncapsulatedPdf);
  EXPECT_EQ((*rows)[1].destination_id, pacs.id);
  EXPECT_EQ((*rows)[2].destination_id, ris.id);
  EXPECT_EQ((*rows)[3].destination_id, fhir.id);
  for (const auto& r : *rows) {
    EXPECT_EQ(r.state, DeliveryState::kPending);
    EXPECT_EQ(r.attempts, 0);
    EXPECT_EQ(r.request_id, 70);
    EXPECT_FALSE(r.addendum);
    EXPECT_EQ(r.artifact_sha256.size(), 64u);
  }
  // Reporting the same release again adds nothing.
  auto again = q().Enqueue(Version(101), AllFour());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 4u);
  EXPECT_EQ(Rows().size(), 4u);
}

TEST_P(QueueTest, DeliversEachRowOnceWithTheStoredBytes) {
  Add(7, DestinationKind::kDicom, "PACS");
  Add(7, DestinationKind::kHl7, "RIS");
  Add(7, DestinationKind::kFhir, "FHIR");
  const auto artifacts = AllFour();
  ASSERT_TRUE(q().Enqueue(Version(102), artifacts).ok());
  const TickResult t = Tick();
  EXPECT_EQ(t.delivered, 4);
  ASSERT_EQ(dicom_.sent().size(), 2u);
  EXPECT_EQ(dicom_.sent()[0].bytes, artifacts[0].bytes);  // byte for byte what was enqueued
  EXPECT_EQ(dicom_.sent()[1].bytes, artifacts[1].bytes);
  ASSERT_EQ(hl7_.sent().size(), 1u);
  EXPECT_EQ(hl7_.sent()[0].bytes, testing::kOru);
  ASSERT_EQ(fhir_.sent().size(), 1u);
  for (const auto& r : Rows()) {
    EXPECT_EQ(r.state, DeliveryState::kDelivered);
    EXPECT_EQ(r.attempts, 1);
    ASSERT_TRUE(r.delivered_at.has_value());
    EXPECT_EQ(*r.delivered_at, clock_.Now());
    EXPECT_FALSE(r.next_attempt_at.has_value());
  }
  // Later ticks, a restart, and a repeated release never send a delivered row again.
  clock_.Advance(24h);
  EXPECT_EQ(Tick().delivered, 0);
  Reopen();
  ASSERT_TRUE(q().Enqueue(Version(102), artifacts).ok());
  EXPECT_EQ(Tick().delivered, 0);
  EXPECT_EQ(dicom_.sent().size() + hl7_.sent().size() + fhir_.sent().size(), 4u);
}

TEST_P(QueueTest, RetriesWithExponentialBackoffThenGivesUp) {
  max_attempts_ = 5;
  Reopen();
  Add(7, DestinationKind::kDicom, "PACS");
  auto rows = q().Enqueue(
      Version(103), {testing::DicomArtifact(ArtifactKind::kSr, "transfer_syntaxes/CT_small.dcm")});
  ASSERT_TRUE(rows.ok());
  const int64_t id = rows->at(0).id;
  RemoteAnswer busy;
  busy.dimse_status = 0xA700;
  busy.text = "Out of resources";
  for (int i = 0; i < 5; ++i)
    dicom_.Then(Outcome::Retry("C-STORE failed with status 0xA700: Out of resources", busy));

  const base::Timestamp t0 = clock_.Now();
  EXPECT_EQ(Tick().retried, 1);
  DeliveryRow r = Row(id);
  EXPECT_EQ(r.state, DeliveryState::kFailed);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.remote.dimse_status, 0xA700);
  EXPECT_EQ(r.remote.text, "Out of resources");
  EXPECT_EQ(r.last_error, "C-STORE failed with status 0xA700: Out of resources");
  ASSERT_TRUE(r.next_attempt_at.has_value());
  EXPECT_EQ(*r.next_attempt_at, t0 + 1min);

  // 1, 2, 4, 8 minutes between attempts; nothing is sent before its time.
  base::Timestamp at = t0;
  for (const auto gap : {1min, 2min, 4min}) {
    clock_.Set(at + gap - 1s);
    EXPECT_EQ(Tick().retried, 0);
    clock_.Set(at + gap);
    at = clock_.Now();
    EXPECT_EQ(Tick().retried, 1);
    EXPECT_EQ(*Row(id).next_attempt_at, at + 2 * gap);
  }
  EXPECT_EQ(Row(id).attempts, 4);
  clock_.Set(at + 8min);
  EXPECT_EQ(Tick().gave_up, 1);  // the fifth failure exhausts max_attempts
  r = Row(id);
  EXPECT_EQ(r.state, DeliveryState::kGaveUp);
  EXPECT_EQ(r.attempts, 5);
  EXPECT_NE(r.last_error.find("after 5 attempts"), std::string::npos) << r.last_error;
  EXPECT_FALSE(r.next_attempt_at.has_value());
  clock_.Advance(48h);
  EXPECT_EQ(Tick().retried + Tick().gave_up, 0);
  EXPECT_EQ(dicom_.sent().size(), 5u);
}

TEST_P(QueueTest, BackoffIsCappedAtTheMaximum) {
  Add(7, DestinationKind::kHl7, "RIS");
  auto rows = q().Enqueue(Version(104), {Artifact{ArtifactKind::kHl7Oru, testing::kOru}});
  ASSERT_TRUE(rows.ok());
  for (int i = 0; i < 9; ++i) hl7_.Then(Outcome::Retry("HL7 AE"));
  std::vector<base::Duration> gaps;
  for (int i = 0; i < 9; ++i) {
    ASSERT_EQ(Tick().retried, 1) << "attempt " << i + 1;
    const DeliveryRow r = Row(rows->at(0).id);
    gaps.push_back(*r.next_attempt_at - clock_.Now());
    clock_.Set(*r.next_attempt_at);
  }
  EXPECT_EQ(gaps[0], base::Duration(1min));
  EXPECT_EQ(gaps[5], base::Duration(32min));
  EXPECT_EQ(gaps[6], base::Duration(60min));
  EXPECT_EQ(gaps[8], base::Duration(60min));
}

TEST_P(QueueTest, PermanentRefusalGivesUpAtOnceAndACoordinatorCanRetry) {
  Add(7, DestinationKind::kHl7, "RIS");
  auto rows = q().Enqueue(Version(105), {Artifact{ArtifactKind::kHl7Oru, testing::kOru}});
  ASSERT_TRUE(rows.ok());
  const int64_t id = rows->at(0).id;
  RemoteAnswer ar;
  ar.ack_code = "AR";
  ar.text = "unknown patient";
  hl7_.Then(Outcome::GiveUp("HL7 AR: unknown patient", ar));
  EXPECT_EQ(Tick().gave_up, 1);
  DeliveryRow r = Row(id);
  EXPECT_EQ(r.state, DeliveryState::kGaveUp);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.remote.ack_code, "AR");
  EXPECT_EQ(r.last_error, "HL7 AR: unknown patient");

  // Only a row that gave up can be retried.
  ASSERT_TRUE(q().Enqueue(Version(106), {Artifact{ArtifactKind::kHl7Oru, testing::kOru}}).ok());
  const int64_t pending = Rows().back().id;
  EXPECT_EQ(q().Retry(pending).status().code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(q().Retry(999999).status().code(), base::Code::kNotFound);

  clock_.Advance(3h);
  auto retried = q().Retry(id);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->state, DeliveryState::kPending);
  EXPECT_EQ(retried->attempts, 0);
  EXPECT_EQ(*retried->next_attempt_at, clock_.Now());
  EXPECT_EQ(Tick().delivered, 2);
  EXPECT_EQ(Row(id).state, DeliveryState::kDelivered);
  EXPECT_EQ(Row(id).attempts, 1);
}

TEST_P(QueueTest, ARowLeftSendingByACrashIsRetriedWhenItsLeaseEnds) {
  Add(7, DestinationKind::kDicom, "PACS");
  auto rows = q().Enqueue(
      Version(107), {testing::DicomArtifact(ArtifactKind::kSr, "transfer_syntaxes/CT_small.dcm")});
  ASSERT_TRUE(rows.ok());
  const int64_t id = rows->at(0).id;
  // The server claimed the row and died while sending: state, claim and lease as a claim
  // leaves them, no outcome.
  const base::Timestamp crash = clock_.Now();
  ASSERT_TRUE(
      db_->Transact(db::TxKind::kWrite,
                    [&](db::Conn& c) {
                      const db::Value p[] = {db::Value(base::ToUnixMicros(crash + 10min)),
                                             db::Value(base::ToUnixMicros(crash)), db::Value(id)};
                      return c.Exec(
                          "UPDATE delivery_queue SET state = 'sending', claim = 'dead-server',"
                          " attempts = 1, next_attempt_us = ?, last_attempt_us = ? WHERE id = ?",
                          p);
                    })
          .ok());
  Reopen();  // the restart
  EXPECT_EQ(Row(id).state, DeliveryState::kSending);
  clock_.Set(crash + 10min - 1s);
  EXPECT_EQ(Tick().delivered, 0);  // the lease still holds: maybe another server is sending
  EXPECT_TRUE(dicom_.sent().empty());
  clock_.Set(crash + 10min);
  EXPECT_EQ(Tick().delivered, 1);
  const DeliveryRow r = Row(id);
  EXPECT_EQ(r.state, DeliveryState::kDelivered);
  EXPECT_EQ(r.attempts, 2);  // the interrupted attempt counts
  EXPECT_EQ(dicom_.sent().size(), 1u);
}

TEST_P(QueueTest, ACrashLoopGivesUpWhenTheAttemptsAreUsed) {
  max_attempts_ = 3;
  Reopen();
  Add(7, DestinationKind::kDicom, "PACS");
  auto rows = q().Enqueue(
      Version(108), {testing::DicomArtifact(ArtifactKind::kSr, "transfer_syntaxes/CT_small.dcm")});
  ASSERT_TRUE(rows.ok());
  const int64_t id = rows->at(0).id;
  ASSERT_TRUE(
      db_->Transact(
             db::TxKind::kWrite,
             [&](db::Conn& c) {
               const db::Value p[] = {db::Value(base::ToUnixMicros(clock_.Now())), db::Value(id)};
               return c.Exec(
                   "UPDATE delivery_queue SET state = 'sending', claim = 'x', attempts = 3,"
                   " next_attempt_us = ? WHERE id = ?",
                   p);
             })
          .ok());
  EXPECT_EQ(Tick().gave_up, 1);
  EXPECT_EQ(Row(id).state, DeliveryState::kGaveUp);
  EXPECT_NE(Row(id).last_error.find("sender stopped"), std::string::npos);
  EXPECT_TRUE(dicom_.sent().empty());
}

// A slow sender whose lease ends while another server delivers the row: the late outcome (here a
// failure) is discarded, the row stays delivered and is never sent again.
TEST_P(QueueTest, ALateOutcomeOfAnExpiredClaimIsDiscarded) {
  Add(7, DestinationKind::kFhir, "FHIR");
  auto rows = q().Enqueue(Version(109), {Artifact{ArtifactKind::kFhirBundle, testing::kBundle}});
  ASSERT_TRUE(rows.ok());
  const int64_t id = rows->at(0).id;
  auto other = OpenDelivery(db_, clock_, {&dicom_, &hl7_, &fhir_}, {});
  ASSERT_TRUE(other.ok());
  Delivery& second = **other;
  fhir_.During([&] {
    clock_.Advance(11min);  // past the first sender's lease
    fhir_.Then(Outcome::Delivered());
    auto t = second.queue().Tick();
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->delivered, 1);
    fhir_.Then(Outcome::Retry("connection reset"));  // the first sender's late answer
  });
  const TickResult first = Tick();
  EXPECT_EQ(first.retried, 0);
  EXPECT_EQ(first.delivered, 0);
  const DeliveryRow r = Row(id);
  EXPECT_EQ(r.state, DeliveryState::kDelivered);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_TRUE(r.last_error.empty());
  clock_.Advance(2h);
  EXPECT_EQ(Tick().delivered + second.queue().Tick()->delivered, 0);
  EXPECT_EQ(fhir_.sent().size(), 2u);  // at least once: the slow send and the takeover
}

// Several servers ticking at once: each row is claimed by one of them and sent once.
TEST_P(QueueTest, ConcurrentTicksSendEachRowOnce) {
  Add(7, DestinationKind::kHl7, "RIS A");
  Add(7, DestinationKind::kHl7, "RIS B");
  for (int v = 0; v < 10; ++v)
    ASSERT_TRUE(
        q().Enqueue(Version(300 + v), {Artifact{ArtifactKind::kHl7Oru, testing::kOru}}).ok());
  std::vector<std::unique_ptr<Delivery>> servers;
  for (int i = 0; i < 4; ++i) {
    auto d = OpenDelivery(db_, clock_, {&dicom_, &hl7_, &fhir_}, {});
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    servers.push_back(std::move(d).value());
  }
  std::vector<std::thread> threads;
  std::atomic<int> delivered{0};
  for (auto& s : servers)
    threads.emplace_back([&s, &delivered] {
      auto t = s->queue().Tick();
      EXPECT_TRUE(t.ok()) << t.status().ToString();
      if (t.ok()) delivered += t->delivered;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(delivered.load(), 20);
  std::map<int64_t, int> per_row;
  for (const auto& sent : hl7_.sent()) ++per_row[sent.row_id];
  EXPECT_EQ(per_row.size(), 20u);
  for (const auto& [row, n] : per_row) EXPECT_EQ(n, 1) << "row " << row;
  for (const auto& r : Rows()) EXPECT_EQ(r.state, DeliveryState::kDelivered);
}

TEST_P(QueueTest, AddendaAreDeliveredTheSameWayAndMarked) {
  Add(7, DestinationKind::kDicom, "PACS");
  const auto sr = testing::DicomArtifact(ArtifactKind::kSr, "transfer_syntaxes/CT_small.dcm");
  ASSERT_TRUE(q().Enqueue(Version(110), {sr}).ok());
  ASSERT_TRUE(q().Enqueue(Version(111, /*addendum=*/true), {sr}).ok());
  EXPECT_EQ(Tick().delivered, 2);
  const auto rows = Rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].addendum);
  EXPECT_TRUE(rows[1].addendum);
  EXPECT_EQ(rows[1].version_id, 111);
  ASSERT_EQ(dicom_.sent().size(), 2u);
  EXPECT_TRUE(dicom_.sent()[1].addendum);
}

TEST_P(QueueTest, BadArtefactsAreRefusedAndNothingIsStored) {
  Add(7, DestinationKind::kDicom, "PACS");
  Add(7, DestinationKind::kFhir, "FHIR");
  auto r = q().Enqueue(Version(112), {Artifact{ArtifactKind::kSr, "not dicom"}});
  EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "artifacts.sr");
  r = q().Enqueue(Version(112),
                  {testing::DicomArtifact(ArtifactKind::kSr, "transfer_syntaxes/CT_small.dcm"),
                   Artifact{ArtifactKind::kFhirBundle, R"({"resourceType":"Patient"})"}});
  EXPECT_EQ(r.status().field(), "artifacts.fhir");
  EXPECT_TRUE(Rows().empty());
  EXPECT_EQ(q().Release(Version(112)).status().code(), base::Code::kFailedPrecondition);
}

TEST_P(QueueTest, ReleaseAsksTheArtifactSource) {
  struct Source final : ArtifactSource {
    base::Result<std::vector<Artifact>> For(int64_t report_id, int64_t version_id) override {
      asked = {report_id, version_id};
      return std::vector<Artifact>{Artifact{ArtifactKind::kHl7Oru, testing::kOru}};
    }
    std::pair<int64_t, int64_t> asked;
  } source;
  DeliveryOptions o;
  o.source = &source;
  Reopen(o);
  Add(7, DestinationKind::kHl7, "RIS");
  auto rows = q().Release(Version(113));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(source.asked, std::make_pair(int64_t{700}, int64_t{113}));
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).artifact, ArtifactKind::kHl7Oru);
}

TEST_P(QueueTest, ReleaseReportEnqueuesReleasedFinalsAndAddendaOnce) {
  struct Source final : ArtifactSource {
    base::Result<std::vector<Artifact>> For(int64_t, int64_t version_id) override {
      asked.push_back(version_id);
      return std::vector<Artifact>{Artifact{ArtifactKind::kHl7Oru, testing::kOru}};
    }
    std::vector<int64_t> asked;
  } source;
  DeliveryOptions o;
  o.source = &source;
  Reopen(o);
  Add(7, DestinationKind::kHl7, "RIS");
  report::Report r;
  r.id = 700;
  r.request_id = 70;
  r.tenant_id = 7;
  auto version = [](int64_t id, int number, report::VersionKind kind, report::Release rel) {
    report::Version v;
    v.id = id;
    v.number = number;
    v.kind = kind;
    v.release = rel;
    return v;
  };
  r.versions = {version(201, 1, report::VersionKind::kPreliminary, report::Release::kReleased),
                version(202, 2, report::VersionKind::kFinal, report::Release::kAwaitingCheck)};
  EXPECT_EQ(*ReleaseReport(q(), r), 0);  // a preliminary is not delivered; the final waits
  r.versions[1].release = report::Release::kReleased;
  EXPECT_EQ(*ReleaseReport(q(), r), 1);
  EXPECT_EQ(*ReleaseReport(q(), r), 0);  // once
  r.versions.push_back(version(203, 3, report::VersionKind::kAddendum, report::Release::kReleased));
  EXPECT_EQ(*ReleaseReport(q(), r), 1);
  EXPECT_EQ(source.asked, (std::vector<int64_t>{202, 203}));
  const auto rows = Rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].addendum);
  EXPECT_EQ(rows[0].version_number, 2);
  EXPECT_TRUE(rows[1].addendum);
  EXPECT_EQ(rows[1].version_number, 3);
}

TEST_P(QueueTest, ARemovedOrDisabledDestinationGivesUp) {
  const Destination a = Add(7, DestinationKind::kDicom, "PACS A");
  Destination b = Add(7, DestinationKind::kDicom, "PACS B");
  ASSERT_TRUE(q().Enqueue(Version(114), {testing::DicomArtifact(ArtifactKind::kSr,
                                                                "transfer_syntaxes/CT_small.dcm")})
                  .ok());
  Destinations dests(*db_, clock_);
  ASSERT_TRUE(dests.Remove(a.id).ok());
  b.enabled = false;
  ASSERT_TRUE(dests.Update(b).ok());
  EXPECT_EQ(Tick().gave_up, 2);
  const auto rows = Rows();
  EXPECT_EQ(rows[0].last_error, "the destination was removed");
  EXPECT_EQ(rows[1].last_error, "the destination is disabled");
  EXPECT_TRUE(dicom_.sent().empty());
}

TEST_P(QueueTest, AnAuditRecordForEachDeliveryAndGiveUp) {
  std::vector<audit::Event> events;
  DeliveryOptions o;
  o.audit = [&](db::Conn&, const audit::Event& e) {
    events.push_back(e);
    return base::Status::Ok();
  };
  Reopen(o);
  Add(7, DestinationKind::kHl7, "RIS");
  ASSERT_TRUE(
      q().Enqueue(Version(115, true), {Artifact{ArtifactKind::kHl7Oru, testing::kOru}}).ok());
  hl7_.Then(Outcome::Retry("HL7 AE"));
  Tick();
  EXPECT_TRUE(events.empty());  // a retry is not an export
  clock_.Advance(1min);
  Tick();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "report.deliver");
  EXPECT_EQ(events[0].tenant_id, 7);
  EXPECT_NE(events[0].object_detail.find("addendum version 115 (request 70) hl7"),
            std::string::npos)
      << events[0].object_detail;
}

TEST_P(QueueTest, DestinationsAreValidatedAndTheTokenIsKept) {
  Destinations dests(*db_, clock_);
  Destination d;
  d.kind = DestinationKind::kDicom;
  d.name = "PACS";
  d.ae_title = "THIS_AE_TITLE_IS_TOO_LONG";
  d.host = "pacs.sakura.local";
  d.port = 104;
  EXPECT_EQ(dests.Add(7, d).status().field(), "ae_title");
  d.ae_title = "SAKURA_PACS";
  d.port = 0;
  EXPECT_EQ(dests.Add(7, d).status().field(), "port");
  d.port = 104;
  EXPECT_TRUE(dests.Add(7, d).ok());

  Destination h;
  h.kind = DestinationKind::kHl7;
  h.name = "RIS";
  h.host = "ris local";
  h.port = 2575;
  EXPECT_EQ(dests.Add(7, h).status().field(), "host");

  Destination f;
  f.kind = DestinationKind::kFhir;
  f.name = "FHIR";
  f.url = "http://fhir.sakura.jp/r4";  // plain http to a remote host
  EXPECT_EQ(dests.Add(7, f).status().field(), "url");
  f.url = "http://127.0.0.1:8080/fhir";
  f.bearer_token = "tok en";
  EXPECT_EQ(dests.Add(7, f).status().field(), "bearer_token");
  f.bearer_token = "abc.def";
  auto added = dests.Add(7, f);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  Destination changed = *added;
  changed.name = "FHIR (new)";
  changed.bearer_token.clear();
  auto updated = dests.Update(changed);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->bearer_token, "abc.def");
  EXPECT_EQ(updated->name, "FHIR (new)");
  EXPECT_EQ(dests.List(7)->size(), 2u);
  EXPECT_TRUE(dests.List(8)->empty());
  EXPECT_EQ(dests.Get(99999).status().code(), base::Code::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, QueueTest,
                         ::testing::Values(testing::Backend::kSqliteMemory,
                                           testing::Backend::kSqliteFile,
                                           testing::Backend::kPostgres),
                         dokuei::testing::BackendName);

}  // namespace
}  // namespace dokuei::delivery
