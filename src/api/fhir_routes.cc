// FHIR R4 ServiceRequest under /api/fhir, tag "FHIR" (a hospital system's orders, the same as an
// HL7 ORM^O01 over MLLP):
//
//   POST /api/fhir/ServiceRequest        requests.create   201 + Location, or 200 with the
//                                                          existing request (same placer id)
//   GET  /api/fhir/ServiceRequest/{id}   requests.read     the reading request as a ServiceRequest
//
// Bodies are application/fhir+json (application/json accepted); every error is an
// OperationOutcome naming the element (intake::FhirOperationOutcome), in the caller's language.
// The order is the caller's hospital's: a hospital staff session, a hospital API token or the
// hospital's configured gateway token, with requests.create; it is created through the workflow
// (source "fhir", audited as request.create). A placer identifier (type PLAC) makes the POST
// idempotent: the same order again answers 200 with the request it created; the same placer number
// for another study is 409.
#include "dokuei/base/strings.h"
#include "dokuei/intake/fhir.h"
#include "workflow_util.h"

namespace dokuei::api {

namespace {

using namespace internal;  // NOLINT: the helpers of this module's route files
using workflow::ReadingRequest;

constexpr char kFhirJson[] = "application/fhir+json; charset=utf-8";

http::Response Outcome(const base::Status& st, const http::Request& req, int status = 0) {
  return http::Response::Bytes(status ? status : intake::FhirHttpStatus(st), kFhirJson,
                               intake::FhirOperationOutcome(st, req.lang));
}

http::Response Resource(int status, const ReadingRequest& r) {
  http::Response out = http::Response::Bytes(status, kFhirJson, intake::ToFhirServiceRequest(r));
  const std::string location = "/api/fhir/ServiceRequest/" + std::to_string(r.id);
  out.headers.Set("Location", location);
  out.headers.Set("Content-Location", location);
  out.headers.Set("ETag", "W/\"" + std::to_string(r.version) + "\"");
  return out;
}

// The same order (a resend) or another order that reuses the placer number.
bool SameOrder(const workflow::NewRequest& nr, const ReadingRequest& r) {
  auto same = [](const std::string& a, const std::string& b) {
    return a.empty() || b.empty() || a == b;
  };
  return same(nr.study_uid, r.study_uid) &&
         same(nr.order.accession_number, r.order.accession_number);
}

// The open request of this placer number, when the caller sent it before.
base::Result<std::optional<ReadingRequest>> Earlier(workflow::Workflow& wf,
                                                    const workflow::Actor& actor,
                                                    const workflow::NewRequest& nr) {
  if (nr.order.placer_order_number.empty()) return std::optional<ReadingRequest>();
  auto found = wf.requests().FindByPlacerOrder(actor, nr.tenant_id, nr.order.placer_order_number);
  if (!found.ok()) {
    if (found.status().code() == base::Code::kNotFound) return std::optional<ReadingRequest>();
    return found.status();
  }
  if (found->state == workflow::State::kCancelled) return std::optional<ReadingRequest>();
  return std::optional<ReadingRequest>(*found);
}

base::Result<http::Response> AnswerEarlier(const http::Request& req, const workflow::NewRequest& nr,
                                           const ReadingRequest& r) {
  if (SameOrder(nr, r)) return Resource(200, r);
  return Outcome(base::Status(base::Code::kAlreadyExists,
                              "the placer order number " + nr.order.placer_order_number +
                                  " is already used by another study's request",
                              "ServiceRequest.identifier"),
                 req);
}

base::Result<http::Response> PostServiceRequest(Services& s, http::Request& req) {
  auto wf = WorkflowOf(s);
  if (!wf.ok()) return Outcome(wf.status(), req);
  std::string_view type = req.Header("Content-Type");
  type = base::Trim(type.substr(0, type.find(';')));
  if (type != "application/fhir+json" && type != "application/json")
    return Outcome(base::Unsupported("the body must be application/fhir+json", "Content-Type"), req,
                   415);
  // Orders come from a hospital, for itself (the reading centre's coordinators, who may create
  // requests for any hospital, name the hospital with POST /api/requests instead).
  const int64_t tenant = req.principal.tenant_id;
  // The tenant's kind from identity: a configured static gateway token names no kind.
  auto caller = s.identity.tenants().Get(tenant);
  if (!caller.ok() || caller->kind != identity::TenantKind::kHospital)
    return Outcome(base::Unsupported("a FHIR order comes from a hospital's account or token; the "
                                     "reading centre uses POST /api/requests with the hospital",
                                     "ServiceRequest"),
                   req);
  if (!req.principal.Reaches("requests.create", tenant))
    return Outcome(base::PermissionDenied("no permission to create requests"), req);
  auto order = intake::FromFhirServiceRequest(req.body, tenant);
  if (!order.ok()) return Outcome(order.status(), req);
  const workflow::NewRequest& nr = order->request;
  const workflow::Actor actor = ActorOf(req);
  auto earlier = Earlier(**wf, actor, nr);
  if (!earlier.ok()) return Outcome(earlier.status(), req);
  if (*earlier) return AnswerEarlier(req, nr, **earlier);
  auto created = (*wf)->requests().Create(actor, nr);
  if (created.ok()) return Resource(201, *created);
  if (created.status().code() == base::Code::kAlreadyExists &&
      created.status().field() == "placer_order_number") {
    // Sent twice at once: the other POST created it.
    earlier = Earlier(**wf, actor, nr);
    if (earlier.ok() && *earlier) return AnswerEarlier(req, nr, **earlier);
  }
  const base::Status& st = created.status();
  if (st.code() == base::Code::kInvalidArgument && !st.field().empty())
    return Outcome(base::InvalidArgument(st.message(), "ServiceRequest (" + st.field() + ")"), req);
  return Outcome(st, req);
}

base::Result<http::Response> GetServiceRequest(Services& s, http::Request& req) {
  const base::Status not_found(base::Code::kNotFound, "no such ServiceRequest",
                               "ServiceRequest.id");
  auto wf = WorkflowOf(s);
  if (!wf.ok()) return Outcome(wf.status(), req);
  auto id = PathId(req, "id", kRequestNotFound);
  if (!id.ok()) return Outcome(not_found, req);
  auto r = (*wf)->requests().Get(ActorOf(req), *id);
  if (!r.ok())
    return Outcome(r.status().code() == base::Code::kNotFound ? not_found : r.status(), req);
  if (!req.principal.Reaches("requests.read", r->tenant_id)) return Outcome(not_found, req);
  return Resource(200, *r);
}

}  // namespace

namespace internal {

base::Status RegisterFhirRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return [&s, fn](http::Request& req) { return fn(s, req); };
  };
  const std::vector<std::string> fhir = {"application/fhir+json"};
  return AddRoutes(
      routes, "FHIR",
      {
          {"POST", "/api/fhir/ServiceRequest", "requests.create",
           "FHIR R4 ServiceRequest で読影依頼 (同じ依頼者オーダー番号の再送は既存の依頼を返す)",
           "Order a reading as a FHIR R4 ServiceRequest (a resend with the same placer "
           "identifier returns the existing request)",
           h(PostServiceRequest), kJsonBodyLimit, fhir},
          {"GET", "/api/fhir/ServiceRequest/{id}", "requests.read",
           "読影依頼を FHIR R4 ServiceRequest として取得",
           "A reading request as a FHIR R4 ServiceRequest", h(GetServiceRequest), kJsonBodyLimit,
           fhir},
      });
}

}  // namespace internal

}  // namespace dokuei::api
