// Stable names and ja/en labels of the report enums.
#include <array>

#include "dokuei/base/strings.h"
#include "dokuei/report/report.h"

namespace dokuei::report {
namespace {

template <typename E, size_t N>
std::optional<E> Lookup(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 4> kKinds = {"draft", "preliminary", "final", "addendum"};
constexpr std::array<std::string_view, 4> kKindsJa = {"下書き", "暫定報告", "確定報告", "追記"};
constexpr std::array<std::string_view, 4> kKindsEn = {"Draft", "Preliminary", "Final", "Addendum"};
constexpr std::array<std::string_view, 5> kReleases = {"unsigned", "awaiting_second_read",
                                                       "awaiting_check", "returned", "released"};
constexpr std::array<std::string_view, 5> kScores = {"1", "2a", "2b", "3a", "3b"};
constexpr std::array<std::string_view, 5> kScoresJa = {
    "一致", "解釈の相違 (見落としは理解可能・臨床的意義は低い)",
    "解釈の相違 (見落としは理解可能・臨床的意義あり)",
    "通常は指摘されるべき相違 (臨床的意義は低い)", "通常は指摘されるべき相違 (臨床的意義あり)"};
constexpr std::array<std::string_view, 5> kScoresEn = {
    "Concur", "Understandable miss, unlikely clinically significant",
    "Understandable miss, likely clinically significant",
    "Should be made most of the time, unlikely clinically significant",
    "Should be made most of the time, likely clinically significant"};
constexpr std::array<std::string_view, 2> kModes = {"independent", "review"};
constexpr std::array<std::string_view, 4> kResolutions = {"", "first_upheld", "amended",
                                                          "second_overruled"};
constexpr std::array<std::string_view, 3> kChannels = {"app", "email", "webhook"};
constexpr std::array<std::string_view, 3> kStatuses = {"pending", "sent", "failed"};

}  // namespace

std::string_view VersionKindName(VersionKind k) { return kKinds[static_cast<size_t>(k)]; }
std::optional<VersionKind> VersionKindFromName(std::string_view n) {
  return Lookup<VersionKind>(kKinds, n);
}
std::string_view VersionKindLabel(VersionKind k, std::string_view lang) {
  return (lang == "en" ? kKindsEn : kKindsJa)[static_cast<size_t>(k)];
}
std::string_view ReleaseName(Release r) { return kReleases[static_cast<size_t>(r)]; }
std::string_view RadpeerName(Radpeer s) { return kScores[static_cast<size_t>(s)]; }
std::optional<Radpeer> RadpeerFromName(std::string_view n) { return Lookup<Radpeer>(kScores, n); }
std::string_view RadpeerLabel(Radpeer s, std::string_view lang) {
  return (lang == "en" ? kScoresEn : kScoresJa)[static_cast<size_t>(s)];
}
std::string_view ReviewModeName(ReviewMode m) { return kModes[static_cast<size_t>(m)]; }
std::optional<ReviewMode> ReviewModeFromName(std::string_view n) {
  return Lookup<ReviewMode>(kModes, n);
}
std::string_view ResolutionName(Resolution r) { return kResolutions[static_cast<size_t>(r)]; }
std::optional<Resolution> ResolutionFromName(std::string_view n) {
  return Lookup<Resolution>(kResolutions, n);
}
std::optional<CriticalState> CriticalStateFromName(std::string_view n) {
  if (n == "open") return CriticalState::kOpen;
  if (n == "overdue") return CriticalState::kOverdue;
  if (n == "acknowledged") return CriticalState::kAcknowledged;
  if (n == "all") return CriticalState::kAny;
  return std::nullopt;
}
std::string_view ChannelName(Channel c) { return kChannels[static_cast<size_t>(c)]; }
std::string_view NotificationStatusName(NotificationStatus s) {
  return kStatuses[static_cast<size_t>(s)];
}

base::Result<std::array<base::Duration, 3>> ParseAckWindows(std::string_view text,
                                                            const char* field) {
  const auto bad = [&] {
    return base::InvalidArgument(
        "expected three durations such as 60m,24h,7d (s, m, h or d; 1 second to 30 days)", field);
  };
  std::array<base::Duration, 3> out{};
  size_t i = 0;
  for (std::string_view part : base::Split(text, ',')) {
    part = base::Trim(part);
    if (i >= 3 || part.size() < 2) return bad();
    const auto n = base::ParseUint(part.substr(0, part.size() - 1));
    if (!n || *n == 0) return bad();
    int64_t unit = 0;
    switch (part.back()) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        return bad();
    }
    if (*n > static_cast<uint64_t>(30 * 86400 / unit)) return bad();
    out[i++] = std::chrono::seconds(static_cast<int64_t>(*n) * unit);
  }
  if (i != 3) return bad();
  return out;
}

base::Duration AckWindow(CriticalCategory c) {
  switch (c) {
    case CriticalCategory::k1:
      return std::chrono::minutes(60);
    case CriticalCategory::k2:
      return std::chrono::hours(24);
    case CriticalCategory::k3:
      return std::chrono::hours(24 * 7);
  }
  return std::chrono::minutes(60);
}

std::string_view CriticalCategoryLabel(CriticalCategory c, std::string_view lang) {
  const bool en = lang == "en";
  switch (c) {
    case CriticalCategory::k1:
      return en ? "Category 1: immediate (acknowledge within 60 minutes)"
                : "カテゴリー1: 緊急 (60 分以内に確認してください)";
    case CriticalCategory::k2:
      return en ? "Category 2: urgent (acknowledge within 24 hours)"
                : "カテゴリー2: 準緊急 (24 時間以内に確認してください)";
    case CriticalCategory::k3:
      return en ? "Category 3: non-urgent (acknowledge within 7 days)"
                : "カテゴリー3: 要対応 (7 日以内に確認してください)";
  }
  return "";
}

}  // namespace dokuei::report
