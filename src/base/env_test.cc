#include "dokuei/base/env.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "dokuei/base/random.h"
#include "dokuei/testing/mem_env.h"

namespace dokuei::base {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(PosixEnvTest, WriteSyncRenameRead) {
  auto dir = std::filesystem::temp_directory_path() / ("dokuei-env-" + RandomHex(6));
  Env& env = PosixEnv();
  ASSERT_TRUE(CreateDirs(env, (dir / "a" / "b").string()).ok());
  std::string p = (dir / "a" / "b" / "f").string();
  ASSERT_TRUE(WriteFileAtomically(env, p, "hello").ok());
  auto content = ReadFileToString(env, p);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "hello");
  EXPECT_EQ(*env.FileSize(p), 5u);
  EXPECT_EQ(env.OpenForRead((dir / "missing").string()).status().code(), Code::kNotFound);
  std::filesystem::remove_all(dir);
}

TEST(MemEnvTest, CrashDropsUnsyncedDataAndUnsyncedRenames) {
  testing::MemEnv env;
  ASSERT_TRUE(env.CreateDir("/d").ok());
  ASSERT_TRUE(env.SyncDir("/").ok());
  {
    auto f = env.NewWritableFile("/d/a.tmp");
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(Bytes("durable")).ok());
    ASSERT_TRUE((*f)->Sync().ok());
    ASSERT_TRUE((*f)->Append(Bytes("-lost")).ok());
  }
  ASSERT_TRUE(env.Rename("/d/a.tmp", "/d/a").ok());
  env.SimulateCrash();  // rename not made durable by SyncDir: the file is gone
  EXPECT_FALSE(env.FileExists("/d/a"));
  EXPECT_FALSE(env.FileExists("/d/a.tmp"));

  {
    auto f = env.NewWritableFile("/d/b.tmp");
    ASSERT_TRUE((*f)->Append(Bytes("durable")).ok());
    ASSERT_TRUE((*f)->Sync().ok());
    ASSERT_TRUE((*f)->Append(Bytes("-lost")).ok());
  }
  ASSERT_TRUE(env.Rename("/d/b.tmp", "/d/b").ok());
  ASSERT_TRUE(env.SyncDir("/d").ok());
  env.SimulateCrash();
  auto content = ReadFileToString(env, "/d/b");
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "durable");
}

TEST(FaultEnvTest, FailsTheNthMutatingOperation) {
  testing::MemEnv mem;
  testing::FaultEnv env(mem);
  env.FailOperation(2, Code::kResourceExhausted);  // 1: open, 2: append
  auto f = env.NewWritableFile("/x");
  ASSERT_TRUE(f.ok());
  Status st = (*f)->Append(Bytes("abc"));
  EXPECT_EQ(st.code(), Code::kResourceExhausted);
  EXPECT_TRUE((*f)->Append(Bytes("abc")).ok());  // only the N-th fails
  EXPECT_EQ(env.operations(), 3);
}

}  // namespace
}  // namespace dokuei::base
