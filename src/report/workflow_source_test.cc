// The workflow's requests as the RequestSource: who may write the report follows the workflow's
// assignment (a reassigned request moves the pen to the new reader).
#include "report_test_util.h"

namespace dokuei::report {
namespace {

using WorkflowSourceTest = ReportTest;
DOKUEI_REPORT_BACKENDS(WorkflowSourceTest);

TEST_P(WorkflowSourceTest, TheWorkflowsReaderWritesTheReport) {
  auto make = [](int64_t id) {
    workflow::ReaderInfo r;
    r.user_id = id;
    r.display_name = "reader " + std::to_string(id);
    r.years_of_experience = 20;
    return r;
  };
  workflow::StaticReaderDirectory readers({make(kReader), make(kCovering)});
  auto wf = workflow::OpenWorkflow(db_, clock_, readers, {});
  ASSERT_TRUE(wf.ok()) << wf.status().ToString();
  auto source = WorkflowRequestSource((*wf)->requests());
  auto svc = OpenReports(db_, clock_, *source, options_);
  ASSERT_TRUE(svc.ok()) << svc.status().ToString();

  workflow::NewRequest nr;
  nr.tenant_id = hospital_;
  nr.study_uid = "1.2.392.200036.9116.77";
  nr.details.modality = workflow::Modality::kMr;
  nr.details.region = workflow::Region::kLumbar;
  auto req = (*wf)->requests().Create(Staff(hospital_), nr);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  ASSERT_TRUE((*wf)->requests().Transition(Coordinator(), req->id, workflow::State::kReady).ok());
  auto assigned =
      (*wf)->requests().Assign(Coordinator(), req->id, workflow::Slot::kReader, kReader);
  ASSERT_TRUE(assigned.ok()) << assigned.status().ToString();

  EXPECT_EQ(
      (*svc)->reports().SaveDraft(Reader(kCovering), req->id, {FullContent()}).status().code(),
      base::Code::kPermissionDenied);
  auto d = (*svc)->reports().SaveDraft(Reader(), req->id, {FullContent()});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  auto r = (*svc)->reports().ForRequest(Reader(), req->id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->study_uid, nr.study_uid);
  EXPECT_EQ(r->tenant_id, hospital_);

  // Reassigned: the new reader takes over the draft and signs; the turnaround starts at the
  // new assignment.
  clock_.Advance(std::chrono::minutes(3));
  ASSERT_TRUE(
      (*wf)->requests().Assign(Coordinator(), req->id, workflow::Slot::kReader, kCovering).ok());
  EXPECT_EQ((*svc)->reports().Sign(Reader(), d->report_id, {}).status().code(),
            base::Code::kPermissionDenied);
  clock_.Advance(std::chrono::minutes(10));
  auto s = (*svc)->reports().Sign(Reader(kCovering), d->report_id, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_TRUE(s->assigned_at.has_value());
  EXPECT_EQ(s->signed_at - *s->assigned_at, std::chrono::minutes(10));
  EXPECT_EQ(svc.value()->reports().Get(Staff(hospital_), d->report_id)->reader_id, kCovering);
  EXPECT_EQ((*svc)->reports().SaveDraft(Reader(), 999, {FullContent()}).status().code(),
            base::Code::kNotFound);
}

}  // namespace
}  // namespace dokuei::report
