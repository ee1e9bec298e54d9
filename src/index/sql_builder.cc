#include "sql_builder.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "dokuei/base/strings.h"
#include "names.h"

// Query plans for the typical QIDO-RS searches at 1 million instances (SQLite 3.40 EXPLAIN QUERY
// PLAN, PostgreSQL 15 EXPLAIN; reproduced by index_bench_test.cc), indexes of migration 2:
//   /studies?PatientID=x
//       patients UNIQUE(tenant_id, patient_id, issuer) -> studies_by_patient -> sort (few rows)
//   /studies?PatientName=YAMA*, =山田*, fuzzy words
//       name_keys PK range (tenant_id, attr, kind, name_key in [yama, yamb)) -> patients by id
//       -> studies_by_patient -> sort (PostgreSQL: hash join of the key range with patients)
//   /studies?StudyDate=a-b, /studies (no filter)
//       studies_by_date range read backwards: already in result order, stops after `limit`
//   /studies?ModalitiesInStudy=CT
//       PostgreSQL: studies_by_date backwards, nested-loop semi-join on series_by_modality.
//       SQLite: the same when the modality is common (correlated EXISTS, see BuildOptions and
//       PlanQuery); when rare, the few matching studies by id from series_by_modality, sorted.
//   /studies?AccessionNumber=x       studies_by_accession
//   /studies/{uid}/series            studies UNIQUE(tenant_id, study_uid) -> series_by_study
//   /studies/{uid}/series/{uid}/instances
//       series UNIQUE(tenant_id, series_uid) -> instances_by_series (sort of ~500 narrow rows)
// Metadata of representative instances is fetched afterwards by primary key, so sorts never carry
// metadata. SQLite plans rely on planner statistics; sqlite_index.cc seeds them.

namespace dokuei::index {
namespace {

enum class ColType : uint8_t { kText, kInt, kName, kModalities, kRequest };

struct AttrSpec {
  const char* column;  // qualified column (for kName: the raw value column)
  ColType type;
  const char* owner = nullptr;  // kName: the owning row's id
  int64_t name_attr = 0;        // kName: name_keys.attr
};

AttrSpec SpecOf(Attr a) {
  switch (a) {
    case Attr::kPatientName:
      return {"p.patient_name", ColType::kName, "p.id", kNameAttrPatient};
    case Attr::kPatientID:
      return {"p.patient_id", ColType::kText};
    case Attr::kIssuerOfPatientID:
      return {"p.issuer", ColType::kText};
    case Attr::kPatientBirthDate:
      return {"p.birth_date", ColType::kText};
    case Attr::kPatientSex:
      return {"p.sex", ColType::kText};
    case Attr::kStudyInstanceUID:
      return {"st.study_uid", ColType::kText};
    case Attr::kStudyDate:
      return {"st.study_date", ColType::kText};
    case Attr::kStudyTime:
      return {"st.study_time", ColType::kText};
    case Attr::kAccessionNumber:
      return {"st.accession_number", ColType::kText};
    case Attr::kStudyID:
      return {"st.study_id", ColType::kText};
    case Attr::kStudyDescription:
      return {"st.study_description", ColType::kText};
    case Attr::kReferringPhysicianName:
      return {"st.referring_physician_name", ColType::kName, "st.id", kNameAttrReferring};
    case Attr::kModalitiesInStudy:
      return {"ms.modality", ColType::kModalities};
    case Attr::kSeriesInstanceUID:
      return {"se.series_uid", ColType::kText};
    case Attr::kModality:
      return {"se.modality", ColType::kText};
    case Attr::kSeriesNumber:
      return {"se.series_number", ColType::kInt};
    case Attr::kSeriesDescription:
      return {"se.series_description", ColType::kText};
    case Attr::kBodyPartExamined:
      return {"se.body_part", ColType::kText};
    case Attr::kPerformedProcedureStepStartDate:
      return {"se.pps_start_date", ColType::kText};
    case Attr::kPerformedProcedureStepStartTime:
      return {"se.pps_start_time", ColType::kText};
    case Attr::kRequestedProcedureID:
      return {"r.requested_procedure_id", ColType::kRequest};
    case Attr::kScheduledProcedureStepID:
      return {"r.scheduled_procedure_step_id", ColType::kRequest};
    case Attr::kSOPInstanceUID:
      return {"i.sop_uid", ColType::kText};
    case Attr::kSOPClassUID:
      return {"i.sop_class_uid", ColType::kText};
    case Attr::kInstanceNumber:
      return {"i.instance_number", ColType::kInt};
  }
  return {"", ColType::kText};
}

const char* Alias(Level l) {
  switch (l) {
    case Level::kPatient:
      return "p";
    case Level::kStudy:
      return "st";
    case Level::kSeries:
      return "se";
    case Level::kInstance:
      return "i";
  }
  return "i";
}

const char* FromClause(Level l) {
  switch (l) {
    case Level::kPatient:
      return "patients p";
    case Level::kStudy:
      return "studies st JOIN patients p ON p.id = st.patient_pk";
    case Level::kSeries:
      return "series se JOIN studies st ON st.id = se.study_pk"
             " JOIN patients p ON p.id = st.patient_pk";
    case Level::kInstance:
      return "instances i JOIN series se ON se.id = i.series_pk"
             " JOIN studies st ON st.id = se.study_pk JOIN patients p ON p.id = st.patient_pk";
  }
  return "";
}

const char* OrderBy(Level l) {
  switch (l) {
    case Level::kPatient:
      return "p.patient_name, p.patient_id, p.issuer";
    case Level::kStudy:
      return "st.study_date DESC, st.study_time DESC, st.study_uid DESC";
    case Level::kSeries:
      return "st.study_date DESC, st.study_time DESC, st.study_uid DESC,"
             " se.series_number ASC NULLS LAST, se.series_uid";
    case Level::kInstance:
      return "st.study_date DESC, st.study_time DESC, st.study_uid DESC,"
             " se.series_number ASC NULLS LAST, se.series_uid,"
             " i.instance_number ASC NULLS LAST, i.sop_uid";
  }
  return "";
}

constexpr const char* kPatientCols =
    "p.patient_id, p.issuer, p.patient_name, p.birth_date, p.sex, p.num_studies,"
    " p.rep_instance_id";
constexpr const char* kStudyCols =
    "st.study_uid, st.study_date, st.study_time, st.accession_number, st.study_id,"
    " st.study_description, st.referring_physician_name, st.num_series, st.num_instances,"
    " st.modalities, st.sop_classes, st.rep_instance_id";
constexpr const char* kSeriesCols =
    "se.series_uid, se.modality, se.series_number, se.series_description, se.body_part,"
    " se.series_date, se.series_time, se.pps_start_date, se.pps_start_time, se.request_attrs,"
    " se.num_instances, se.rep_instance_id";
constexpr const char* kInstanceCols =
    "i.sop_class_uid, i.sop_uid, i.transfer_syntax_uid, i.instance_number, i.pixel_rows,"
    " i.pixel_columns, i.number_of_frames, i.bits_allocated, i.id";

bool Skippable(const Condition& c) {
  if (c.kind == Condition::Kind::kWildcard) return IsUniversalPattern(c.value);
  if (c.kind == Condition::Kind::kRange) return c.low.empty() && c.high.empty();
  return false;
}

base::Status CheckText(const Condition& c) {
  const char* field = AttrName(c.attr);
  if (!IsStorableText(c.value) || !IsStorableText(c.low) || !IsStorableText(c.high)) {
    return base::InvalidArgument("matching value is not valid UTF-8 text", field);
  }
  for (const auto& v : c.values) {
    if (!IsStorableText(v)) {
      return base::InvalidArgument("matching value is not valid UTF-8 text", field);
    }
  }
  return base::Status::Ok();
}

// Text condition on `col`. `fold` lowercases values (person-name keys are stored lowercased).
base::Status AppendText(Sql* s, std::string_view col, const Condition& c, Dialect d, bool fold) {
  auto val = [&](std::string_view x) { return fold ? base::ToLowerAscii(x) : std::string(x); };
  auto equals = [&](std::string v) { s->Add(col).Add(" = ").Bind(std::move(v)); };
  switch (c.kind) {
    case Condition::Kind::kEquals:
      equals(val(c.value));
      return base::Status::Ok();
    case Condition::Kind::kWildcard: {
      const std::string pattern = val(c.value);
      if (!HasWildcard(pattern)) {
        equals(pattern);
        return base::Status::Ok();
      }
      const std::string_view prefix = LiteralPrefix(pattern);
      std::optional<std::string> upper;
      if (!prefix.empty()) {
        // An explicit range so that both backends use the index whatever their LIKE rules.
        s->Add(col).Add(" >= ").Bind(std::string(prefix));
        upper = PrefixUpperBound(prefix);
        if (upper) s->Add(" AND ").Add(col).Add(" < ").Bind(*upper);
        // "prefix*" is exactly the range.
        if (upper && pattern.size() == prefix.size() + 1 && pattern.back() == '*') {
          return base::Status::Ok();
        }
        s->Add(" AND ");
      }
      if (d == Dialect::kSqlite) {
        s->Add(col).Add(" GLOB ").Bind(ToGlobPattern(pattern));
      } else {
        s->Add(col).Add(" LIKE ").Bind(ToLikePattern(pattern)).Add(" ESCAPE '!'");
      }
      return base::Status::Ok();
    }
    case Condition::Kind::kRange: {
      // Inclusive; the high end includes every value it prefixes ("1300" includes "130059"),
      // which is what DA/TM ranges mean. Empty values never match a range.
      bool first = true;
      auto sep = [&] {
        if (!first) s->Add(" AND ");
        first = false;
      };
      if (!c.low.empty()) {
        sep();
        s->Add(col).Add(" >= ").Bind(val(c.low));
      } else {
        sep();
        s->Add(col).Add(" <> ''");
      }
      if (!c.high.empty()) {
        sep();
        if (auto upper = PrefixUpperBound(val(c.high))) {
          s->Add(col).Add(" < ").Bind(*upper);
        } else {
          s->Add(col).Add(" <= ").Bind(val(c.high));
        }
      }
      return base::Status::Ok();
    }
    case Condition::Kind::kList: {
      if (c.values.empty()) {
        return base::InvalidArgument("empty list of matching values", AttrName(c.attr));
      }
      s->Add(col).Add(" IN (");
      for (size_t i = 0; i < c.values.size(); ++i) {
        if (i) s->Add(", ");
        s->Bind(val(c.values[i]));
      }
      s->Add(")");
      return base::Status::Ok();
    }
    case Condition::Kind::kFuzzy:
      break;
  }
  return base::InvalidArgument("fuzzy matching applies to person names only", AttrName(c.attr));
}

base::Status AppendInt(Sql* s, std::string_view col, const Condition& c) {
  const char* field = AttrName(c.attr);
  auto parse = [&](const std::string& v) -> base::Result<int64_t> {
    auto n = base::ParseInt(base::Trim(v));
    if (!n) return base::InvalidArgument("not an integer", field);
    return *n;
  };
  switch (c.kind) {
    case Condition::Kind::kEquals: {
      DOKUEI_ASSIGN_OR_RETURN(int64_t v, parse(c.value));
      s->Add(col).Add(" = ").Bind(v);
      return base::Status::Ok();
    }
    case Condition::Kind::kRange: {
      bool first = true;
      if (!c.low.empty()) {
        DOKUEI_ASSIGN_OR_RETURN(int64_t v, parse(c.low));
        s->Add(col).Add(" >= ").Bind(v);
        first = false;
      }
      if (!c.high.empty()) {
        DOKUEI_ASSIGN_OR_RETURN(int64_t v, parse(c.high));
        if (!first) s->Add(" AND ");
        s->Add(col).Add(" <= ").Bind(v);
      }
      return base::Status::Ok();
    }
    case Condition::Kind::kList: {
      if (c.values.empty()) return base::InvalidArgument("empty list of matching values", field);
      s->Add(col).Add(" IN (");
      for (size_t i = 0; i < c.values.size(); ++i) {
        DOKUEI_ASSIGN_OR_RETURN(int64_t v, parse(c.values[i]));
        if (i) s->Add(", ");
        s->Bind(v);
      }
      s->Add(")");
      return base::Status::Ok();
    }
    case Condition::Kind::kWildcard:
      return base::InvalidArgument("wildcards do not apply to a number", field);
    case Condition::Kind::kFuzzy:
      break;
  }
  return base::InvalidArgument("fuzzy matching applies to person names only", field);
}

void NameKeySubquery(Sql* s, const AttrSpec& spec, TenantId t, int64_t kind) {
  s->Add(" AND ").Add(spec.owner).Add(" IN (SELECT nk.owner_pk FROM name_keys nk WHERE ");
  s->Add("nk.tenant_id = ").Bind(t.value).Add(" AND nk.attr = ").Bind(spec.name_attr);
  s->Add(" AND nk.kind = ").Bind(kind).Add(" AND ");
}

base::Status AppendName(Sql* s, const AttrSpec& spec, const Condition& c, Dialect d, TenantId t) {
  if (c.kind == Condition::Kind::kFuzzy) {
    for (const std::string& w : FuzzyQueryWords(c.value)) {
      NameKeySubquery(s, spec, t, kNameKindFuzzy);
      s->Add("nk.name_key >= ").Bind(w);
      if (auto upper = PrefixUpperBound(w)) s->Add(" AND nk.name_key < ").Bind(*upper);
      s->Add(")");
    }
    return base::Status::Ok();
  }
  if (c.kind == Condition::Kind::kRange) {
    return base::InvalidArgument("range matching does not apply to a person name",
                                 AttrName(c.attr));
  }
  Condition norm = c;
  if (c.kind == Condition::Kind::kWildcard && !HasWildcard(c.value)) {
    norm.kind = Condition::Kind::kEquals;
  }
  if (norm.kind == Condition::Kind::kEquals) {
    norm.value = NormalizePersonName(c.value);
    if (norm.value.empty()) {  // empty-value matching: the name is empty
      s->Add(" AND ").Add(spec.column).Add(" = ''");
      return base::Status::Ok();
    }
  }
  if (c.kind == Condition::Kind::kList) {
    for (auto& v : norm.values) v = NormalizePersonName(v);
  }
  NameKeySubquery(s, spec, t, kNameKindMatch);
  DOKUEI_RETURN_IF_ERROR(AppendText(s, "nk.name_key", norm, d, /*fold=*/true));
  s->Add(")");
  return base::Status::Ok();
}

// The ModalitiesInStudy condition as it applies to series rows aliased `ms`.
Condition ModalityCondition(const Condition& c) {
  Condition mc = c;
  if (c.kind == Condition::Kind::kEquals && c.value.find('\\') != std::string::npos) {
    mc.kind = Condition::Kind::kList;  // a multi-valued CS sent as one string
    for (std::string_view v : base::Split(c.value, '\\')) mc.values.emplace_back(v);
  }
  return mc;
}

base::Status AppendConditions(const FindQuery& q, Dialect d, TenantId t, const BuildOptions& o,
                              Sql* s) {
  std::vector<const Condition*> request_conds;
  for (const Condition& c : q.conditions) {
    if (Skippable(c)) continue;
    const AttrSpec spec = SpecOf(c.attr);
    switch (spec.type) {
      case ColType::kText:
        s->Add(" AND ");
        DOKUEI_RETURN_IF_ERROR(AppendText(s, spec.column, c, d, false));
        break;
      case ColType::kInt:
        s->Add(" AND ");
        DOKUEI_RETURN_IF_ERROR(AppendInt(s, spec.column, c));
        break;
      case ColType::kName:
        DOKUEI_RETURN_IF_ERROR(AppendName(s, spec, c, d, t));
        break;
      case ColType::kModalities: {
        if (o.correlated_modalities) {
          // likelihood(): the caller measured that the modality is common; tell SQLite so it
          // keeps reading studies in result order rather than sorting all candidates.
          const bool sqlite = d == Dialect::kSqlite;
          s->Add(sqlite ? " AND likelihood(EXISTS (" : " AND EXISTS (");
          s->Add("SELECT 1 FROM series ms WHERE ms.tenant_id = ").Bind(t.value);
          s->Add(" AND ms.study_pk = st.id AND ");
          DOKUEI_RETURN_IF_ERROR(AppendText(s, spec.column, ModalityCondition(c), d, false));
          s->Add(sqlite ? "), 0.5)" : ")");
          break;
        } else {
          s->Add(" AND st.id IN (SELECT ms.study_pk FROM series ms WHERE ms.tenant_id = ");
          s->Bind(t.value).Add(" AND ");
        }
        DOKUEI_RETURN_IF_ERROR(AppendText(s, spec.column, ModalityCondition(c), d, false));
        s->Add(")");
        break;
      }
      case ColType::kRequest:
        request_conds.push_back(&c);
        break;
    }
  }
  if (!request_conds.empty()) {
    // Sequence matching: one Request Attributes item must satisfy every condition.
    s->Add(" AND se.id IN (SELECT r.series_pk FROM series_requests r WHERE r.tenant_id = ");
    s->Bind(t.value);
    for (const Condition* c : request_conds) {
      s->Add(" AND ");
      DOKUEI_RETURN_IF_ERROR(AppendText(s, SpecOf(c->attr).column, *c, d, false));
    }
    s->Add(")");
  }
  return base::Status::Ok();
}

// Tenant filters: on the level's own table, on studies (studies_by_date, which leads with
// tenant_id, is what lets results be read in order and stop at the limit), and on any other table
// above that a condition refers to (it may drive the join through its (tenant_id, ...) indexes).
// A table that none of these cover is reached only through the foreign key of a row already
// filtered by tenant (rows never reference another tenant's parent), so a filter there would be
// redundant; on patients it also leads SQLite's planner to build a Bloom filter over the whole
// table for every search (tens of milliseconds at 10^4 patients).
void AppendTenantFilters(Sql* s, const FindQuery& q, Level level, TenantId t) {
  s->Add(" WHERE ").Add(Alias(level)).Add(".tenant_id = ").Bind(t.value);
  for (int l = static_cast<int>(level) - 1; l >= 0; --l) {
    const bool named = std::any_of(q.conditions.begin(), q.conditions.end(), [&](const auto& c) {
      return !Skippable(c) && static_cast<int>(LevelOf(c.attr)) == l &&
             c.attr != Attr::kModalitiesInStudy;
    });
    if (!named && l != static_cast<int>(Level::kStudy)) continue;
    s->Add(" AND ").Add(Alias(static_cast<Level>(l))).Add(".tenant_id = ").Bind(t.value);
  }
}

void AppendLimit(Sql* s, uint32_t limit, uint32_t offset, Dialect d) {
  if (limit == 0 && offset == 0) return;
  s->Add(" LIMIT ");
  if (limit != 0) {
    s->Bind(int64_t{limit});
  } else if (d == Dialect::kSqlite) {
    s->Bind(int64_t{-1});  // SQLite: negative means no limit
  } else {
    s->Bind(nullptr);  // PostgreSQL: LIMIT NULL means no limit
  }
  s->Add(" OFFSET ").Bind(int64_t{offset});
}

std::optional<int32_t> OptInt(const Row& r, int col) {
  if (r.IsNull(col)) return std::nullopt;
  return static_cast<int32_t>(r.Int(col));
}

std::string Str(const Row& r, int col) { return std::string(r.Str(col)); }

std::vector<RequestAttributes> DecodeRequests(std::string_view json) {
  std::vector<RequestAttributes> out;
  if (json.empty()) return out;
  const auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return out;
  for (const auto& item : j) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_string()) {
      continue;
    }
    out.push_back({item[0].get<std::string>(), item[1].get<std::string>()});
  }
  return out;
}

}  // namespace

base::Status ValidateQuery(const FindQuery& q) {
  for (const Condition& c : q.conditions) {
    if (LevelOf(c.attr) > q.level) {
      return base::InvalidArgument(
          std::string(AttrName(c.attr)) + " cannot be matched at a level above its own",
          AttrName(c.attr));
    }
    DOKUEI_RETURN_IF_ERROR(CheckText(c));
  }
  return base::Status::Ok();
}

base::Result<Sql> BuildFindSql(const FindQuery& q, Dialect d, TenantId t, BuildOptions o) {
  DOKUEI_RETURN_IF_ERROR(ValidateQuery(q));
  Sql s;
  s.Add("SELECT ").Add(kPatientCols);
  if (q.level >= Level::kStudy) s.Add(", ").Add(kStudyCols);
  if (q.level >= Level::kSeries) s.Add(", ").Add(kSeriesCols);
  if (q.level >= Level::kInstance) s.Add(", ").Add(kInstanceCols);
  s.Add(" FROM ").Add(FromClause(q.level));
  AppendTenantFilters(&s, q, q.level, t);
  DOKUEI_RETURN_IF_ERROR(AppendConditions(q, d, t, o, &s));
  s.Add(" ORDER BY ").Add(OrderBy(q.level));
  AppendLimit(&s, q.limit, q.offset, d);
  return s;
}

void DecodeFindRow(const Row& r, Level level, FindRow* out, int64_t* rep) {
  int c = 0;
  out->patient.patient_id = Str(r, c++);
  out->patient.issuer_of_patient_id = Str(r, c++);
  out->patient.patient_name = Str(r, c++);
  out->patient.patient_birth_date = Str(r, c++);
  out->patient.patient_sex = Str(r, c++);
  out->counts.patient_related_studies = static_cast<int32_t>(r.Int(c++));
  *rep = r.Int(c++);
  if (level >= Level::kStudy) {
    StudyAttrs& st = out->study;
    st.study_instance_uid = Str(r, c++);
    st.study_date = Str(r, c++);
    st.study_time = Str(r, c++);
    st.accession_number = Str(r, c++);
    st.study_id = Str(r, c++);
    st.study_description = Str(r, c++);
    st.referring_physician_name = Str(r, c++);
    out->counts.study_related_series = static_cast<int32_t>(r.Int(c++));
    out->counts.study_related_instances = static_cast<int32_t>(r.Int(c++));
    out->modalities_in_study = Str(r, c++);
    out->sop_classes_in_study = Str(r, c++);
    *rep = r.Int(c++);
  }
  if (level >= Level::kSeries) {
    SeriesAttrs& se = out->series;
    se.series_instance_uid = Str(r, c++);
    se.modality = Str(r, c++);
    se.series_number = OptInt(r, c++);
    se.series_description = Str(r, c++);
    se.body_part_examined = Str(r, c++);
    se.series_date = Str(r, c++);
    se.series_time = Str(r, c++);
    se.performed_procedure_step_start_date = Str(r, c++);
    se.performed_procedure_step_start_time = Str(r, c++);
    se.request_attributes = DecodeRequests(r.Str(c++));
    out->counts.series_related_instances = static_cast<int32_t>(r.Int(c++));
    *rep = r.Int(c++);
  }
  if (level >= Level::kInstance) {
    InstanceAttrs& in = out->instance;
    in.sop_class_uid = Str(r, c++);
    in.sop_instance_uid = Str(r, c++);
    in.transfer_syntax_uid = Str(r, c++);
    in.instance_number = OptInt(r, c++);
    in.rows = static_cast<int32_t>(r.Int(c++));
    in.columns = static_cast<int32_t>(r.Int(c++));
    in.number_of_frames = static_cast<int32_t>(r.Int(c++));
    in.bits_allocated = static_cast<int32_t>(r.Int(c++));
    *rep = r.Int(c++);
  }
}

base::Result<Sql> BuildLocateSql(const FindQuery& q, Dialect d, TenantId t, BuildOptions o) {
  DOKUEI_RETURN_IF_ERROR(ValidateQuery(q));
  Sql s;
  s.Add(
      "SELECT st.study_uid, se.series_uid, i.sop_uid, i.sop_class_uid, i.transfer_syntax_uid,"
      " i.blob_key, i.size_bytes, i.sha256, i.number_of_frames, i.id");
  s.Add(" FROM ").Add(FromClause(Level::kInstance));
  AppendTenantFilters(&s, q, Level::kInstance, t);
  if (q.limit == 0 && q.offset == 0) {
    DOKUEI_RETURN_IF_ERROR(AppendConditions(q, d, t, o, &s));
  } else {
    // Page the matched entities, then take every instance under them.
    const char* a = Alias(q.level);
    s.Add(" AND ").Add(a).Add(".id IN (SELECT ").Add(a).Add(".id FROM ");
    s.Add(FromClause(q.level));
    AppendTenantFilters(&s, q, q.level, t);
    DOKUEI_RETURN_IF_ERROR(AppendConditions(q, d, t, o, &s));
    s.Add(" ORDER BY ").Add(OrderBy(q.level));
    AppendLimit(&s, q.limit, q.offset, d);
    s.Add(")");
  }
  s.Add(" ORDER BY ").Add(OrderBy(Level::kInstance));
  return s;
}

InstanceLocation DecodeLocation(const Row& r) {
  InstanceLocation l;
  l.study_instance_uid = Str(r, 0);
  l.series_instance_uid = Str(r, 1);
  l.sop_instance_uid = Str(r, 2);
  l.sop_class_uid = Str(r, 3);
  l.transfer_syntax_uid = Str(r, 4);
  l.blob_key = Str(r, 5);
  l.size_bytes = static_cast<uint64_t>(r.Int(6));
  l.sha256 = Str(r, 7);
  l.number_of_frames = static_cast<int32_t>(r.Int(8));
  return l;
}

base::Result<Sql> BuildModalityProbeSql(const FindQuery& q, Dialect d, TenantId t, int64_t cap) {
  DOKUEI_RETURN_IF_ERROR(ValidateQuery(q));
  Sql s;
  for (const Condition& c : q.conditions) {
    if (c.attr != Attr::kModalitiesInStudy || Skippable(c)) continue;
    s.Add("SELECT COUNT(*) FROM (SELECT 1 FROM series ms WHERE ms.tenant_id = ").Bind(t.value);
    s.Add(" AND ");
    DOKUEI_RETURN_IF_ERROR(AppendText(&s, "ms.modality", ModalityCondition(c), d, false));
    s.Add(" LIMIT ").Bind(cap).Add(") probe");
    break;
  }
  return s;
}

void AppendIdList(Sql* sql, std::span<const int64_t> ids) {
  sql->Add(" IN (");
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) sql->Add(", ");
    sql->Bind(ids[i]);
  }
  sql->Add(")");
}

}  // namespace dokuei::index
