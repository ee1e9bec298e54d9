#include "dokuei/identity/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <cstdio>

#include "dokuei/base/digest.h"
#include "dokuei/base/random.h"
#include "dokuei/base/strings.h"
#include "sodium_init.h"
#include "util.h"

namespace dokuei::identity {
namespace {

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

std::string Base32Encode(std::span<const uint8_t> bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32[(buffer << (5 - bits)) & 31]);
  return out;
}

base::Result<std::string> Base32Decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    if (ch == ' ' || ch == '=' || ch == '-') continue;
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    const size_t v = kBase32.find(ch);
    if (v == std::string_view::npos) return base::InvalidArgument("not base32", "secret");
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::string HotpCode(std::span<const uint8_t> secret, uint64_t counter, int digits) {
  uint8_t msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<uint8_t>(counter & 0xFF);
    counter >>= 8;
  }
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), msg, sizeof msg, mac,
           &mac_len) == nullptr ||
      mac_len < 20) {
    return std::string();  // never matches a code
  }
  // RFC 4226 5.3 dynamic truncation.
  const int offset = mac[mac_len - 1] & 0x0F;
  const uint32_t bin = (static_cast<uint32_t>(mac[offset] & 0x7F) << 24) |
                       (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                       (static_cast<uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string code = std::to_string(bin % mod);
  if (code.size() < static_cast<size_t>(digits)) code.insert(0, digits - code.size(), '0');
  return code;
}

int64_t TotpStep(base::Timestamp t) {
  const int64_t seconds = base::ToUnixMicros(t) / 1'000'000;
  return seconds >= 0 ? seconds / kTotpPeriodSeconds
                      : (seconds - kTotpPeriodSeconds + 1) / kTotpPeriodSeconds;
}

std::string TotpUri(std::string_view issuer, std::string_view login, std::string_view secret_b32) {
  return "otpauth://totp/" + PercentEncode(issuer) + ":" + PercentEncode(login) +
         "?secret=" + std::string(secret_b32) + "&issuer=" + PercentEncode(issuer) +
         "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpPeriodSeconds);
}

SecretKey SecretKey::Generate() {
  SecretKey k;
  base::RandomBytes(k.key_.data(), k.key_.size());
  return k;
}

base::Result<SecretKey> SecretKey::FromHex(std::string_view hex) {
  hex = base::Trim(hex);
  SecretKey k;
  size_t len = 0;
  if (hex.size() != 64 ||
      sodium_hex2bin(k.key_.data(), k.key_.size(), hex.data(), hex.size(), nullptr, &len,
                     nullptr) != 0 ||
      len != k.key_.size()) {
    return base::InvalidArgument("identity key: expected 64 hexadecimal characters", "key");
  }
  return k;
}

std::string SecretKey::ToHex() const {
  return base::HexEncode(std::string_view(reinterpret_cast<const char*>(key_.data()), key_.size()));
}

std::string SecretKey::Id() const {
  return base::Sha256Hex(std::string_view(reinterpret_cast<const char*>(key_.data()), key_.size()))
      .substr(0, 8);
}

std::string SecretKey::Seal(std::string_view plaintext, std::string_view context) const {
  internal::EnsureSodium();
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string buf(kNonce + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(buf.data());
  base::RandomBytes(nonce, kNonce);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + kNonce, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(context.data()), context.size(),
      nullptr, nonce, key_.data());
  buf.resize(kNonce + clen);
  return "v1:" + Id() + ":" + internal::Base64(buf);
}

base::Result<std::string> SecretKey::Open(std::string_view sealed, std::string_view context) const {
  internal::EnsureSodium();
  const auto parts = base::Split(sealed, ':');
  if (parts.size() != 3 || parts[0] != "v1")
    return base::DataLoss("identity: sealed secret has an unknown format");
  if (parts[1] != Id()) {
    return base::DataLoss("identity: secret sealed with another identity key (key id " +
                          std::string(parts[1]) + ", this key " + Id() + ")");
  }
  const auto raw = internal::FromBase64(parts[2]);
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  if (!raw || raw->size() < kNonce + crypto_aead_xchacha20poly1305_ietf_ABYTES)
    return base::DataLoss("identity: sealed secret is truncated");
  std::string out(raw->size() - kNonce - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long mlen = 0;
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw->data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr, nonce + kNonce,
          raw->size() - kNonce, reinterpret_cast<const unsigned char*>(context.data()),
          context.size(), nonce, key_.data()) != 0) {
    return base::DataLoss("identity: sealed secret failed authentication");
  }
  out.resize(mlen);
  return out;
}

}  // namespace dokuei::identity
