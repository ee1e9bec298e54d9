#include "canonical.h"

#include <array>

#include "dokuei/base/digest.h"

namespace dokuei::audit {
namespace {

constexpr std::string_view kTag = "DKAUDIT1";
constexpr size_t kShort = 64, kMedium = 256, kLong = 4096, kMaxStudies = 1000;

void PutInt(std::string& out, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((u >> shift) & 0xFF));
}

void PutStr(std::string& out, std::string_view s) {
  PutInt(out, static_cast<int64_t>(s.size()));
  out.append(s);
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid (overlong forms,
// surrogates and code points above U+10FFFF are invalid; so is NUL, which PostgreSQL refuses).
size_t ValidSequence(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c == 0) return 0;
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr std::array<uint32_t, 5> kMin = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Valid UTF-8 (invalid bytes and NUL -> U+FFFD), cut at a character boundary to max_bytes.
void Clean(std::string& s, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(s.size(), max_bytes));
  for (size_t i = 0; i < s.size();) {
    const size_t n = ValidSequence(s, i);
    const std::string_view piece = n ? std::string_view(s).substr(i, n) : "\xEF\xBF\xBD";
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    i += n ? n : 1;
  }
  s = std::move(out);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

bool IsHexHash(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (HexValue(c) < 0) return false;
  }
  return true;
}

base::Status Normalize(Event& e) {
  if (e.action.empty() || e.action.size() > kShort) {
    return base::InvalidArgument("audit action must be 1..64 characters", "action");
  }
  for (char c : e.action) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return base::InvalidArgument("audit action must match [a-z0-9._-]+", "action");
  }
  switch (e.outcome) {
    case Outcome::kSuccess:
    case Outcome::kMinorFailure:
    case Outcome::kSeriousFailure:
    case Outcome::kMajorFailure:
      break;
    default:
      return base::InvalidArgument("audit outcome must be 0, 4, 8 or 12", "outcome");
  }
  Clean(e.actor, kMedium);
  Clean(e.actor_roles, kMedium);
  Clean(e.source_address, kShort);
  Clean(e.protocol, kShort);
  Clean(e.patient_id, kMedium);
  Clean(e.object_detail, kLong);
  Clean(e.sop_class_uid, kShort);
  Clean(e.message, kLong);
  if (e.study_uids.size() > kMaxStudies) e.study_uids.resize(kMaxStudies);
  std::vector<std::string> studies;
  studies.reserve(e.study_uids.size());
  for (std::string& uid : e.study_uids) {
    Clean(uid, kShort);
    // '\' separates the UIDs in the stored column; a real UID never contains it.
    for (char& c : uid) {
      if (c == '\\') c = '_';
    }
    if (!uid.empty()) studies.push_back(std::move(uid));
  }
  e.study_uids = std::move(studies);
  return base::Status::Ok();
}

std::string CanonicalBytes(int64_t seq, int64_t time_us, const Event& e) {
  std::string out;
  out.reserve(256 + e.object_detail.size() + e.message.size() + 72 * e.study_uids.size());
  out.append(kTag);
  PutInt(out, seq);
  PutInt(out, time_us);
  PutStr(out, e.action);
  PutInt(out, static_cast<int64_t>(e.outcome));
  PutInt(out, e.tenant_id);
  PutStr(out, e.actor);
  PutInt(out, e.actor_user_id);
  PutInt(out, e.actor_tenant_id);
  PutStr(out, e.actor_roles);
  PutStr(out, e.source_address);
  PutStr(out, e.protocol);
  PutStr(out, e.patient_id);
  PutInt(out, static_cast<int64_t>(e.study_uids.size()));
  for (const std::string& uid : e.study_uids) PutStr(out, uid);
  PutInt(out, e.object_count);
  PutStr(out, e.object_detail);
  PutStr(out, e.sop_class_uid);
  PutStr(out, e.message);
  return out;
}

std::string ChainHash(std::string_view prev_hash_hex, int64_t seq, int64_t time_us,
                      const Event& event) {
  base::Sha256 sha;
  if (IsHexHash(prev_hash_hex)) {
    std::array<uint8_t, 32> raw{};
    for (size_t i = 0; i < raw.size(); ++i) {
      raw[i] = static_cast<uint8_t>(HexValue(prev_hash_hex[2 * i]) * 16 +
                                    HexValue(prev_hash_hex[2 * i + 1]));
    }
    sha.Update(std::span<const uint8_t>(raw));
  } else {
    // Not a hash we wrote: hash the text itself (such a record fails the link check anyway).
    sha.Update(prev_hash_hex);
  }
  sha.Update(CanonicalBytes(seq, time_us, event));
  return sha.FinishHex();
}

}  // namespace dokuei::audit
