#include "dokuei/archive/dimse_handlers.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <map>
#include <mutex>
#include <set>

#include "dokuei/archive/audit_hook.h"
#include "dokuei/base/error_table.h"

namespace dokuei::archive {

struct ArchiveDimseHandlers::State {
  std::mutex mu;
  std::map<std::string, uint32_t, std::less<>> open;  // guarded by mu
};

namespace {

index::Level ToIndexLevel(dicom::QueryLevel level) {
  switch (level) {
    case dicom::QueryLevel::kPatient:
      return index::Level::kPatient;
    case dicom::QueryLevel::kStudy:
      return index::Level::kStudy;
    case dicom::QueryLevel::kSeries:
      return index::Level::kSeries;
    case dicom::QueryLevel::kImage:
      return index::Level::kInstance;
  }
  return index::Level::kStudy;
}

// "AB:CD:..." or "abcd..." -> "abcd...".
std::string NormalizeFingerprint(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ':' || c == ' ') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

// The peer's TLS policy: transport, client certificate, pinned certificate.
base::Status CheckTransport(const DicomPeer& peer, const dicom::AssociationRequest& request) {
  const std::string& ae = request.calling_ae;
  if (peer.tls_required && !request.tls) {
    return base::PermissionDenied("calling AE title '" + ae + "' must associate over TLS");
  }
  bool pinned = !peer.certificate_sha256.empty();
  if ((pinned || peer.client_certificate_required) && request.certificate_sha256.empty()) {
    return base::PermissionDenied("calling AE title '" + ae +
                                  "' must present a TLS client certificate");
  }
  if (pinned && NormalizeFingerprint(peer.certificate_sha256) != request.certificate_sha256) {
    return base::PermissionDenied("calling AE title '" + ae +
                                  "' presented another certificate than the one configured");
  }
  return base::Status::Ok();
}

// C-FIND / C-GET / C-MOVE identifier problems are "identifier does not match SOP class".
dicom::DimseStatus QueryFailure(const base::Status& s) {
  dicom::DimseStatus st = dicom::DimseStatus::FromStatus(s);
  if (s.code() == base::Code::kInvalidArgument) st.code = 0xA900;
  if (st.code != 0xA900) st.code = 0xC000;
  return st;
}

const char* LevelName(dicom::QueryLevel level) {
  switch (level) {
    case dicom::QueryLevel::kPatient:
      return "PATIENT";
    case dicom::QueryLevel::kStudy:
      return "STUDY";
    case dicom::QueryLevel::kSeries:
      return "SERIES";
    case dicom::QueryLevel::kImage:
      return "IMAGE";
  }
  return "";
}

const char* RetrieveSopClass(dicom::QueryModel model, bool move) {
  if (model == dicom::QueryModel::kPatientRoot)
    return move ? "1.2.840.10008.5.1.4.1.2.1.2" : "1.2.840.10008.5.1.4.1.2.1.3";
  return move ? "1.2.840.10008.5.1.4.1.2.2.2" : "1.2.840.10008.5.1.4.1.2.2.3";
}

std::string Join(const std::set<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

class Sink final : public dicom::StoreSink {
 public:
  explicit Sink(std::unique_ptr<IngestSink> sink) : sink_(std::move(sink)) {}
  base::Status Write(std::span<const uint8_t> bytes) override { return sink_->Write(bytes); }
  dicom::DimseStatus Finish() override {
    StoreResult r = sink_->Finish();
    if (r.ok()) return dicom::DimseStatus::Success();
    if (r.disposition == Disposition::kConflict) {
      return {base::GetErrorInfo(base::Code::kConflict).dimse_status,
              "conflict: different object already stored under this UID"};
    }
    return dicom::DimseStatus::FromStatus(r.status);
  }

 private:
  std::unique_ptr<IngestSink> sink_;
};

class Session final : public dicom::DimseSession {
 public:
  Session(std::shared_ptr<ArchiveDimseHandlers::State> state, DicomPeer peer,
          dicom::AssociationRequest request, const PeerDirectory& peers, Ingest& ingest,
          QueryService& query, RetrieveService& retrieve, DimseHandlerOptions options)
      : state_(std::move(state)),
        peer_(std::move(peer)),
        request_(std::move(request)),
        peers_(peers),
        ingest_(ingest),
        query_(query),
        retrieve_(retrieve),
        options_(options) {}

  ~Session() override {
    std::lock_guard l(state_->mu);
    auto it = state_->open.find(peer_.ae_title);
    if (it != state_->open.end() && --it->second == 0) state_->open.erase(it);
  }

  dicom::Permissions permissions() const override {
    return {peer_.allow_store, peer_.allow_find, peer_.allow_get, peer_.allow_move,
            peer_.allow_commitment};
  }

  std::unique_ptr<dicom::StoreSink> BeginStore(const std::string& sop_class_uid,
                                               const std::string& sop_instance_uid,
                                               const std::string& transfer_syntax_uid) override {
    Origin origin{"dimse", request_.calling_ae, request_.called_ae, request_.peer_address, ""};
    origin.actor_tenant_id = peer_.tenant.value;
    return std::make_unique<Sink>(ingest_.BeginDataset(
        peer_.tenant, transfer_syntax_uid, sop_class_uid, sop_instance_uid, std::move(origin)));
  }

  dicom::DimseStatus Find(
      const dicom::QueryIdentifier& identifier,
      const std::function<bool(const dicom::AttributeList&)>& on_match) override {
    QueryRequest q;
    q.level = ToIndexLevel(identifier.level);
    q.keys = identifier.keys;
    q.limit = options_.max_find_matches;
    auto result = query_.Find(peer_.tenant, q);
    if (!result.ok()) return QueryFailure(result.status());
    if (options_.audit != nullptr) {
      audit::Event e = MakeEvent("study.query");
      std::set<std::string> patients, studies;
      for (const auto& match : result->matches) {
        const auto* pid = dicom::Find(match, dicom::tags::kPatientID);
        if (pid != nullptr && !pid->values.empty()) patients.insert(pid->values[0]);
        const auto* uid = dicom::Find(match, dicom::tags::kStudyInstanceUID);
        if (uid != nullptr && !uid->values.empty()) studies.insert(uid->values[0]);
      }
      e.patient_id = Join(patients);
      e.study_uids.assign(studies.begin(), studies.end());
      e.object_count = static_cast<int64_t>(result->matches.size());
      e.object_detail = std::string("C-FIND ") + LevelName(identifier.level);
      e.sop_class_uid = identifier.model == dicom::QueryModel::kPatientRoot
                            ? "1.2.840.10008.5.1.4.1.2.1.1"
                            : "1.2.840.10008.5.1.4.1.2.2.1";
      if (base::Status st = options_.audit->Record(std::move(e)); !st.ok()) {
        spdlog::error("dimse {}: C-FIND refused: {}", peer_.ae_title, st.ToString());
        return {0xC000, "audit record could not be written"};
      }
    }
    for (const auto& match : result->matches) {
      if (!on_match(match)) break;
    }
    return dicom::DimseStatus::Success();
  }

  base::Result<std::vector<dicom::RetrieveItem>> Locate(
      const dicom::QueryIdentifier& identifier) override {
    QueryRequest q;
    q.level = ToIndexLevel(identifier.level);
    q.keys = identifier.keys;
    auto found = retrieve_.Locate(peer_.tenant, q);
    if (!found.ok()) {
      if (found.status().code() != base::Code::kNotFound) return found.status();
      found =
          std::vector<index::InstanceLocation>{};  // recorded too: a request that matched nothing
    }
    if (options_.audit != nullptr) {
      const bool move = !identifier.move_destination.empty();
      audit::Event e = MakeEvent("study.retrieve");
      std::set<std::string> studies;
      for (const auto& loc : *found) studies.insert(loc.study_instance_uid);
      e.study_uids.assign(studies.begin(), studies.end());
      DOKUEI_ASSIGN_OR_RETURN(e.patient_id, PatientsOfStudies(query_, peer_.tenant, e.study_uids));
      e.object_count = static_cast<int64_t>(found->size());
      e.object_detail = move ? "C-MOVE to " + identifier.move_destination : "C-GET";
      e.sop_class_uid = RetrieveSopClass(identifier.model, move);
      DOKUEI_RETURN_IF_ERROR(options_.audit->Record(std::move(e)));
    }
    std::vector<dicom::RetrieveItem> items;
    items.reserve(found->size());
    RetrieveService* retrieve = &retrieve_;
    for (auto& loc : *found) {
      dicom::RetrieveItem item;
      item.sop_class_uid = loc.sop_class_uid;
      item.sop_instance_uid = loc.sop_instance_uid;
      item.transfer_syntax_uid = loc.transfer_syntax_uid;
      item.size_bytes = loc.size_bytes;
      item.read_part10 = [retrieve, loc]() { return retrieve->ReadAll(loc); };
      items.push_back(std::move(item));
    }
    return items;
  }

  std::optional<dicom::PeerAddress> MoveDestination(const std::string& ae_title) override {
    auto p = peers_.FindDestination(peer_.tenant, ae_title);
    if (!p) return std::nullopt;
    return dicom::PeerAddress{p->ae_title, p->host, p->port, p->tls_required};
  }

  std::optional<dicom::PeerAddress> ReportDestination() override {
    if (peer_.port == 0 || peer_.host.empty()) return std::nullopt;
    return dicom::PeerAddress{peer_.ae_title, peer_.host, peer_.port, peer_.tls_required};
  }

  base::Result<dicom::CommitmentOutcome> Commit(
      const std::vector<dicom::SopRef>& references) override {
    std::vector<SopReference> refs;
    refs.reserve(references.size());
    for (const auto& r : references) refs.push_back({r.sop_class_uid, r.sop_instance_uid});
    DOKUEI_ASSIGN_OR_RETURN(CommitmentResult result, retrieve_.Commitment(peer_.tenant, refs));
    if (options_.audit != nullptr) {
      audit::Event e = MakeEvent("study.commitment");
      e.object_count = static_cast<int64_t>(result.committed.size());
      e.object_detail = "storage commitment: " + std::to_string(result.committed.size()) +
                        " committed, " + std::to_string(result.failed.size()) + " failed";
      e.sop_class_uid = "1.2.840.10008.1.20.1";
      if (!result.failed.empty()) e.outcome = audit::Outcome::kMinorFailure;
      DOKUEI_RETURN_IF_ERROR(options_.audit->Record(std::move(e)));
    }
    dicom::CommitmentOutcome out;
    for (const auto& c : result.committed) {
      out.committed.push_back({c.sop_class_uid, c.sop_instance_uid});
    }
    for (const auto& [r, reason] : result.failed) {
      out.failed.push_back({{r.sop_class_uid, r.sop_instance_uid}, reason});
    }
    return out;
  }

 private:
  audit::Event MakeEvent(std::string action) const {
    Origin origin{"dimse", request_.calling_ae, request_.called_ae, request_.peer_address, ""};
    return ActorEvent(origin, std::move(action), peer_.tenant.value);
  }

  std::shared_ptr<ArchiveDimseHandlers::State> state_;
  DicomPeer peer_;
  dicom::AssociationRequest request_;
  const PeerDirectory& peers_;
  Ingest& ingest_;
  QueryService& query_;
  RetrieveService& retrieve_;
  DimseHandlerOptions options_;
};

}  // namespace

ArchiveDimseHandlers::ArchiveDimseHandlers(const PeerDirectory& peers, Ingest& ingest,
                                           QueryService& query, RetrieveService& retrieve,
                                           DimseHandlerOptions options)
    : peers_(peers),
      ingest_(ingest),
      query_(query),
      retrieve_(retrieve),
      options_(options),
      state_(std::make_shared<State>()) {}

ArchiveDimseHandlers::~ArchiveDimseHandlers() = default;

base::Result<std::unique_ptr<dicom::DimseSession>> ArchiveDimseHandlers::Accept(
    const dicom::AssociationRequest& request, dicom::RefuseReason* refuse_reason) {
  auto found = peers_.Find(request.calling_ae);
  std::optional<DicomPeer> peer;
  base::Status refused;
  if (!found.ok()) {
    *refuse_reason = dicom::RefuseReason::kNoReason;
    refused =
        found.status().WithContext("looking up calling AE title '" + request.calling_ae + "'");
  } else if (!found->has_value()) {
    *refuse_reason = dicom::RefuseReason::kCallingAeNotRecognized;
    refused =
        base::PermissionDenied("calling AE title '" + request.calling_ae + "' not configured");
  } else {
    peer = std::move(**found);
    if (peer->check_host && peer->host != request.peer_address) {
      *refuse_reason = dicom::RefuseReason::kCallingAeNotRecognized;
      refused = base::PermissionDenied("calling AE title '" + request.calling_ae +
                                       "' not allowed from " + request.peer_address);
    } else if (base::Status tls = CheckTransport(*peer, request); !tls.ok()) {
      *refuse_reason = dicom::RefuseReason::kCallingAeNotRecognized;
      refused = tls;
    }
  }
  if (refused.ok()) {
    std::lock_guard l(state_->mu);
    uint32_t& open = state_->open[peer->ae_title];
    if (open >= peer->max_associations) {
      if (open == 0) state_->open.erase(peer->ae_title);
      *refuse_reason = dicom::RefuseReason::kLocalLimitExceeded;
      refused = base::Status(base::Code::kTooManyRequests,
                             "too many associations from '" + request.calling_ae + "'");
    } else {
      ++open;
    }
  }
  if (!refused.ok()) {
    if (options_.audit != nullptr) {
      Origin origin{"dimse", request.calling_ae, request.called_ae, request.peer_address, ""};
      audit::Event e = ActorEvent(origin, "ae.association.refused", peer ? peer->tenant.value : 0);
      e.outcome = audit::Outcome::kMinorFailure;
      e.object_detail = request.tls ? "DICOM TLS" : "DICOM";
      e.message = refused.message();
      if (base::Status st = options_.audit->Record(std::move(e)); !st.ok())
        spdlog::error("audit of a refused association failed: {}", st.ToString());
    }
    return refused;
  }
  return std::unique_ptr<dicom::DimseSession>(std::make_unique<Session>(
      state_, *peer, request, peers_, ingest_, query_, retrieve_, options_));
}

uint32_t ArchiveDimseHandlers::OpenAssociations(std::string_view ae_title) const {
  std::lock_guard l(state_->mu);
  auto it = state_->open.find(ae_title);
  return it == state_->open.end() ? 0 : it->second;
}

}  // namespace dokuei::archive
