// MakeServerTlsContext / MakeClientTlsContext: errors that name the file at fault, and a context
// that loads. (The protocol floor itself is scanned in tests/tls with sslscan.)
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "dokuei/base/random.h"
#include "dokuei/http/tls.h"

namespace dokuei::http {
namespace {

int Sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path().string() + "/dokuei-tls-ctx-" + base::RandomHex(6);
    std::filesystem::create_directories(dir_);
    for (const char* name : {"a", "b"}) {
      ASSERT_EQ(Sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                   "-days 1 -subj /CN=localhost -keyout " +
                   dir_ + "/" + name + ".key -out " + dir_ + "/" + name + ".pem"),
                0);
    }
    ASSERT_EQ(Sh("openssl pkey -in " + dir_ + "/a.key -aes256 -passout pass:secret -out " + dir_ +
                 "/a.enc.key"),
              0);
    ASSERT_EQ(Sh("openssl req -x509 -newkey rsa:1024 -nodes -days 1 -subj /CN=weak -keyout " +
                 dir_ + "/weak.key -out " + dir_ + "/weak.pem"),
              0);
    std::ofstream(dir_ + "/garbage.pem") << "not a certificate\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string P(const std::string& name) { return dir_ + "/" + name; }

  std::string dir_;
};

TEST_F(TlsContextTest, LoadsAMatchingPairWithThePolicy) {
  auto ctx = MakeServerTlsContext(P("a.pem"), P("a.key"));
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  SSL_CTX* native = (*ctx)->native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  EXPECT_TRUE(SSL_CTX_get_options(native) & SSL_OP_NO_RENEGOTIATION);
  EXPECT_TRUE(SSL_CTX_get_options(native) & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(SSL_CTX_get_options(native) & SSL_OP_CIPHER_SERVER_PREFERENCE);
  EXPECT_EQ(SSL_CTX_get_num_tickets(native), 0u);
  EXPECT_EQ(SSL_CTX_get_session_cache_mode(native), SSL_SESS_CACHE_OFF);
}

TEST_F(TlsContextTest, MissingOrUnreadableFilesAreNamed) {
  auto no_cert = MakeServerTlsContext(P("missing.pem"), P("a.key"));
  ASSERT_FALSE(no_cert.ok());
  EXPECT_EQ(no_cert.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(no_cert.status().field(), "tls_cert");
  EXPECT_NE(no_cert.status().message().find(P("missing.pem")), std::string::npos);
  EXPECT_NE(no_cert.status().message().find("No such file or directory"), std::string::npos)
      << no_cert.status().message();

  auto no_key = MakeServerTlsContext(P("a.pem"), P("missing.key"));
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.status().field(), "tls_key");
  EXPECT_NE(no_key.status().message().find(P("missing.key")), std::string::npos);
  EXPECT_NE(no_key.status().message().find("No such file or directory"), std::string::npos);

  auto empty = MakeServerTlsContext("", P("a.key"));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().field(), "tls_cert");
}

TEST_F(TlsContextTest, NotPemIsNamed) {
  auto garbage = MakeServerTlsContext(P("garbage.pem"), P("a.key"));
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.status().message().find(P("garbage.pem")), std::string::npos);
  EXPECT_NE(garbage.status().message().find("is not a PEM certificate"), std::string::npos)
      << garbage.status().message();
  auto key_is_cert = MakeServerTlsContext(P("a.pem"), P("a.pem"));
  ASSERT_FALSE(key_is_cert.ok());
  EXPECT_EQ(key_is_cert.status().field(), "tls_key");
}

TEST_F(TlsContextTest, MismatchedKeyIsNamed) {
  auto st = MakeServerTlsContext(P("a.pem"), P("b.key"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.status().field(), "tls_key");
  EXPECT_NE(st.status().message().find("does not belong to the certificate in '" + P("a.pem")),
            std::string::npos)
      << st.status().message();
}

TEST_F(TlsContextTest, PasswordProtectedKeyIsRefusedWithoutPrompting) {
  auto st = MakeServerTlsContext(P("a.pem"), P("a.enc.key"));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find(P("a.enc.key")), std::string::npos);
  EXPECT_NE(st.status().message().find("password-protected"), std::string::npos)
      << st.status().message();
}

TEST_F(TlsContextTest, WeakKeyIsRefused) {
  auto st = MakeServerTlsContext(P("weak.pem"), P("weak.key"));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find(P("weak.pem")), std::string::npos);
  EXPECT_NE(st.status().message().find("too small"), std::string::npos) << st.status().message();
}

TEST_F(TlsContextTest, ClientContextNeedsItsCa) {
  EXPECT_TRUE(MakeClientTlsContext(P("a.pem")).ok());
  auto missing = MakeClientTlsContext(P("missing.pem"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(P("missing.pem")), std::string::npos);
  EXPECT_FALSE(MakeClientTlsContext("").ok());
  EXPECT_TRUE(MakeClientTlsContext(P("a.pem"), P("b.pem"), P("b.key")).ok());
  EXPECT_FALSE(MakeClientTlsContext(P("a.pem"), P("b.pem"), P("a.key")).ok());
}

}  // namespace
}  // namespace dokuei::http
