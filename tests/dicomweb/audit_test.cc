// DICOMweb audit records (security.md L1): exactly one per QIDO-RS and WADO request that reads
// patient data, with the caller, tenant, study and count, written before the response; when the
// record cannot be written the request fails (503 problem) and no patient data is sent.
#include <gtest/gtest.h>

#include "fixture.h"

namespace dokuei::dicomweb::e2e {
namespace {

constexpr int kTenant = 9;

struct Stored {
  std::string study, series, sop;
};

Stored StoreCt() {
  Env& env = Env::Get();
  auto r = env.Stow({ReadFile(TestData("transfer_syntaxes/CT_small.dcm"))}, Token(kTenant));
  EXPECT_TRUE(r.status == 200 || r.status == 202) << r.body.substr(0, 300);  // 202: stored before
  auto q = env.Get("/dicom-web/instances?includefield=0020000E", Token(kTenant));
  EXPECT_EQ(q.status, 200);
  auto arr = q.Json();
  Stored s;
  if (arr.is_array() && !arr.empty()) {
    s.study = JsonString(arr[0], "0020000D");
    s.series = JsonString(arr[0], "0020000E");
    s.sop = JsonString(arr[0], "00080018");
  }
  return s;
}

TEST(DicomwebAudit, OneRecordPerReadRequestAndNoneForMisses) {
  Env& env = Env::Get();
  const int64_t tenant = env.tenant(kTenant).value;
  const Stored s = StoreCt();
  ASSERT_FALSE(s.sop.empty());
  const size_t before = env.audit().EventsOf(tenant).size();
  const std::string study = "/dicom-web/studies/" + s.study;
  const std::string instance = study + "/series/" + s.series + "/instances/" + s.sop;
  struct Case {
    std::string path, accept, action;
  };
  const std::vector<Case> cases = {
      {"/dicom-web/studies", "", "study.query"},
      {study, "multipart/related; type=\"application/dicom\"", "study.retrieve"},
      {study + "/metadata", "", "study.retrieve"},
      {instance + "/frames/1", "multipart/related; type=\"application/octet-stream\"",
       "study.retrieve"},
      {instance + "/rendered", "image/jpeg", "study.view"},
      {study + "/thumbnail", "image/jpeg", "study.view"},
      {"/dicom-web/wado?requestType=WADO&studyUID=" + s.study + "&seriesUID=" + s.series +
           "&objectUID=" + s.sop + "&contentType=application%2Fdicom",
       "", "study.retrieve"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    const size_t n = env.audit().EventsOf(tenant).size();
    auto r = env.Get(c.path, Token(kTenant), c.accept);
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    auto events = env.audit().EventsOf(tenant);
    ASSERT_EQ(events.size(), n + 1);
    const audit::Event& e = events.back();
    EXPECT_EQ(e.action, c.action);
    EXPECT_EQ(e.actor, "user-9");
    EXPECT_EQ(e.protocol, "http");
    EXPECT_EQ(e.source_address, "127.0.0.1");
    EXPECT_EQ(e.study_uids, std::vector<std::string>{s.study});
    EXPECT_GE(e.object_count, 1);
    EXPECT_FALSE(e.patient_id.empty());
    EXPECT_EQ(e.object_detail.find('?'), std::string::npos);  // no query string (names)
  }
  EXPECT_EQ(env.audit().EventsOf(tenant).size(), before + cases.size());
  // A miss reads nothing and records nothing (test_serve_audit.py: another tenant's study too).
  EXPECT_EQ(env.Get("/dicom-web/studies/1.2.3.4", Token(kTenant)).status, 404);
  EXPECT_EQ(env.audit().EventsOf(tenant).size(), before + cases.size());
}

TEST(DicomwebAudit, FailingAuditFailsTheRequestAndSendsNothing) {
  Env& env = Env::Get();
  const Stored s = StoreCt();
  ASSERT_FALSE(s.sop.empty());
  env.audit().fail = true;
  for (const std::string path : {std::string("/dicom-web/studies"), "/dicom-web/studies/" + s.study,
                                 "/dicom-web/studies/" + s.study + "/metadata",
                                 "/dicom-web/studies/" + s.study + "/thumbnail"}) {
    SCOPED_TRACE(path);
    auto r = env.Get(path, Token(kTenant), path.ends_with("thumbnail") ? "image/jpeg" : "");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body.find(s.study), std::string::npos);
    EXPECT_EQ(r.body.find("CompressedSamples"), std::string::npos);  // CT_small's patient name
  }
  env.audit().fail = false;
  EXPECT_EQ(env.Get("/dicom-web/studies", Token(kTenant)).status, 200);
}

}  // namespace
}  // namespace dokuei::dicomweb::e2e
