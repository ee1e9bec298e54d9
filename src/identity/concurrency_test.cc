// Races that matter for security, on every backend (several servers share one PostgreSQL
// database): the same TOTP code or recovery code used at once succeeds once; the same login or
// AE title registered at once exists once; concurrent failures all count towards the lockout.
#include <atomic>
#include <thread>

#include "identity_test_util.h"

namespace dokuei::identity {
namespace {

using ConcurrencyTest = IdentityTest;
DOKUEI_IDENTITY_BACKENDS(ConcurrencyTest);

constexpr int kThreads = 4;

template <typename Fn>
void RunTogether(Fn fn) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      fn(i);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
}

TEST_P(ConcurrencyTest, ASecondFactorCodeIsAcceptedOnce) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const User u = MakeUser(rc, "reader", {Role::kReader});
  auto e = Id().two_factor().Begin(u.id);
  ASSERT_TRUE(e.ok());
  auto recovery = Id().two_factor().Confirm(u.id, Code(e->secret_base32));
  ASSERT_TRUE(recovery.ok());
  clock_.Advance(std::chrono::seconds(30));
  const std::string code = Code(e->secret_base32);
  std::atomic<int> ok{0}, refused{0}, other{0};
  RunTogether([&](int) {
    auto r = Id().two_factor().Verify(u.id, code);
    (r.ok() ? ok : r.status().code() == base::Code::kUnauthenticated ? refused : other)++;
  });
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  ok = 0;
  RunTogether([&](int) {
    if (Id().two_factor().Verify(u.id, (*recovery)[0]).ok()) ++ok;
  });
  EXPECT_EQ(ok.load(), 1);
}

TEST_P(ConcurrencyTest, ALoginAndAnAeTitleAreRegisteredOnce) {
  const Tenant a = MakeTenant("a");
  const Tenant b = MakeTenant("b");
  std::atomic<int> created{0}, exists{0}, ae_created{0}, ae_exists{0};
  RunTogether([&](int i) {
    NewUser nu;
    nu.tenant_id = i % 2 ? a.id : b.id;
    nu.login = "same-login";
    nu.display_name = "x";
    nu.roles = {Role::kHospitalStaff};
    nu.password = kGoodPassword;
    auto r = Id().accounts().Create(nu);
    if (r.ok()) ++created;
    if (r.status().code() == base::Code::kAlreadyExists) ++exists;
    AeTitle ae;
    ae.ae_title = i % 2 ? "SAME_AE" : "same_ae";
    auto s = Id().ae_titles().Add(i % 2 ? a.id : b.id, ae);
    if (s.ok()) ++ae_created;
    if (s.status().code() == base::Code::kAlreadyExists) ++ae_exists;
  });
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(exists.load(), kThreads - 1);
  EXPECT_EQ(ae_created.load(), 1);
  EXPECT_EQ(ae_exists.load(), kThreads - 1);
}

TEST_P(ConcurrencyTest, ConcurrentFailuresAllCount) {
  const Tenant h = MakeTenant("h");
  const User u = MakeUser(h, "staff", {Role::kHospitalStaff});
  // 4 threads x 2 failures + 2 more = 10.
  RunTogether([&](int i) {
    for (int k = 0; k < 2; ++k) Login("staff", "Wrong-password-" + std::to_string(i * 10 + k));
  });
  EXPECT_FALSE(Id().accounts().Get(h.id, u.id)->locked_until.has_value());
  Login("staff", "Wrong-password-x1");
  Login("staff", "Wrong-password-x2");
  EXPECT_TRUE(Id().accounts().Get(h.id, u.id)->locked_until.has_value());
}

}  // namespace
}  // namespace dokuei::identity
