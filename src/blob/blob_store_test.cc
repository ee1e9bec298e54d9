#include "dokuei/blob/blob_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "dokuei/base/random.h"
#include "dokuei/testing/fake_clock.h"
#include "dokuei/testing/mem_env.h"

namespace dokuei::blob {
namespace {

using base::Code;

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

base::Result<BlobKey> Put(BlobStore& store, std::string_view content) {
  DOKUEI_ASSIGN_OR_RETURN(auto w, store.Create());
  DOKUEI_RETURN_IF_ERROR(w->Append(Bytes(content)));
  return w->Commit();
}

std::vector<BlobKey> AllKeys(BlobStore& store) {
  std::vector<BlobKey> keys;
  EXPECT_TRUE(store.ForEach([&](const BlobKey& k) {
                     keys.push_back(k);
                     return base::Status::Ok();
                   }).ok());
  return keys;
}

TEST(FsBlobStoreTest, CommitMakesDataDurableInOrder) {
  testing::MemEnv mem;
  testing::FaultEnv env(mem);
  testing::FakeClock clock;
  auto store = NewFsBlobStore(env, clock, "/data/blobs");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  env.ClearLog();
  auto key = Put(**store, "pixel bytes");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(IsWellFormedKey(*key)) << *key;

  // D3: data fsync -> rename -> directory fsync, and nothing after that the commit depends on.
  std::vector<std::string> ops;
  for (auto& op : env.log())
    if (op.rfind("sync ", 0) == 0 || op.rfind("rename ", 0) == 0 || op.rfind("syncdir ", 0) == 0)
      ops.push_back(op.substr(0, op.find(' ')));
  auto pos = [&](const std::string& what) {
    return std::find(ops.begin(), ops.end(), what) - ops.begin();
  };
  ASSERT_LT(pos("sync"), pos("rename"));
  ASSERT_LT(pos("rename"), static_cast<long>(ops.size()));
  EXPECT_EQ(ops.back(), "syncdir");
  EXPECT_LT(pos("rename"), static_cast<long>(ops.size()) - 1);

  mem.SimulateCrash();
  auto reopened = NewFsBlobStore(mem, clock, "/data/blobs");
  ASSERT_TRUE(reopened.ok());
  auto content = ReadAll(**reopened, *key);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_EQ(*content, "pixel bytes");
}

TEST(FsBlobStoreTest, UncommittedAndAbortedBlobsLeaveNothing) {
  testing::MemEnv env;
  testing::FakeClock clock;
  auto store = *NewFsBlobStore(env, clock, "/b");
  {
    auto w = *store->Create();
    ASSERT_TRUE(w->Append(Bytes("half")).ok());
    // destroyed without Commit
  }
  {
    auto w = *store->Create();
    ASSERT_TRUE(w->Append(Bytes("crashed")).ok());
    env.SimulateCrash();
  }
  auto reopened = *NewFsBlobStore(env, clock, "/b");
  ASSERT_TRUE(reopened->RemoveTemporaries().ok());
  EXPECT_TRUE(AllKeys(*reopened).empty());
  std::vector<std::string> tmp;
  ASSERT_TRUE(env.ListDir("/b/tmp", &tmp).ok());
  EXPECT_TRUE(tmp.empty());
}

// D4: fail every I/O operation of a commit in turn; a commit either succeeds and survives a
// crash, or fails and leaves no key behind.
TEST(FsBlobStoreTest, FailingAnyOperationGivesNoFalseSuccess) {
  for (int n = 1; n <= 8; ++n) {
    testing::MemEnv mem;
    testing::FaultEnv env(mem);
    testing::FakeClock clock;
    auto store = *NewFsBlobStore(env, clock, "/b");
    ASSERT_TRUE(Put(*store, "warm-up creates the day directory").ok());
    env.FailOperation(n, Code::kResourceExhausted);
    auto key = Put(*store, "payload");
    mem.SimulateCrash();
    auto reopened = *NewFsBlobStore(mem, clock, "/b");
    auto keys = AllKeys(*reopened);
    if (key.ok()) {
      auto content = ReadAll(*reopened, *key);
      ASSERT_TRUE(content.ok()) << "n=" << n;
      EXPECT_EQ(*content, "payload");
    } else {
      EXPECT_EQ(key.status().code(), Code::kResourceExhausted) << "n=" << n;
      EXPECT_EQ(keys.size(), 1u) << "n=" << n;  // only the warm-up blob
    }
  }
}

TEST(FsBlobStoreTest, ConcurrentCommitsShareDirectoryFsyncsAndAllSurvive) {
  testing::MemEnv mem;
  testing::FaultEnv env(mem);
  testing::FakeClock clock;
  auto store = *NewFsBlobStore(env, clock, "/b");
  constexpr int kThreads = 8, kPer = 25;
  std::vector<std::vector<BlobKey>> keys(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        auto k = Put(*store, "t" + std::to_string(t) + "-" + std::to_string(i));
        ASSERT_TRUE(k.ok());
        keys[t].push_back(*k);
      }
    });
  }
  for (auto& th : threads) th.join();
  int dir_syncs = 0;
  for (auto& op : env.log()) dir_syncs += op.rfind("syncdir /b/", 0) == 0;
  EXPECT_LE(dir_syncs, kThreads * kPer + 8);
  mem.SimulateCrash();
  auto reopened = *NewFsBlobStore(mem, clock, "/b");
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kPer; ++i)
      EXPECT_EQ(*ReadAll(*reopened, keys[t][i]), "t" + std::to_string(t) + "-" + std::to_string(i));
}

TEST(FsBlobStoreTest, DeferredDirectorySyncIsDurableOnlyAfterSyncKeys) {
  testing::MemEnv mem;
  testing::FakeClock clock;
  auto store = *NewFsBlobStore(mem, clock, "/b");
  ASSERT_TRUE(Put(*store, "warm-up creates the day directory").ok());
  auto write = [&](std::string_view content) {
    auto w = *store->Create();
    EXPECT_TRUE(w->Append(Bytes(content)).ok());
    return *w->CommitDeferringDirSync();
  };
  BlobKey lost = write("not yet durable");
  mem.SimulateCrash();
  auto reopened = *NewFsBlobStore(mem, clock, "/b");
  EXPECT_EQ(reopened->Open(lost).status().code(), Code::kNotFound);

  store = std::move(reopened);
  BlobKey a = write("a"), b = write("b");
  const BlobKey keys[] = {a, b};
  ASSERT_TRUE(store->SyncKeys(keys).ok());
  mem.SimulateCrash();
  auto after = *NewFsBlobStore(mem, clock, "/b");
  EXPECT_EQ(*ReadAll(*after, a), "a");
  EXPECT_EQ(*ReadAll(*after, b), "b");
  const BlobKey forged[] = {"../etc"};
  EXPECT_EQ(after->SyncKeys(forged).code(), Code::kInvalidArgument);
}

TEST(FsBlobStoreTest, RealFileSystemRoundTripAndForgedKeysRefused) {
  auto root = std::filesystem::temp_directory_path() / ("dokuei-blob-" + base::RandomHex(6));
  auto store = NewFsBlobStore(base::PosixEnv(), base::SystemClock(), root.string());
  ASSERT_TRUE(store.ok());
  auto key = Put(**store, std::string(3 << 20, 'x'));
  ASSERT_TRUE(key.ok());
  auto reader = (*store)->Open(*key);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->Size(), 3u << 20);
  EXPECT_GE((*reader)->NativeHandle(), 0);
  EXPECT_EQ((*store)->Open("../../etc/passwd").status().code(), Code::kInvalidArgument);
  EXPECT_EQ((*store)->Open("2026/11/25/" + std::string(32, 'g')).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ((*store)->Open("2026/11/25/" + std::string(32, 'a')).status().code(),
            Code::kNotFound);
  ASSERT_TRUE((*store)->Remove(*key).ok());
  EXPECT_TRUE(AllKeys(**store).empty());
  std::filesystem::remove_all(root);
}

TEST(MemBlobStoreTest, Basics) {
  auto store = NewMemBlobStore();
  auto key = Put(*store, "abc");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*ReadAll(*store, *key), "abc");
  EXPECT_EQ(AllKeys(*store).size(), 1u);
}

}  // namespace
}  // namespace dokuei::blob
