// Names, labels and small methods of the workflow records.
#include <algorithm>
#include <array>

#include "dokuei/base/strings.h"
#include "dokuei/workflow/records.h"

namespace dokuei::workflow {
namespace {

template <typename E>
struct Named {
  E value;
  std::string_view name, ja, en;
};

constexpr std::array<Named<State>, kStateCount> kStates = {{
    {State::kReceived, "received", "受付", "Received"},
    {State::kReady, "ready", "読影待ち", "Ready"},
    {State::kAssigned, "assigned", "割当済み", "Assigned"},
    {State::kReading, "reading", "読影中", "Reading"},
    {State::kSecondRead, "second_read", "二次読影中", "Second read"},
    {State::kCheck, "check", "校閲中", "Report check"},
    {State::kFinal, "final", "確定", "Final"},
    {State::kDelivered, "delivered", "返送済み", "Delivered"},
    {State::kOnHold, "on_hold", "保留", "On hold"},
    {State::kCancelled, "cancelled", "取消", "Cancelled"},
    {State::kAddendum, "addendum", "追記中", "Addendum"},
}};

constexpr std::array<Named<Priority>, 3> kPriorities = {{
    {Priority::kStat, "stat", "緊急", "STAT"},
    {Priority::kSameDay, "same_day", "当日", "Same day"},
    {Priority::kRoutine, "routine", "通常", "Routine"},
}};

template <typename E, size_t N>
std::string_view NameOf(const std::array<Named<E>, N>& table, E v) {
  for (const auto& e : table)
    if (e.value == v) return e.name;
  return {};
}

template <typename E, size_t N>
std::optional<E> FromName(const std::array<Named<E>, N>& table, std::string_view name) {
  for (const auto& e : table)
    if (e.name == name) return e.value;
  return std::nullopt;
}

template <typename E, size_t N>
std::string_view LabelOf(const std::array<Named<E>, N>& table, E v, std::string_view lang) {
  for (const auto& e : table)
    if (e.value == v) return lang == "en" ? e.en : e.ja;
  return {};
}

constexpr std::array<Named<Region>, 5> kRegions = {{
    {Region::kUnspecified, "", "未指定", "Unspecified"},
    {Region::kCervical, "cervical", "頸椎", "Cervical"},
    {Region::kThoracic, "thoracic", "胸椎", "Thoracic"},
    {Region::kLumbar, "lumbar", "腰椎", "Lumbar"},
    {Region::kWholeSpine, "whole_spine", "全脊椎", "Whole spine"},
}};

constexpr std::array<Named<Modality>, 4> kModalities = {{
    {Modality::kOther, "other", "その他", "Other"},
    {Modality::kXray, "xray", "単純X線", "X-ray"},
    {Modality::kCt, "ct", "CT", "CT"},
    {Modality::kMr, "mr", "MRI", "MRI"},
}};

constexpr std::array<Named<Side>, 4> kSides = {{
    {Side::kNone, "", "指定なし", "Not specified"},
    {Side::kLeft, "left", "左", "Left"},
    {Side::kRight, "right", "右", "Right"},
    {Side::kBoth, "both", "両側", "Both"},
}};

constexpr std::array<Named<EscalationKind>, 4> kEscalations = {{
    {EscalationKind::kRerouted, "rerouted", "再割当", "Re-routed"},
    {EscalationKind::kAtRisk, "at_risk", "SLA 超過の恐れ", "SLA at risk"},
    {EscalationKind::kNoReader, "no_reader", "担当可能な読影医なし", "No eligible reader"},
    {EscalationKind::kBreached, "breached", "SLA 超過", "SLA breached"},
}};

}  // namespace

std::string_view StateName(State s) { return NameOf(kStates, s); }
std::optional<State> StateFromName(std::string_view n) { return FromName(kStates, n); }
std::string_view StateLabel(State s, std::string_view lang) { return LabelOf(kStates, s, lang); }
bool IsTerminal(State s) { return s == State::kCancelled; }

std::string_view PriorityName(Priority p) { return NameOf(kPriorities, p); }
std::optional<Priority> PriorityFromName(std::string_view n) { return FromName(kPriorities, n); }
std::string_view PriorityLabel(Priority p, std::string_view lang) {
  return LabelOf(kPriorities, p, lang);
}

std::string_view RegionName(Region r) { return NameOf(kRegions, r); }
std::optional<Region> RegionFromName(std::string_view n) { return FromName(kRegions, n); }
std::string_view RegionLabel(Region r, std::string_view lang) { return LabelOf(kRegions, r, lang); }

std::string_view ModalityName(Modality m) { return NameOf(kModalities, m); }
std::optional<Modality> ModalityFromName(std::string_view n) { return FromName(kModalities, n); }
std::string_view ModalityLabel(Modality m, std::string_view lang) {
  return LabelOf(kModalities, m, lang);
}
Modality ModalityFromDicom(std::string_view m) {
  const std::string u = base::ToUpperAscii(base::Trim(m));
  if (u == "CR" || u == "DX" || u == "RF" || u == "XA") return Modality::kXray;
  if (u == "CT") return Modality::kCt;
  if (u == "MR") return Modality::kMr;
  return Modality::kOther;
}

std::string_view SideName(Side s) { return NameOf(kSides, s); }
std::optional<Side> SideFromName(std::string_view n) { return FromName(kSides, n); }
std::string_view SideLabel(Side s, std::string_view lang) { return LabelOf(kSides, s, lang); }

std::string_view EscalationKindName(EscalationKind k) { return NameOf(kEscalations, k); }
std::optional<EscalationKind> EscalationKindFromName(std::string_view n) {
  return FromName(kEscalations, n);
}
std::string_view EscalationKindLabel(EscalationKind k, std::string_view lang) {
  return LabelOf(kEscalations, k, lang);
}

bool Actor::Has(identity::Role r) const {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

Actor Actor::System() {
  Actor a;
  a.system = true;
  a.tenant_kind = identity::TenantKind::kReadingCentre;
  a.subject = "system:workflow";
  a.protocol = "system";
  return a;
}

Actor ActorFrom(const identity::Principal& p, std::string source_address) {
  Actor a;
  a.tenant_id = p.tenant_id;
  a.tenant_kind = p.tenant_kind;
  a.user_id = p.user_id;
  a.subject = p.subject;
  a.roles = p.roles;
  a.source_address = std::move(source_address);
  return a;
}

int64_t ReadingRequest::Holder() const {
  switch (state) {
    case State::kAssigned:
    case State::kReading:
    case State::kAddendum:
      return reader_id;
    case State::kSecondRead:
      return second_reader_id;
    case State::kCheck:
      return checker_id;
    default:
      return 0;
  }
}

int64_t Contract::PriceOf(Modality m) const {
  switch (m) {
    case Modality::kXray:
      return price_xray;
    case Modality::kCt:
      return price_ct;
    case Modality::kMr:
      return price_mr;
    case Modality::kOther:
      return price_other;
  }
  return price_other;
}

}  // namespace dokuei::workflow
