#include "dokuei/identity/passwords.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <semaphore>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "dokuei/base/random.h"
#include "msg.h"
#include "sodium_init.h"
#include "util.h"

namespace dokuei::identity {
namespace internal {
extern const char* const kCommonPasswordList[];
extern const size_t kCommonPasswordListSize;
}  // namespace internal

namespace {

using internal::CodePoints;

const std::unordered_set<std::string_view>& CommonSet() {
  static const auto* set = [] {
    auto* s = new std::unordered_set<std::string_view>();
    s->reserve(internal::kCommonPasswordListSize);
    for (size_t i = 0; i < internal::kCommonPasswordListSize; ++i)
      s->insert(internal::kCommonPasswordList[i]);
    return s;
  }();
  return *set;
}

// Lower-cases ASCII and maps full-width ASCII (U+FF01..U+FF5E, typed with a Japanese IME) to
// ASCII, for comparisons only (the password itself is hashed as typed).
std::string Fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0xEF && i + 2 < s.size()) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      const auto c2 = static_cast<unsigned char>(s[i + 2]);
      const uint32_t cp = ((c & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (c2 & 0x3F);
      if (cp >= 0xFF01 && cp <= 0xFF5E) {
        char a = static_cast<char>(cp - 0xFEE0);
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        out.push_back(a);
        i += 2;
        continue;
      }
    }
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c));
  }
  return out;
}

bool IsDecoration(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x80 && !(u >= 'a' && u <= 'z') && !(u >= 'A' && u <= 'Z');
}

// Without leading and trailing digits, symbols and spaces ("!!Sakura2024" -> "sakura").
std::string_view Core(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsDecoration(s[b])) ++b;
  while (e > b && IsDecoration(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string Unleet(std::string_view s, char one) {
  static constexpr std::string_view kFrom = "@40$57+!3", kTo = "aaossttie";
  std::string out(s);
  for (char& c : out) {
    if (c == '1') {
      c = one;
    } else if (const size_t k = kFrom.find(c); k != std::string_view::npos) {
      c = kTo[k];
    }
  }
  return out;
}

bool IsCommonFolded(std::string_view folded) {
  const auto& set = CommonSet();
  const std::string_view core = Core(folded);
  const std::string candidates[] = {std::string(folded), std::string(core),   Unleet(core, 'i'),
                                    Unleet(core, 'l'),   Unleet(folded, 'i'), Unleet(folded, 'l')};
  for (const std::string& c : candidates) {
    if (CodePoints(c) >= 4 && set.count(c)) return true;
  }
  return false;
}

std::vector<uint32_t> CodePointsOf(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n && i + k < s.size(); ++k)
      v = (v << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(v);
    i += n;
  }
  return out;
}

// Key positions on US and JIS keyboards (row, column).
bool KeyboardAdjacent(uint32_t a, uint32_t b) {
  static constexpr std::array<std::string_view, 7> kRows = {
      "1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./",
      "1234567890-^", "qwertyuiop@[", "asdfghjkl;:]"};
  static constexpr int kRowIndex[] = {0, 1, 2, 3, 0, 1, 2};
  if (a > 0x7F || b > 0x7F) return false;
  for (size_t ra = 0; ra < kRows.size(); ++ra) {
    const size_t ca = kRows[ra].find(static_cast<char>(a));
    if (ca == std::string_view::npos) continue;
    for (size_t rb = 0; rb < kRows.size(); ++rb) {
      if ((ra < 4) != (rb < 4)) continue;  // same layout
      const size_t cb = kRows[rb].find(static_cast<char>(b));
      if (cb == std::string_view::npos) continue;
      const int dr = kRowIndex[ra] - kRowIndex[rb];
      const int dc = static_cast<int>(ca) - static_cast<int>(cb);
      if (dr >= -1 && dr <= 1 && dc >= -1 && dc <= 1 && (dr != 0 || dc != 0)) return true;
    }
  }
  return false;
}

bool LowVariety(std::string_view folded) {
  const std::vector<uint32_t> cps = CodePointsOf(folded);
  const size_t n = cps.size();
  if (n < 2) return true;
  std::vector<uint32_t> distinct = cps;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.size() < 5) return true;
  // A short pattern repeated ("abcdeabcdeabcde").
  for (size_t p = 1; p <= n / 2; ++p) {
    bool periodic = true;
    for (size_t i = p; i < n && periodic; ++i) periodic = cps[i] == cps[i - p];
    if (periodic) return true;
  }
  // Mostly repeats, alphabetical/numerical runs and keyboard walks.
  size_t predictable = 0;
  for (size_t i = 1; i < n; ++i) {
    const uint32_t a = cps[i - 1], b = cps[i];
    const int64_t d = static_cast<int64_t>(a) - static_cast<int64_t>(b);
    if (d >= -1 && d <= 1) {
      ++predictable;
    } else if (KeyboardAdjacent(a, b)) {
      ++predictable;
    }
  }
  return predictable * 4 >= (n - 1) * 3;
}

}  // namespace

std::optional<PasswordProblem> CheckPassword(std::string_view password,
                                             const PasswordContext& context) {
  if (password.size() > kMaxPasswordChars * 4) return PasswordProblem::kTooLong;
  if (!internal::IsCleanText(password, kMaxPasswordChars * 4, false))
    return PasswordProblem::kInvalidText;
  const size_t n = CodePoints(password);
  if (n > kMaxPasswordChars) return PasswordProblem::kTooLong;
  if (context.two_factor ? n < kMinPasswordCharsWithTwoFactor : n < kMinPasswordChars)
    return context.two_factor ? PasswordProblem::kTooShortWith2fa : PasswordProblem::kTooShort;
  const std::string folded = Fold(password);
  const std::string login = Fold(context.login);
  if (!login.empty()) {
    if (folded == login || (CodePoints(login) >= 4 && folded.find(login) != std::string::npos))
      return PasswordProblem::kContainsLogin;
    const size_t at = login.find('@');
    if (at != std::string::npos && at >= 4 && folded.find(login.substr(0, at)) != std::string::npos)
      return PasswordProblem::kContainsLogin;
  }
  if (IsCommonFolded(folded)) return PasswordProblem::kCommon;
  if (LowVariety(folded)) return PasswordProblem::kLowVariety;
  return std::nullopt;
}

base::Status PasswordProblemStatus(PasswordProblem problem) {
  const Message* m = &msg::kPasswordTooShort;
  switch (problem) {
    case PasswordProblem::kTooShort:
      m = &msg::kPasswordTooShort;
      break;
    case PasswordProblem::kTooShortWith2fa:
      m = &msg::kPasswordTooShortWith2fa;
      break;
    case PasswordProblem::kTooLong:
      m = &msg::kPasswordTooLong;
      break;
    case PasswordProblem::kInvalidText:
      m = &msg::kPasswordInvalidText;
      break;
    case PasswordProblem::kCommon:
      m = &msg::kPasswordCommon;
      break;
    case PasswordProblem::kContainsLogin:
      m = &msg::kPasswordContainsLogin;
      break;
    case PasswordProblem::kLowVariety:
      m = &msg::kPasswordLowVariety;
      break;
  }
  return msg::Invalid(*m, "password");
}

bool IsCommonPassword(std::string_view password) { return IsCommonFolded(Fold(password)); }

size_t CommonPasswordCount() { return CommonSet().size(); }

std::string GeneratePassword() {
  static constexpr std::string_view kAlphabet =
      "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  while (true) {
    std::string out;
    while (out.size() < 20) {
      uint8_t b[32];
      base::RandomBytes(b, sizeof b);
      for (uint8_t v : b) {
        // Rejection sampling keeps every character equally likely.
        if (v < (256 / kAlphabet.size()) * kAlphabet.size() && out.size() < 20)
          out.push_back(kAlphabet[v % kAlphabet.size()]);
      }
    }
    if (!CheckPassword(out, {})) return out;
  }
}

PasswordHashParams PasswordHashParams::ForTests() {
  PasswordHashParams p;
  p.opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
  p.memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
  return p;
}

struct PasswordHasher::Gate {
  explicit Gate(int n) : sem(std::max(1, n)) {}
  std::counting_semaphore<1024> sem;
};

namespace {
class GateHold {
 public:
  explicit GateHold(std::counting_semaphore<1024>& s) : s_(s) { s_.acquire(); }
  ~GateHold() { s_.release(); }

 private:
  std::counting_semaphore<1024>& s_;
};
}  // namespace

PasswordHasher::PasswordHasher(PasswordHashParams params)
    : params_(params), gate_(std::make_unique<Gate>(std::min(params.max_concurrent, 1024))) {
  internal::EnsureSodium();
  auto dummy = Hash(internal::RandomToken(24));
  if (dummy.ok()) dummy_hash_ = std::move(dummy).value();
}

PasswordHasher::~PasswordHasher() = default;

base::Result<std::string> PasswordHasher::Hash(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  GateHold hold(gate_->sem);
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params_.opslimit,
                            params_.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return base::ResourceExhausted("identity: out of memory for password hashing");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(std::string_view hash, std::string_view password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) {
    VerifyDummy(password);
    return false;
  }
  const std::string h(hash);  // NUL-terminated
  GateHold hold(gate_->sem);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

void PasswordHasher::VerifyDummy(std::string_view password) {
  if (dummy_hash_.empty()) return;
  GateHold hold(gate_->sem);
  (void)crypto_pwhash_str_verify(dummy_hash_.c_str(), password.data(), password.size());
}

bool PasswordHasher::NeedsRehash(std::string_view hash) const {
  const std::string h(hash);
  return crypto_pwhash_str_needs_rehash(h.c_str(), params_.opslimit, params_.memlimit) != 0;
}

}  // namespace dokuei::identity
