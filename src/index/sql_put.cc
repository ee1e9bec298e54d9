// PutInstances: the write path. One call = one transaction; records are applied in order, so two
// records with the same SOP Instance UID behave as if sent one after the other.
//
// Concurrency (PostgreSQL, READ COMMITTED): the study row is locked (SELECT ... FOR UPDATE) the
// first time a batch touches it, so series creation and the study's modality / SOP class lists
// are maintained by one writer at a time; counters are applied as increments. A concurrent insert
// of the same patient, study, series or instance surfaces as a unique violation, and the
// Database reruns the whole batch (which then finds the committed rows). SQLite has one writer.
// Counter and list updates are accumulated per entity and written once at the end of the batch.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "dokuei/base/strings.h"
#include "names.h"
#include "sql_builder.h"
#include "sql_index.h"

namespace dokuei::index {
namespace {

using base::Status;

struct PatientState {
  int64_t new_studies = 0;
  int64_t rep = 0;  // first instance stored by this batch under the patient
};

struct StudyState {
  int64_t id = 0;
  int64_t patient_pk = 0;
  std::string modalities, sop_classes;  // '\'-separated, sorted
  bool lists_changed = false;
  int64_t new_series = 0, new_instances = 0, bytes = 0, rep = 0;
};

struct SeriesState {
  int64_t id = 0;
  int64_t study_pk = 0;
  int64_t new_instances = 0, rep = 0;
};

// Adds value to a sorted '\'-separated list; returns whether it changed.
bool AddToList(std::string& list, const std::string& value) {
  if (value.empty()) return false;
  std::set<std::string> items;
  for (std::string_view v : base::Split(list, '\\')) {
    if (!v.empty()) items.emplace(v);
  }
  if (!items.insert(value).second) return false;
  list.clear();
  for (const auto& v : items) {
    if (!list.empty()) list.push_back('\\');
    list += v;
  }
  return true;
}

Status CheckRecord(const InstanceRecord& r) {
  if (r.study.study_instance_uid.empty()) {
    return base::InvalidArgument("missing Study Instance UID", "StudyInstanceUID");
  }
  if (r.series.series_instance_uid.empty()) {
    return base::InvalidArgument("missing Series Instance UID", "SeriesInstanceUID");
  }
  if (r.instance.sop_instance_uid.empty()) {
    return base::InvalidArgument("missing SOP Instance UID", "SOPInstanceUID");
  }
  const std::pair<const std::string*, const char*> texts[] = {
      {&r.patient.patient_id, "PatientID"},
      {&r.patient.issuer_of_patient_id, "IssuerOfPatientID"},
      {&r.patient.patient_name, "PatientName"},
      {&r.patient.patient_birth_date, "PatientBirthDate"},
      {&r.patient.patient_sex, "PatientSex"},
      {&r.study.study_instance_uid, "StudyInstanceUID"},
      {&r.study.study_date, "StudyDate"},
      {&r.study.study_time, "StudyTime"},
      {&r.study.accession_number, "AccessionNumber"},
      {&r.study.study_id, "StudyID"},
      {&r.study.study_description, "StudyDescription"},
      {&r.study.referring_physician_name, "ReferringPhysicianName"},
      {&r.series.series_instance_uid, "SeriesInstanceUID"},
      {&r.series.modality, "Modality"},
      {&r.series.series_description, "SeriesDescription"},
      {&r.series.body_part_examined, "BodyPartExamined"},
      {&r.series.series_date, "SeriesDate"},
      {&r.series.series_time, "SeriesTime"},
      {&r.series.performed_procedure_step_start_date, "PerformedProcedureStepStartDate"},
      {&r.series.performed_procedure_step_start_time, "PerformedProcedureStepStartTime"},
      {&r.instance.sop_class_uid, "SOPClassUID"},
      {&r.instance.sop_instance_uid, "SOPInstanceUID"},
      {&r.instance.transfer_syntax_uid, "TransferSyntaxUID"},
      {&r.storage.blob_key, "blob_key"},
      {&r.storage.sha256, "sha256"},
      {&r.storage.source, "source"},
      {&r.metadata_json, "metadata_json"},
  };
  for (const auto& [text, field] : texts) {
    if (!IsStorableText(*text)) return base::InvalidArgument("not valid UTF-8 text", field);
  }
  for (const auto& ra : r.series.request_attributes) {
    if (!IsStorableText(ra.requested_procedure_id) ||
        !IsStorableText(ra.scheduled_procedure_step_id)) {
      return base::InvalidArgument("not valid UTF-8 text", "RequestAttributesSequence");
    }
  }
  if (r.storage.size_bytes > static_cast<uint64_t>(INT64_MAX)) {
    return base::InvalidArgument("size out of range", "size_bytes");
  }
  return Status::Ok();
}

Value Opt(const std::optional<int32_t>& v) { return v ? Value(int64_t{*v}) : Value(nullptr); }

class BatchWriter {
 public:
  BatchWriter(Conn& c, TenantId t) : c_(c), t_(t), pg_(c.dialect() == Dialect::kPostgres) {}

  Status CheckTenant() {
    bool found = false;
    const Value p[] = {t_.value};
    DOKUEI_RETURN_IF_ERROR(c_.Query("SELECT 1 FROM tenants WHERE id = ?", p, [&](const Row&) {
      found = true;
      return Status::Ok();
    }));
    if (!found) return base::FailedPrecondition("unknown tenant");
    return Status::Ok();
  }

  base::Result<PutOutcome> Put(const InstanceRecord& r) {
    DOKUEI_RETURN_IF_ERROR(CheckRecord(r));
    PutOutcome out;
    // Already indexed?
    bool exists = false;
    std::string existing_sha;
    {
      const Value p[] = {t_.value, r.instance.sop_instance_uid};
      DOKUEI_RETURN_IF_ERROR(
          c_.Query("SELECT blob_key, sha256 FROM instances WHERE tenant_id = ? AND sop_uid = ?", p,
                   [&](const Row& row) {
                     exists = true;
                     out.existing_blob_key = std::string(row.Str(0));
                     existing_sha = std::string(row.Str(1));
                     return Status::Ok();
                   }));
    }
    if (exists) {
      if (existing_sha == r.storage.sha256) {
        out.result = PutResult::kDuplicate;
        return out;
      }
      out.result = PutResult::kConflict;
      const Value p[] = {t_.value,
                         r.instance.sop_instance_uid,
                         r.study.study_instance_uid,
                         r.series.series_instance_uid,
                         out.existing_blob_key,
                         existing_sha,
                         r.storage.blob_key,
                         r.storage.sha256,
                         base::ToUnixMicros(r.storage.received_at),
                         r.storage.source};
      DOKUEI_RETURN_IF_ERROR(c_.Query(
          "INSERT INTO conflicts (tenant_id, sop_uid, study_uid, series_uid, existing_blob_key,"
          " existing_sha256, new_blob_key, new_sha256, received_at_us, ingest_source)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
          p, [&](const Row& row) {
            out.conflict_id = row.Int(0);
            return Status::Ok();
          }));
      return out;
    }

    DOKUEI_ASSIGN_OR_RETURN(StudyState * study, LockStudyByUid(r.study.study_instance_uid));
    DOKUEI_ASSIGN_OR_RETURN(SeriesState * series, FindSeries(r.series.series_instance_uid));
    if (series != nullptr && (study == nullptr || series->study_pk != study->id)) {
      // The series is already filed under another study: it stays there (first values win).
      DOKUEI_ASSIGN_OR_RETURN(study, LockStudyByPk(series->study_pk));
    }
    if (series == nullptr) {
      if (study == nullptr) {
        DOKUEI_ASSIGN_OR_RETURN(const int64_t patient_pk, UpsertPatient(r.patient));
        DOKUEI_ASSIGN_OR_RETURN(study, InsertStudy(r.study, patient_pk));
      }
      DOKUEI_ASSIGN_OR_RETURN(series, InsertSeries(r.series, *study));
    }

    int64_t instance_pk = 0;
    {
      const Value p[] = {t_.value,
                         series->id,
                         r.instance.sop_instance_uid,
                         r.instance.sop_class_uid,
                         r.instance.transfer_syntax_uid,
                         Opt(r.instance.instance_number),
                         int64_t{r.instance.rows},
                         int64_t{r.instance.columns},
                         int64_t{r.instance.number_of_frames},
                         int64_t{r.instance.bits_allocated},
                         r.storage.blob_key,
                         static_cast<int64_t>(r.storage.size_bytes),
                         r.storage.sha256,
                         base::ToUnixMicros(r.storage.received_at),
                         r.storage.source};
      DOKUEI_RETURN_IF_ERROR(c_.Query(
          "INSERT INTO instances (tenant_id, series_pk, sop_uid, sop_class_uid,"
          " transfer_syntax_uid, instance_number, pixel_rows, pixel_columns, number_of_frames,"
          " bits_allocated, blob_key, size_bytes, sha256, received_at_us, ingest_source)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
          p, [&](const Row& row) {
            instance_pk = row.Int(0);
            return Status::Ok();
          }));
    }
    {
      const Value p[] = {instance_pk, r.metadata_json};
      DOKUEI_RETURN_IF_ERROR(
          c_.Exec("INSERT INTO instance_metadata (instance_pk, metadata_json) VALUES (?, ?)", p));
    }
    series->new_instances += 1;
    if (series->rep == 0) series->rep = instance_pk;
    study->new_instances += 1;
    study->bytes += static_cast<int64_t>(r.storage.size_bytes);
    if (study->rep == 0) study->rep = instance_pk;
    study->lists_changed |= AddToList(study->sop_classes, r.instance.sop_class_uid);
    if (auto it = patients_.find(study->patient_pk); it != patients_.end() && it->second.rep == 0) {
      it->second.rep = instance_pk;
    }
    out.result = PutResult::kStored;
    return out;
  }

  // Writes the accumulated counters, lists and representatives.
  Status Flush() {
    for (const auto& [id, p] : patients_) {
      // Only patients that gained a study can lack counters or a representative.
      if (p.new_studies == 0) continue;
      const Value v[] = {p.new_studies, p.rep ? Value(p.rep) : Value(nullptr), id, t_.value};
      DOKUEI_RETURN_IF_ERROR(
          c_.Exec("UPDATE patients SET num_studies = num_studies + ?,"
                  " rep_instance_id = COALESCE(rep_instance_id, ?) WHERE id = ? AND tenant_id = ?",
                  v));
    }
    for (const auto& [id, s] : studies_) {
      if (s.new_series == 0 && s.new_instances == 0 && !s.lists_changed) continue;
      const Value v[] = {s.new_series, s.new_instances, s.bytes,
                         s.modalities, s.sop_classes,   s.rep ? Value(s.rep) : Value(nullptr),
                         id,           t_.value};
      DOKUEI_RETURN_IF_ERROR(c_.Exec(
          "UPDATE studies SET num_series = num_series + ?, num_instances = num_instances + ?,"
          " total_bytes = total_bytes + ?, modalities = ?, sop_classes = ?,"
          " rep_instance_id = COALESCE(rep_instance_id, ?) WHERE id = ? AND tenant_id = ?",
          v));
    }
    for (const auto& [id, s] : series_) {
      if (s.new_instances == 0) continue;
      const Value v[] = {s.new_instances, s.rep ? Value(s.rep) : Value(nullptr), id, t_.value};
      DOKUEI_RETURN_IF_ERROR(
          c_.Exec("UPDATE series SET num_instances = num_instances + ?,"
                  " rep_instance_id = COALESCE(rep_instance_id, ?) WHERE id = ? AND tenant_id = ?",
                  v));
    }
    return Status::Ok();
  }

 private:
  const char* ForUpdate() const { return pg_ ? " FOR UPDATE" : ""; }

  // Reads (and on PostgreSQL locks) one study row selected by `where`.
  base::Result<StudyState*> LoadStudy(std::string_view where, std::span<const Value> params) {
    StudyState st;
    std::string uid;
    bool found = false;
    std::string sql =
        "SELECT id, patient_pk, modalities, sop_classes, study_uid FROM studies WHERE ";
    sql += where;
    sql += ForUpdate();
    DOKUEI_RETURN_IF_ERROR(c_.Query(sql, params, [&](const Row& row) {
      found = true;
      st.id = row.Int(0);
      st.patient_pk = row.Int(1);
      st.modalities = std::string(row.Str(2));
      st.sop_classes = std::string(row.Str(3));
      uid = std::string(row.Str(4));
      return Status::Ok();
    }));
    if (!found) return static_cast<StudyState*>(nullptr);
    study_by_uid_[uid] = st.id;
    auto [it, inserted] = studies_.emplace(st.id, std::move(st));
    return &it->second;
  }

  base::Result<StudyState*> LockStudyByUid(const std::string& uid) {
    if (auto it = study_by_uid_.find(uid); it != study_by_uid_.end()) {
      return &studies_.at(it->second);
    }
    const Value p[] = {t_.value, uid};
    return LoadStudy("tenant_id = ? AND study_uid = ?", p);
  }

  base::Result<StudyState*> LockStudyByPk(int64_t pk) {
    if (auto it = studies_.find(pk); it != studies_.end()) return &it->second;
    const Value p[] = {t_.value, pk};
    DOKUEI_ASSIGN_OR_RETURN(StudyState * st, LoadStudy("tenant_id = ? AND id = ?", p));
    if (st == nullptr) return base::Internal("index: series refers to a missing study");
    return st;
  }

  base::Result<SeriesState*> FindSeries(const std::string& uid) {
    if (auto it = series_by_uid_.find(uid); it != series_by_uid_.end()) {
      return &series_.at(it->second);
    }
    SeriesState se;
    bool found = false;
    const Value p[] = {t_.value, uid};
    DOKUEI_RETURN_IF_ERROR(
        c_.Query("SELECT id, study_pk FROM series WHERE tenant_id = ? AND series_uid = ?", p,
                 [&](const Row& row) {
                   found = true;
                   se.id = row.Int(0);
                   se.study_pk = row.Int(1);
                   return Status::Ok();
                 }));
    if (!found) return static_cast<SeriesState*>(nullptr);
    series_by_uid_[uid] = se.id;
    auto [it, inserted] = series_.emplace(se.id, se);
    return &it->second;
  }

  Status InsertNameKeys(int64_t attr, int64_t owner, const std::string& name) {
    auto insert = [&](int64_t kind, const std::string& key) {
      const Value p[] = {t_.value, attr, kind, key, owner};
      return c_.Exec(
          "INSERT INTO name_keys (tenant_id, attr, kind, name_key, owner_pk)"
          " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          p);
    };
    for (const std::string& k : PersonNameMatchKeys(name)) {
      DOKUEI_RETURN_IF_ERROR(insert(kNameKindMatch, k));
    }
    for (const std::string& k : PersonNameFuzzyTokens(name)) {
      DOKUEI_RETURN_IF_ERROR(insert(kNameKindFuzzy, k));
    }
    return Status::Ok();
  }

  base::Result<int64_t> UpsertPatient(const PatientAttrs& a) {
    int64_t id = 0;
    const Value key[] = {t_.value, a.patient_id, a.issuer_of_patient_id};
    DOKUEI_RETURN_IF_ERROR(
        c_.Query("SELECT id FROM patients WHERE tenant_id = ? AND patient_id = ? AND issuer = ?",
                 key, [&](const Row& row) {
                   id = row.Int(0);
                   return Status::Ok();
                 }));
    if (id != 0) return id;
    const Value p[] = {t_.value,       a.patient_id,         a.issuer_of_patient_id,
                       a.patient_name, a.patient_birth_date, a.patient_sex};
    DOKUEI_RETURN_IF_ERROR(c_.Query(
        "INSERT INTO patients (tenant_id, patient_id, issuer, patient_name, birth_date, sex)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        p, [&](const Row& row) {
          id = row.Int(0);
          return Status::Ok();
        }));
    DOKUEI_RETURN_IF_ERROR(InsertNameKeys(kNameAttrPatient, id, a.patient_name));
    return id;
  }

  base::Result<StudyState*> InsertStudy(const StudyAttrs& a, int64_t patient_pk) {
    StudyState st;
    st.patient_pk = patient_pk;
    const Value p[] = {t_.value,     patient_pk,          a.study_instance_uid,
                       a.study_date, a.study_time,        a.accession_number,
                       a.study_id,   a.study_description, a.referring_physician_name};
    DOKUEI_RETURN_IF_ERROR(
        c_.Query("INSERT INTO studies (tenant_id, patient_pk, study_uid, study_date, study_time,"
                 " accession_number, study_id, study_description, referring_physician_name)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                 p, [&](const Row& row) {
                   st.id = row.Int(0);
                   return Status::Ok();
                 }));
    DOKUEI_RETURN_IF_ERROR(InsertNameKeys(kNameAttrReferring, st.id, a.referring_physician_name));
    patients_[patient_pk].new_studies += 1;
    study_by_uid_[a.study_instance_uid] = st.id;
    auto [it, inserted] = studies_.emplace(st.id, std::move(st));
    return &it->second;
  }

  base::Result<SeriesState*> InsertSeries(const SeriesAttrs& a, StudyState& study) {
    SeriesState se;
    se.study_pk = study.id;
    nlohmann::json requests = nlohmann::json::array();
    for (const auto& ra : a.request_attributes) {
      requests.push_back({ra.requested_procedure_id, ra.scheduled_procedure_step_id});
    }
    const Value p[] = {t_.value,
                       study.id,
                       a.series_instance_uid,
                       a.modality,
                       Opt(a.series_number),
                       a.series_description,
                       a.body_part_examined,
                       a.series_date,
                       a.series_time,
                       a.performed_procedure_step_start_date,
                       a.performed_procedure_step_start_time,
                       a.request_attributes.empty() ? std::string() : requests.dump()};
    DOKUEI_RETURN_IF_ERROR(
        c_.Query("INSERT INTO series (tenant_id, study_pk, series_uid, modality, series_number,"
                 " series_description, body_part, series_date, series_time, pps_start_date,"
                 " pps_start_time, request_attrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                 " RETURNING id",
                 p, [&](const Row& row) {
                   se.id = row.Int(0);
                   return Status::Ok();
                 }));
    for (const auto& ra : a.request_attributes) {
      const Value rp[] = {t_.value, se.id, ra.requested_procedure_id,
                          ra.scheduled_procedure_step_id};
      DOKUEI_RETURN_IF_ERROR(
          c_.Exec("INSERT INTO series_requests (tenant_id, series_pk, requested_procedure_id,"
                  " scheduled_procedure_step_id) VALUES (?, ?, ?, ?)",
                  rp));
    }
    study.new_series += 1;
    study.lists_changed |= AddToList(study.modalities, a.modality);
    series_by_uid_[a.series_instance_uid] = se.id;
    auto [it, inserted] = series_.emplace(se.id, se);
    return &it->second;
  }

  Conn& c_;
  const TenantId t_;
  const bool pg_;
  std::map<int64_t, PatientState> patients_;
  std::map<int64_t, StudyState> studies_;
  std::map<std::string, int64_t> study_by_uid_;
  std::map<int64_t, SeriesState> series_;
  std::map<std::string, int64_t> series_by_uid_;
};

}  // namespace

base::Result<std::vector<PutOutcome>> PutBatch(Conn& conn, TenantId tenant,
                                               std::span<const InstanceRecord> records) {
  BatchWriter w(conn, tenant);
  DOKUEI_RETURN_IF_ERROR(w.CheckTenant());
  std::vector<PutOutcome> outcomes;
  outcomes.reserve(records.size());
  for (const InstanceRecord& r : records) {
    DOKUEI_ASSIGN_OR_RETURN(PutOutcome o, w.Put(r));
    outcomes.push_back(std::move(o));
  }
  DOKUEI_RETURN_IF_ERROR(w.Flush());
  return outcomes;
}

}  // namespace dokuei::index
