// Shared fixture for the identity tests: every TEST_P(IdentityTest, ...) runs on SQLite in memory,
// SQLite in a temporary file, and PostgreSQL when DOKUEI_TEST_PG_CONNINFO is set (each test in a
// schema of its own, dropped afterwards). Without the variable the PostgreSQL cases are skipped,
// unless DOKUEI_TEST_PG_REQUIRED=1 (set by scripts/with-postgres.sh), where they fail.
// The index is opened first on the same database: its first migration creates `tenants`.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "dokuei/base/random.h"
#include "dokuei/db/db.h"
#include "dokuei/identity/identity.h"
#include "dokuei/index/index.h"
#include "dokuei/testing/db_backends.h"
#include "dokuei/testing/fake_clock.h"

namespace dokuei::identity {

using ::dokuei::testing::Backend;
using ::dokuei::testing::BackendName;
using ::dokuei::testing::PgAdmin;

// A password that passes the policy (not in the list, varied, long enough without 2FA).
inline constexpr char kGoodPassword[] = "Kawasemi-no-mizube-2031";
inline constexpr char kOtherPassword[] = "Tsubame-ga-kaeru-hi-77";

class IdentityTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    options_.password_hash = PasswordHashParams::ForTests();
    DOKUEI_PREPARE_TEST_DATABASE(tdb_, GetParam(), "identity");
    auto db = OpenDatabase();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto index = index::OpenIndex(db_);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(index).value();
    Reopen();
  }

  void TearDown() override {
    id_.reset();
    index_.reset();
    db_.reset();
  }

  base::Result<std::shared_ptr<db::Database>> OpenDatabase() { return tdb_.Open(4); }

  // (Re)builds the services on the same database with options_ and key_.
  void Reopen() {
    id_.reset();
    auto id = OpenIdentity(db_, clock_, key_, options_);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    id_ = std::move(id).value();
  }

  Identity& Id() { return *id_; }

  Tenant MakeTenant(const std::string& code, TenantKind kind = TenantKind::kHospital) {
    TenantSpec spec;
    spec.code = code;
    spec.name = code + " 病院";
    spec.kind = kind;
    auto t = id_->tenants().Create(spec);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : Tenant{};
  }

  User MakeUser(const Tenant& t, const std::string& login, std::vector<Role> roles,
                const std::string& password = kGoodPassword) {
    NewUser nu;
    nu.tenant_id = t.id;
    nu.login = login;
    nu.display_name = login + " さん";
    nu.roles = std::move(roles);
    nu.password = password;
    auto u = id_->accounts().Create(nu);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : User{};
  }

  // The current TOTP code of a base32 secret, at the fake clock's time (+ steps).
  std::string Code(const std::string& secret_b32, int step_offset = 0) {
    auto raw = Base32Decode(secret_b32);
    EXPECT_TRUE(raw.ok());
    const auto* p = reinterpret_cast<const uint8_t*>(raw->data());
    return HotpCode({p, raw->size()}, static_cast<uint64_t>(TotpStep(clock_.Now()) + step_offset));
  }

  // Enrols the user in TOTP; returns the base32 secret. Advances the clock one step so that the
  // next code is fresh.
  std::string Enrol(int64_t user_id) {
    auto e = id_->two_factor().Begin(user_id);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    auto codes = id_->two_factor().Confirm(user_id, Code(e->secret_base32));
    EXPECT_TRUE(codes.ok()) << codes.status().ToString();
    clock_.Advance(std::chrono::seconds(30));
    return e->secret_base32;
  }

  LoginResult Login(const std::string& login, const std::string& password,
                    const std::string& address = "192.0.2.10") {
    LoginRequest r;
    r.login = login;
    r.password = password;
    r.source_address = address;
    auto res = id_->sessions().Login(r);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? *res : LoginResult{};
  }

  testing::FakeClock clock_;
  SecretKey key_ = SecretKey::Generate();
  IdentityOptions options_;
  ::dokuei::testing::TestDatabase tdb_;  // outlives db_
  std::shared_ptr<db::Database> db_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<Identity> id_;
};

#define DOKUEI_IDENTITY_BACKENDS(Suite)                                                    \
  INSTANTIATE_TEST_SUITE_P(                                                                \
      Backends, Suite,                                                                     \
      ::testing::Values(Backend::kSqliteMemory, Backend::kSqliteFile, Backend::kPostgres), \
      BackendName)

}  // namespace dokuei::identity
