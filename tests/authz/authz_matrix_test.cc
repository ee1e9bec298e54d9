// The authorisation matrix, generated from the route table (security.md A1, A2, A3).
//
// The table is built exactly as the server builds it: the administration, audit, workflow, report,
// measurement and key-image routes of the JSON API, DICOMweb, and the authentication routes when
// this branch has them. For
// every authenticated route x every role x {own tenant, other tenant}, the expected outcome comes
// from the permission table (identity::PermissionsOf, identity::Allows) and is compared with the
// real HTTP answer of an in-process server on real identity, audit and archive:
//   - no permission                       -> 403;
//   - a permission whose scope does not   -> exactly the answer to a nonexistent id / UID (404;
//     reach the object's tenant              an empty result for QIDO searches under a study):
//                                            another tenant's object is indistinguishable;
//   - allowed                             -> neither 401 nor 403, nor 404 (the object exists),
//                                            nor a server error.
// Path parameters are filled with real objects of the own or the other tenant (users, AE titles,
// contacts, a study stored in each tenant, the reading centre's reader, a reading request being
// read by the matrix's reader with its checker in the check slot, shifts and absences of the
// reading centre's roster), on SQLite and on
// PostgreSQL (authz_matrix_test_postgres); a route with a parameter
// the generator does not know fails the test, so no route escapes. Every authenticated route
// without credentials (or with a wrong token) answers 401 with a bare problem body.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "api_test_util.h"
#include "dokuei/api/study_access.h"
#include "dokuei/archive/ingest.h"
#include "dokuei/archive/query.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/base/env.h"
#include "dokuei/blob/blob_store.h"
#include "dokuei/delivery/delivery.h"
#include "dokuei/publish/publish.h"
#include "dokuei/dicomweb/dicomweb.h"
#include "dokuei/report/report.h"
#include "dokuei/report/webhooks.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::authz {
namespace {

using api::testing::Call;
using api::testing::HttpResult;
using identity::Role;
using identity::TenantKind;
using nlohmann::json;

struct RoleCase {
  const char* label;
  Role role;
  bool centre;  // a user of the reading centre (else of a hospital)
};
constexpr RoleCase kRoles[] = {{"hospital staff", Role::kHospitalStaff, false},
                               {"hospital admin", Role::kAdministrator, false},
                               {"hospital auditor", Role::kAuditor, false},
                               {"reader", Role::kReader, true},
                               {"checker", Role::kChecker, true},
                               {"coordinator", Role::kCoordinator, true},
                               {"centre admin", Role::kAdministrator, true},
                               {"centre auditor", Role::kAuditor, true}};

std::string TestData(const std::string& rel) {
  const char* root = std::getenv("DOKUEI_TESTDATA");
  return std::string(root ? root : "../shared/testdata") + "/" + rel;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

const std::string kPng = std::string("\x89PNG\r\n\x1A\n", 8) + std::string(32, '\0');

struct Study {
  std::string study, series, sop;
};

// What one tenant holds for the generator to name.
struct Objects {
  identity::Tenant tenant;
  int64_t victim = 0;  // a user whose account the matrix may change
  int64_t ae = 0, contact = 0;
  Study study;
};

class AuthzMatrix : public ::testing::TestWithParam<api::testing::Backend> {
 protected:
  void SetUp() override {
    bool skip = false;
    auto st = stack_.Open(GetParam(), &skip);
    ASSERT_TRUE(st.ok()) << st.ToString();
    if (skip) GTEST_SKIP() << "PostgreSQL not configured: run under scripts/with-postgres.sh";
    centre_.tenant = stack_.MakeTenant("reading-centre", TenantKind::kReadingCentre);
    sakura_.tenant = stack_.MakeTenant("sakura", TenantKind::kHospital);
    kaede_.tenant = stack_.MakeTenant("kaede", TenantKind::kHospital);

    blob_dir_ = std::filesystem::temp_directory_path() / ("dokuei-authz-" + base::RandomHex(8));
    auto blobs = blob::NewFsBlobStore(base::PosixEnv(), base::SystemClock(), blob_dir_.string());
    ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
    blobs_ = std::move(blobs).value();
    ingest_ = std::make_unique<archive::Ingest>(stack_.index(), *blobs_, base::SystemClock(),
                                                archive::IngestOptions{});
    query_ = std::make_unique<archive::QueryService>(stack_.index());
    retrieve_ = std::make_unique<archive::RetrieveService>(stack_.index(), *blobs_, *query_);

    const char* files[] = {"transfer_syntaxes/CT_small.dcm", "transfer_syntaxes/MR_small.dcm",
                           "spine_xray_nearest/highdicom_dx_image_chest_small.dcm"};
    archive::Origin origin;
    origin.protocol = "import";
    int n = 0;
    for (Objects* o : {&centre_, &sakura_, &kaede_}) {
      const std::string bytes = ReadFile(TestData(files[n++]));
      ASSERT_FALSE(bytes.empty()) << "test data missing: " << files[n - 1];
      auto r = ingest_->StorePart10(index::TenantId{o->tenant.id},
                                    {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                                    origin);
      ASSERT_TRUE(r.ok()) << r.status.ToString();
      o->study = {r.study_instance_uid, r.series_instance_uid, r.sop_instance_uid};
      o->victim = stack_
                      .MakeUser(o->tenant, o->tenant.code + ".victim",
                                {o == &centre_ ? Role::kCoordinator : Role::kHospitalStaff})
                      .id;
      o->ae = FreshAe(o->tenant.id);
      o->contact = FreshContact(o->tenant.id);
    }
    // A published reader profile with a photo.
    reader_ = stack_.MakeUser(centre_.tenant, "published.reader", {Role::kReader}).id;
    identity::ReaderProfile p;
    p.years_of_experience = 12;
    p.certifications = {"日本医学放射線学会 放射線診断専門医"};
    ASSERT_TRUE(stack_.id().profiles().Put(centre_.tenant.id, reader_, p).ok());
    ASSERT_TRUE(
        stack_.id().profiles().SetPhoto(centre_.tenant.id, reader_, {"image/png", kPng}).ok());

    for (const RoleCase& rc : kRoles) {
      const identity::Tenant& t = rc.centre ? centre_.tenant : sakura_.tenant;
      const identity::User u =
          stack_.MakeUser(t, std::string(rc.centre ? "c." : "h.") + RoleLogin(rc), {rc.role});
      auth_.Add(Token(rc), api::testing::PrincipalFor(u, t));
      if (rc.centre && rc.role == Role::kReader) matrix_reader_ = u.id;
      if (rc.centre && rc.role == Role::kChecker) matrix_checker_ = u.id;
    }

    // The workflow: the matrix's reader and checker are in the reader directory (profiles), and
    // the hospitals' contracts ask for a report check so that a request can have both in slots.
    for (const int64_t id : {matrix_reader_, matrix_checker_}) {
      identity::ReaderProfile rp;
      rp.years_of_experience = 20;
      ASSERT_TRUE(stack_.id().profiles().Put(centre_.tenant.id, id, rp).ok());
    }
    directory_ = workflow::IdentityReaderDirectory(stack_.id());
    workflow::WorkflowOptions wo;
    audit::AuditLog& log = stack_.log();
    wo.audit = [&log](db::Conn& c, const audit::Event& e) { return log.AppendIn(c, e).status(); };
    auto wf = workflow::OpenWorkflow(stack_.database(), stack_.clock(), *directory_, wo);
    ASSERT_TRUE(wf.ok()) << wf.status().ToString();
    workflow_ = std::move(wf).value();
    for (const Objects* o : {&sakura_, &kaede_}) {
      workflow::Contract k;
      k.tenant_id = o->tenant.id;
      k.check_required = true;
      ASSERT_TRUE(workflow_->contracts().Put(workflow::Actor::System(), k).ok());
    }

    // Reports over the workflow's requests (FreshRequest drafts one for each request).
    report_source_ = report::WorkflowRequestSource(workflow_->requests());
    report::ReportOptions ro;
    ro.audit = wo.audit;
    auto rs = report::OpenReports(stack_.database(), stack_.clock(), *report_source_, ro);
    ASSERT_TRUE(rs.ok()) << rs.status().ToString();
    reports_ = std::move(rs).value();
    // Report delivery (no transports: the matrix only looks at the routes).
    auto dl = delivery::OpenDelivery(stack_.database(), stack_.clock(), {}, {});
    ASSERT_TRUE(dl.ok()) << dl.status().ToString();
    delivery_ = std::move(dl).value();
    publisher_ = std::make_unique<publish::Publisher>(publish::Sources{
        reports_.get(), workflow_.get(), query_.get(), retrieve_.get(), &stack_.id()});

    auto hooks =
        report::OpenHospitalWebhooks(stack_.database(), stack_.clock(), stack_.id(), wo.audit);
    ASSERT_TRUE(hooks.ok()) << hooks.status().ToString();
    webhooks_ = std::move(hooks).value();

    services_ = std::make_unique<api::Services>(api::Services{
        stack_.id(), stack_.log(), stack_.clock(), api::Options{}, workflow_.get(), reports_.get(),
        retrieve_.get(), query_.get(), publisher_.get(), delivery_.get(), webhooks_.get()});
    // The route table as the server builds it.
#ifdef DOKUEI_HAVE_AUTH_ROUTES
    ASSERT_TRUE(api::RegisterAuthRoutes(routes_, *services_).ok());
#endif
    ASSERT_TRUE(api::RegisterAdminRoutes(routes_, *services_).ok());
    ASSERT_TRUE(api::RegisterAuditRoutes(routes_, *services_).ok());
    ASSERT_TRUE(api::RegisterWorkflowRoutes(routes_, *services_).ok());
    ASSERT_TRUE(api::RegisterReportRoutes(routes_, *services_).ok());
    ASSERT_TRUE(api::RegisterMeasureRoutes(routes_, *services_).ok());
    ASSERT_TRUE(api::RegisterDeliveryRoutes(routes_, *services_).ok());
    // DICOMweb with assignment-based access, as the server registers it.
    study_access_ = api::AssignedStudyAccess(workflow_->requests(), stack_.clock());
    ASSERT_TRUE(dicomweb::RegisterRoutes(
                    routes_, {*ingest_, *query_, *retrieve_, nullptr, study_access_.get()},
                    dicomweb::Options{})
                    .ok());
    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.worker_threads = 2;
    server_ = std::make_unique<http::Server>(options, routes_, &auth_);
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    delivery_.reset();
    study_access_.reset();
    webhooks_.reset();
    reports_.reset();
    report_source_.reset();
    workflow_.reset();
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_);
  }

  static std::string RoleLogin(const RoleCase& rc) {
    std::string s = rc.label;
    for (char& c : s)
      if (c == ' ') c = '-';
    return s;
  }
  static std::string Token(const RoleCase& rc) {
    return "tok-" + RoleLogin(rc) + "-" + (rc.centre ? "c" : "h");
  }

  int64_t FreshAe(int64_t tenant) {
    identity::AeTitle ae;
    ae.ae_title = "AE" + std::to_string(++counter_);
    auto r = stack_.id().ae_titles().Add(tenant, ae);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : 0;
  }
  int64_t FreshContact(int64_t tenant) {
    identity::Contact c;
    c.name = "連絡先 " + std::to_string(++counter_);
    auto r = stack_.id().contacts().Add(tenant, c);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : 0;
  }

  int64_t FreshToken(int64_t tenant) {
    identity::TokenRequest t;
    t.tenant_id = tenant;
    t.name = "matrix-" + std::to_string(++counter_);
    t.permissions = {{"tenants.read", identity::Scope::kOwnTenant}};
    t.expires_at = base::SystemClock().Now() + std::chrono::hours(24);
    auto r = stack_.id().tokens().Create(t, nullptr);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->token.id : 0;
  }

  // A reading request of a hospital (the reading centre has none: for its "own" objects the
  // generator uses sakura's, which every centre grant reaches with scope any) being read by the
  // matrix's reader with the matrix's checker in the check slot, so that each role that may see
  // it does (readers see what is assigned to them).
  int64_t FreshRequest(const Objects& owner) {
    const Objects& o = owner.tenant.kind == TenantKind::kHospital ? owner : sakura_;
    const std::string uid = "2.25." + std::to_string(5000000 + ++counter_);
    auto& rq = workflow_->requests();
    const workflow::Actor sys = workflow::Actor::System();
    workflow::Actor reader;
    reader.tenant_id = centre_.tenant.id;
    reader.tenant_kind = TenantKind::kReadingCentre;
    reader.user_id = matrix_reader_;
    reader.subject = "c.reader";
    reader.roles = {Role::kReader};
    auto r = rq.RecordArrival(o.tenant.id, uid, uid + ".1", "MR");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return 0;
    for (const base::Status& st :
         {rq.Transition(sys, r->id, workflow::State::kReady).status(),
          rq.Assign(sys, r->id, workflow::Slot::kReader, matrix_reader_).status(),
          rq.Transition(reader, r->id, workflow::State::kReading).status(),
          rq.Assign(sys, r->id, workflow::Slot::kChecker, matrix_checker_).status()})
      EXPECT_TRUE(st.ok()) << st.ToString();
    last_request_ = r->id;
    last_request_tenant_ = o.tenant.id;
    return r->id;
  }
  int64_t FreshDestination(int64_t tenant) {
    delivery::Destination d;
    d.kind = delivery::DestinationKind::kHl7;
    d.name = "RIS " + std::to_string(++counter_);
    d.host = "127.0.0.1";
    d.port = 2575;
    auto r = delivery::Destinations(*stack_.database(), stack_.clock()).Add(tenant, d);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : 0;
  }
  // A delivery of the request FreshRequest made last, given up (so that a retry succeeds).
  int64_t FreshDelivery() {
    FreshDestination(last_request_tenant_);
    const int64_t version = 9000000 + ++counter_;
    const std::string oru = "MSH|^~\\&|DOKUEI|C|RIS|H|20261125120000||ORU^R01|M" +
                            std::to_string(counter_) + "|P|2.5.1\r";
    auto rows = delivery_->queue().Enqueue(
        {last_request_tenant_, last_request_, 1, version, 1, false},
        {delivery::Artifact{delivery::ArtifactKind::kHl7Oru, oru}});
    EXPECT_TRUE(rows.ok() && !rows->empty()) << rows.status().ToString();
    if (!rows.ok() || rows->empty()) return 0;
    const int64_t id = rows->back().id;
    EXPECT_TRUE(stack_.database()
                    ->Transact(db::TxKind::kWrite,
                               [&](db::Conn& c) {
                                 const db::Value p[] = {db::Value(id)};
                                 return c.Exec(
                                     "UPDATE delivery_queue SET state = 'gave_up' WHERE id = ?", p);
                               })
                    .ok());
    return id;
  }
  int64_t FreshShift(bool absence) {
    const auto now = base::SystemClock().Now();
    if (absence) {
      workflow::Absence a{0, matrix_reader_, now, now + std::chrono::hours(1), "matrix"};
      auto r = workflow_->rosters().AddAbsence(workflow::Actor::System(), a);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      return r.ok() ? r->id : 0;
    }
    workflow::Shift sh{0, matrix_reader_, now, now + std::chrono::hours(1), "Asia/Tokyo"};
    auto r = workflow_->rosters().AddShift(workflow::Actor::System(), sh);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : 0;
  }

  // A request of the matrix: path, body and headers for one route aimed at `owner`'s objects
  // (or at objects that do not exist). An error names a parameter the generator cannot fill.
  struct Req {
    std::string path, body;
    std::map<std::string, std::string> headers;
    std::vector<std::pair<std::string, std::string>> filled;  // values, to mask in bodies
  };

  base::Result<Req> Build(const http::Route& route, const Objects& owner, bool nonexistent) {
    Req req;
    const std::string& pat = route.pattern;
    size_t pos = 0;
    while (pos < pat.size()) {
      const size_t open = pat.find('{', pos);
      if (open == std::string::npos) {
        req.path += pat.substr(pos);
        break;
      }
      req.path += pat.substr(pos, open - pos);
      const size_t close = pat.find('}', open);
      const std::string name = pat.substr(open + 1, close - open - 1);
      DOKUEI_ASSIGN_OR_RETURN(std::string value, FillParam(route, name, owner, nonexistent));
      req.filled.emplace_back(value, "{" + name + "}");
      req.path += value;
      pos = close + 1;
    }
    if (pat == "/api/audit/export") req.path += "?format=fhir";
    if (pat == "/dicom-web/wado") {
      const Study& s = nonexistent ? kMissingStudy : owner.study;
      req.path += "?requestType=WADO&studyUID=" + s.study + "&seriesUID=" + s.series +
                  "&objectUID=" + s.sop + "&contentType=application%2Fdicom";
      for (const auto* v : {&s.study, &s.series, &s.sop}) req.filled.emplace_back(*v, "{uid}");
    }
    BodyFor(route, req);
    return req;
  }

  base::Result<std::string> FillParam(const http::Route& route, const std::string& name,
                                      const Objects& owner, bool nonexistent) {
    const std::string& pat = route.pattern;
    const Study& s = nonexistent ? kMissingStudy : owner.study;
    if (name == "tenant") return nonexistent ? std::string("no-such-tenant") : owner.tenant.code;
    if (name == "user" && pat.rfind("/api/readers/", 0) == 0)
      return std::to_string(nonexistent ? 999999 : reader_);
    if (name == "user" && pat.rfind("/api/users/", 0) == 0)
      return std::to_string(nonexistent ? 999999 : owner.victim);
    if (name == "id" && pat.rfind("/api/ae-titles/", 0) == 0) {
      if (nonexistent) return std::string("999999");
      return std::to_string(route.method == "DELETE" ? FreshAe(owner.tenant.id) : owner.ae);
    }
    if (name == "id" && pat.rfind("/api/contacts/", 0) == 0) {
      if (nonexistent) return std::string("999999");
      return std::to_string(route.method == "DELETE" ? FreshContact(owner.tenant.id)
                                                     : owner.contact);
    }
    if (name == "id" && pat.rfind("/api/tokens/", 0) == 0) {
      // Ids far from small numbers, so masking them in bodies cannot hit a status like "404".
      if (nonexistent) return std::string("999999");
      return std::to_string(FreshToken(owner.tenant.id));
    }
    if (name == "id" && pat.rfind("/api/delivery-destinations/", 0) == 0)
      return std::to_string(nonexistent ? 999999 : FreshDestination(owner.tenant.id));
    if (name == "row") return std::to_string(nonexistent ? 999999 : FreshDelivery());
    if (name == "id" &&
        (pat.rfind("/api/requests/", 0) == 0 || pat.rfind("/api/fhir/ServiceRequest/", 0) == 0))
      return std::to_string(nonexistent ? 999999 : FreshRequest(owner));
    // A review of the request's report: none exists on a fresh request, so the route answers
    // its own 404 for every caller alike (what a review of another request would get).
    if (name == "review") return std::string("999998");
    if (name == "id" && pat.rfind("/api/rosters/", 0) == 0)
      return std::to_string(nonexistent ? 999999
                                        : FreshShift(pat.find("absences") != std::string::npos));
    if (name == "study" && route.method == "POST")  // STOW target: a new study of the caller's
      return "2.25." + std::to_string(1000000 + ++counter_);
    if (name == "study") return s.study;
    if (name == "series") return s.series;
    if (name == "sop") return s.sop;
    if (name == "frames") return std::string("1");
    if (name == "n") return std::string(nonexistent ? "999" : "1");  // a report version
    if (name == "path*") return std::string("7FE00010");
    return base::InvalidArgument("the matrix cannot fill {" + name + "} of " + route.method + " " +
                                 pat + ": teach FillParam about it");
  }

  void BodyFor(const http::Route& route, Req& req) {
    const std::string& m = route.method;
    const std::string& p = route.pattern;
    const std::string n = std::to_string(++counter_);
    json body;
    if (m == "POST" && p == "/api/tenants") {
      body = {{"code", "matrix-" + n}, {"name", "マトリクス " + n}};
    } else if (m == "PATCH" && p == "/api/tenants/{tenant}") {
      body = {{"name_en", "Renamed " + n}};
    } else if (m == "POST" && p == "/api/tenants/{tenant}/users") {
      body = {{"login", "matrix" + n}, {"display_name", "x"}, {"roles", {"auditor"}}};
    } else if (m == "PATCH" && p == "/api/users/{user}") {
      body = {{"display_name", "変更 " + n}};
    } else if (m == "POST" && p == "/api/tenants/{tenant}/ae-titles") {
      body = {{"ae_title", "MX" + n}};
    } else if (m == "PATCH" && p == "/api/ae-titles/{id}") {
      body = {{"port", 104}};
    } else if ((m == "POST" && p == "/api/tenants/{tenant}/contacts") ||
               (m == "PATCH" && p == "/api/contacts/{id}")) {
      body = {{"name", "連絡先 " + n}};
    } else if (m == "PUT" && p.find("/profile") != std::string::npos) {
      body = {{"years_of_experience", 10}};
    } else if (m == "PUT" && p.find("/photo") != std::string::npos) {
      req.body = kPng;
      req.headers["Content-Type"] = "image/png";
      return;
    } else if (m == "POST" && p == "/api/tenants/{tenant}/delivery-destinations") {
      body = {{"kind", "hl7"}, {"name", "RIS " + n}, {"host", "127.0.0.1"}, {"port", 2575}};
    } else if (m == "PATCH" && p == "/api/delivery-destinations/{id}") {
      body = {{"name", "RIS renamed " + n}};
    } else if (m == "PUT" && p == "/api/tenants/{tenant}/contract") {
      body = {{"check_required", true}};  // FreshRequest needs the check step
    } else if (m == "POST" && p.rfind("/dicom-web/", 0) == 0) {
      req.body = "--XYZ--\r\n";
      req.headers["Content-Type"] = "multipart/related; type=\"application/dicom\"; boundary=XYZ";
      return;
    } else if (m == "POST" || m == "PUT" || m == "PATCH") {
      body = json::object();
    } else {
      return;
    }
    req.body = body.dump();
    req.headers["Content-Type"] = "application/json";
  }

  HttpResult Send(const http::Route& route, const Req& req, const std::string& token) {
    return Call(server_->port(), route.method, req.path, token, req.body, req.headers);
  }

  static std::string Masked(std::string body, const Req& req) {
    // Numbers are masked only where they stand alone (an id "4" must not hit "404").
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    for (const auto& [value, mask] : req.filled) {
      if (value.empty()) continue;
      const bool numeric = std::all_of(value.begin(), value.end(), digit);
      for (size_t p = body.find(value); p != std::string::npos; p = body.find(value, p)) {
        const size_t end = p + value.size();
        if (numeric && ((p > 0 && digit(body[p - 1])) || (end < body.size() && digit(body[end])))) {
          p = end;
          continue;
        }
        body.replace(p, value.size(), mask);
        p += mask.size();
      }
    }
    return body;
  }

  // Path parameters that look an existing object up (its tenant decides the scope).
  static bool NamesObjects(const http::Route& route) {
    for (const char* p : {"{tenant}", "{user}", "{id}", "{series}", "{sop}"})
      if (route.pattern.find(p) != std::string::npos) return true;
    if (route.pattern.find("{study}") != std::string::npos && route.method != "POST") return true;
    return route.pattern == "/dicom-web/wado";
  }

  const Study kMissingStudy{"2.25.111111111", "2.25.222222222", "2.25.333333333"};
  api::testing::Stack stack_;
  std::filesystem::path blob_dir_;
  Objects centre_, sakura_, kaede_;
  int64_t reader_ = 0;
  int64_t matrix_reader_ = 0, matrix_checker_ = 0;  // c.reader, c.checker
  int counter_ = 0;
  std::unique_ptr<workflow::ReaderDirectory> directory_;
  std::unique_ptr<workflow::Workflow> workflow_;
  std::unique_ptr<report::RequestSource> report_source_;
  std::unique_ptr<report::ReportService> reports_;
  std::unique_ptr<delivery::Delivery> delivery_;
  std::unique_ptr<publish::Publisher> publisher_;
  int64_t last_request_ = 0, last_request_tenant_ = 0;  // FreshRequest's latest
  std::unique_ptr<dicomweb::StudyAccess> study_access_;
  std::unique_ptr<report::HospitalWebhooks> webhooks_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<archive::Ingest> ingest_;
  std::unique_ptr<archive::QueryService> query_;
  std::unique_ptr<archive::RetrieveService> retrieve_;
  api::testing::TestAuthenticator auth_;
  std::unique_ptr<api::Services> services_;
  http::RouteTable routes_;
  std::unique_ptr<http::Server> server_;
};

TEST_P(AuthzMatrix, EveryRouteEveryRoleOwnAndOtherTenant) {
  enum class Expect { kAllow, kForbidden, kNotFound };
  int checks = 0, authenticated = 0, public_routes = 0, failures = 0;
  std::set<std::string> permissions;
  for (const http::Route& route : routes_.routes()) {
    if (!route.authenticate) {
      ++public_routes;
      continue;
    }
    ++authenticated;
    permissions.insert(route.permission);
    // The permission a route names must be one of the table's (a typo would grant nothing,
    // and the matrix, computed from the route's own permission, could not notice).
    EXPECT_TRUE(route.permission.empty() || identity::CanonicalPermission(route.permission))
        << route.method << " " << route.pattern << " names unknown permission " << route.permission;
    const std::string name = route.method + " " + route.pattern;
    for (const RoleCase& rc : kRoles) {
      const TenantKind kind = rc.centre ? TenantKind::kReadingCentre : TenantKind::kHospital;
      const Objects& own = rc.centre ? centre_ : sakura_;
      const Objects& other = rc.centre ? sakura_ : kaede_;
      const std::vector<identity::PermissionGrant> grants = identity::PermissionsOf(rc.role, kind);
      for (const bool other_tenant : {false, true}) {
        // Reader profiles belong to the reading centre whoever asks.
        // ... and so do the rosters.
        const bool centre_object = route.pattern.rfind("/api/readers/{user}", 0) == 0 ||
                                   route.pattern.rfind("/api/rosters/", 0) == 0;
        const Objects& owner = centre_object ? centre_ : (other_tenant ? other : own);
        const int64_t owner_tenant = NamesObjects(route) ? owner.tenant.id : own.tenant.id;
        Expect expect = Expect::kAllow;
        if (!route.permission.empty()) {
          if (!identity::FindGrant(grants, route.permission)) {
            expect = Expect::kForbidden;
          } else if (!identity::Allows(grants, route.permission, own.tenant.id, owner_tenant)) {
            expect = Expect::kNotFound;
          }
        }
        auto req = Build(route, NamesObjects(route) ? owner : own, false);
        ASSERT_TRUE(req.ok()) << req.status().ToString();
        const HttpResult r = Send(route, *req, Token(rc));
        ++checks;
        const std::string where = name + " as " + rc.label + " on " +
                                  (other_tenant ? "another" : "its own") + " tenant: HTTP " +
                                  std::to_string(r.status) + " " + r.body.substr(0, 200);
        switch (expect) {
          case Expect::kForbidden:
            EXPECT_EQ(r.status, 403) << "unexpected answer (no permission) " << where;
            failures += r.status != 403;
            break;
          case Expect::kNotFound: {
            auto missing = Build(route, owner, true);
            ASSERT_TRUE(missing.ok());
            const HttpResult m = Send(route, *missing, Token(rc));
            // 404 for lookups; a search (QIDO with a UID in its path) answers an empty
            // result: either way exactly what a nonexistent UID / id gets.
            const bool same = r.status == m.status && (r.status == 404 || r.status == 200) &&
                              Masked(r.body, *req) == Masked(m.body, *missing);
            EXPECT_TRUE(same) << "another tenant's object must look missing: " << where
                              << " vs nonexistent: HTTP " << m.status << " " << m.body;
            failures += !same;
            break;
          }
          case Expect::kAllow: {
            const bool bulk = route.pattern.find("{path*}") != std::string::npos;
            const bool ok = r.status != 0 && r.status != 401 && r.status != 403 && r.status < 500 &&
                            (r.status != 404 || bulk);
            EXPECT_TRUE(ok) << "unexpected deny " << where;
            failures += !ok;
            break;
          }
        }
      }
    }
  }
  std::printf(
      "authz matrix: %d authenticated routes (%zu permissions) x %zu roles x 2 tenants = %d "
      "checks, %d unexpected; %d public routes not in the matrix\n",
      authenticated, permissions.size(), std::size(kRoles), checks, failures, public_routes);
  EXPECT_GT(authenticated, 40) << "the table lost routes";
}

TEST_P(AuthzMatrix, EveryRouteRefusesMissingOrWrongCredentials) {
  int checks = 0;
  for (const http::Route& route : routes_.routes()) {
    if (!route.authenticate) continue;
    auto req = Build(route, sakura_, false);
    ASSERT_TRUE(req.ok()) << req.status().ToString();
    for (const std::string token : {"", "not-a-token"}) {
      const HttpResult r = Send(route, *req, token);
      ++checks;
      EXPECT_EQ(r.status, 401) << route.method << " " << req->path;
      const json j = r.Json();
      ASSERT_TRUE(j.is_object()) << r.body;
      for (const auto& [k, v] : j.items())
        EXPECT_TRUE(k == "type" || k == "title" || k == "status" || k == "detail")
            << "data in a 401 of " << route.method << " " << req->path << ": " << r.body;
      EXPECT_EQ(r.headers.count("WWW-Authenticate")
                    ? r.headers.at("WWW-Authenticate").rfind("Bearer", 0)
                    : std::string::npos,
                0u);
    }
  }
  std::printf("authz matrix: %d unauthenticated requests answered 401 with no data\n", checks);
}

TEST_P(AuthzMatrix, GeneratorRefusesRoutesItCannotFill) {
  // A route with a parameter nobody taught the generator: the matrix must fail, not skip it.
  http::Route r;
  r.method = "GET";
  r.pattern = "/api/widgets/{widget}";
  EXPECT_FALSE(Build(r, sakura_, false).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthzMatrix,
                         ::testing::Values(api::testing::Backend::kSqlite,
                                           api::testing::Backend::kPostgres),
                         api::testing::BackendName);

}  // namespace
}  // namespace dokuei::authz
