#include "config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "dokuei/base/random.h"

namespace dokuei::server {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& o : ServeOptions()) unsetenv(o.env.c_str());
    unsetenv("DOKUEI_PEERS");
    unsetenv("DOKUEI_TOKENS");
    unsetenv("DOKUEI_TENANTS");
    dir_ = std::filesystem::temp_directory_path() / ("dokuei-cfg-" + base::RandomHex(4));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string WriteToml(const std::string& text) {
    std::string p = (dir_ / "c.toml").string();
    std::ofstream(p) << text;
    return p;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigTest, DefaultsWorkWithoutAFile) {
  bool help;
  auto c = LoadConfig({}, &help);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->http_listen, "127.0.0.1:8042");
  EXPECT_EQ(c->dicom_listen, "127.0.0.1:4242");
  EXPECT_EQ(c->sqlite_path, "./var/index.sqlite");
  EXPECT_EQ(c->index_backend, "sqlite");
}

TEST_F(ConfigTest, FlagBeatsEnvironmentBeatsFile) {
  std::string file = WriteToml(R"(
data_dir = "/from-file"
[dicom]
ae_title = "FILE_AE"
max_pdu = 65536
[http]
listen = "127.0.0.1:1111"
[[tenants]]
code = "a"
name = "A病院"
[[dicom.peers]]
ae_title = "CT1"
tenant = "a"
port = 104
allow = ["store", "find"]
[[http.tokens]]
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
tenant = "a"
)");
  setenv("DOKUEI_AE_TITLE", "ENV_AE", 1);
  setenv("DOKUEI_HTTP", "127.0.0.1:2222", 1);
  bool help;
  auto c = LoadConfig({"--config", file, "--http", "127.0.0.1:3333"}, &help);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data_dir, "/from-file");
  EXPECT_EQ(c->ae_title, "ENV_AE");
  EXPECT_EQ(c->http_listen, "127.0.0.1:3333");
  EXPECT_EQ(c->max_pdu, 65536u);
  ASSERT_EQ(c->tenants.size(), 1u);
  EXPECT_EQ(c->tenants[0].name, "A病院");
  ASSERT_EQ(c->peers.size(), 1u);
  EXPECT_EQ(c->peers[0].port, 104);
  EXPECT_EQ(c->peers[0].allow, (std::vector<std::string>{"store", "find"}));
  ASSERT_EQ(c->tokens.size(), 1u);
  unsetenv("DOKUEI_AE_TITLE");
  unsetenv("DOKUEI_HTTP");
}

TEST_F(ConfigTest, ListsFromEnvironment) {
  setenv("DOKUEI_PEERS", "CT1=a@127.0.0.1:104;MR1=b", 1);
  bool help;
  auto c = LoadConfig({}, &help);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->peers.size(), 2u);
  EXPECT_EQ(c->peers[0].port, 104);
  EXPECT_EQ(c->peers[1].tenant, "b");
  unsetenv("DOKUEI_PEERS");
}

TEST_F(ConfigTest, ErrorsNameTheOption) {
  bool help;
  auto c = LoadConfig({"--max-pdu", "12"}, &help);
  EXPECT_EQ(c.status().field(), "dicom.max_pdu");
  c = LoadConfig({"--no-such-flag"}, &help);
  EXPECT_EQ(c.status().code(), base::Code::kInvalidArgument);
  c = LoadConfig({"--config", WriteToml("[dicom\nbroken")}, &help);
  EXPECT_EQ(c.status().field(), "config");
  c = LoadConfig({"--index", "postgres"}, &help);
  EXPECT_EQ(c.status().field(), "index.postgres");
}

TEST_F(ConfigTest, HelpDocumentsEveryOptionInBothLanguages) {
  std::string ja = ServeHelp("ja"), en = ServeHelp("en");
  for (const auto& o : ServeOptions()) {
    EXPECT_NE(ja.find(o.flag), std::string::npos) << o.flag;
    EXPECT_NE(ja.find(o.env), std::string::npos) << o.env;
    EXPECT_NE(en.find(o.help_en), std::string::npos) << o.key;
    EXPECT_NE(ja.find(o.help_ja), std::string::npos) << o.key;
  }
  bool help;
  ASSERT_TRUE(LoadConfig({"--help"}, &help).ok());
  EXPECT_TRUE(help);
}

TEST_F(ConfigTest, LoopbackDetection) {
  EXPECT_TRUE(IsLoopback("127.0.0.1"));
  EXPECT_TRUE(IsLoopback("127.1.2.3"));
  EXPECT_TRUE(IsLoopback("::1"));
  EXPECT_TRUE(IsLoopback("localhost"));
  EXPECT_FALSE(IsLoopback("0.0.0.0"));
  EXPECT_FALSE(IsLoopback("192.168.1.5"));
  EXPECT_FALSE(IsLoopback("::"));
}

}  // namespace
}  // namespace dokuei::server
