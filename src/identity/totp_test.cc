// RFC 6238 / RFC 4226 / RFC 4648 test vectors, the enrolment URI and the secret key.
#include "dokuei/identity/totp.h"

#include <gtest/gtest.h>

namespace dokuei::identity {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// RFC 6238 Appendix B, SHA-1 rows (8 digits, the ASCII secret "12345678901234567890").
TEST(TotpTest, Rfc6238Sha1Vectors) {
  const std::string secret = "12345678901234567890";
  const struct {
    int64_t unix_seconds;
    const char* code;
  } kVectors[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
                  {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& v : kVectors) {
    const int64_t step = TotpStep(base::FromUnixMicros(v.unix_seconds * 1'000'000));
    EXPECT_EQ(HotpCode(Bytes(secret), static_cast<uint64_t>(step), 8), v.code) << v.unix_seconds;
  }
}

// RFC 4226 Appendix D (HOTP, 6 digits).
TEST(TotpTest, Rfc4226Vectors) {
  const char* kCodes[] = {"755224", "287082", "359152", "969429", "338314",
                          "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t i = 0; i < 10; ++i)
    EXPECT_EQ(HotpCode(Bytes("12345678901234567890"), i), kCodes[i]) << i;
}

TEST(TotpTest, StepsAreThirtySeconds) {
  EXPECT_EQ(TotpStep(base::FromUnixMicros(0)), 0);
  EXPECT_EQ(TotpStep(base::FromUnixMicros(29'999'999)), 0);
  EXPECT_EQ(TotpStep(base::FromUnixMicros(30'000'000)), 1);
}

TEST(TotpTest, Base32Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {{"", ""},
                                                          {"f", "MY"},
                                                          {"fo", "MZXQ"},
                                                          {"foo", "MZXW6"},
                                                          {"foob", "MZXW6YQ"},
                                                          {"fooba", "MZXW6YTB"},
                                                          {"foobar", "MZXW6YTBOI"}};
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base32Encode(Bytes(plain)), encoded);
    auto d = Base32Decode(encoded);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, plain);
  }
  EXPECT_EQ(*Base32Decode("mzxw 6ytb oi=="), "foobar");  // case, spaces and padding ignored
  EXPECT_FALSE(Base32Decode("MZ1W").ok());
}

TEST(TotpTest, UriForAuthenticatorApps) {
  EXPECT_EQ(TotpUri("Dokuei", "yamada@centre", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/Dokuei:yamada%40centre?secret=JBSWY3DPEHPK3PXP&issuer=Dokuei"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(SecretKeyTest, SealedSecretsOpenOnlyWithTheSameKeyAndContext) {
  const SecretKey key = SecretKey::Generate();
  const std::string sealed = key.Seal("raw secret", "totp:7");
  EXPECT_EQ(sealed.find("raw secret"), std::string::npos);
  EXPECT_EQ(sealed.substr(0, 3), "v1:");
  auto opened = key.Open(sealed, "totp:7");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "raw secret");
  // Bound to its owner: another user's row cannot take it.
  EXPECT_EQ(key.Open(sealed, "totp:8").status().code(), base::Code::kDataLoss);
  // Another key is recognised by its id.
  const SecretKey other = SecretKey::Generate();
  auto wrong = other.Open(sealed, "totp:7");
  EXPECT_EQ(wrong.status().code(), base::Code::kDataLoss);
  EXPECT_NE(wrong.status().message().find("another identity key"), std::string::npos);
  // Two seals of the same secret differ (random nonce).
  EXPECT_NE(key.Seal("raw secret", "totp:7"), sealed);
  // Tampering is detected.
  std::string tampered = sealed;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(key.Open(tampered, "totp:7").ok());
}

TEST(SecretKeyTest, HexRoundTrip) {
  const SecretKey key = SecretKey::Generate();
  auto again = SecretKey::FromHex(key.ToHex());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Id(), key.Id());
  EXPECT_EQ(key.ToHex().size(), 64u);
  EXPECT_FALSE(SecretKey::FromHex("abcd").ok());
  EXPECT_FALSE(SecretKey::FromHex(std::string(64, 'z')).ok());
}

}  // namespace
}  // namespace dokuei::identity
