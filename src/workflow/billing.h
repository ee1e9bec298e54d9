// Private: the SQL implementation of Billing (billing.cc).
#pragma once

#include "store.h"

namespace dokuei::workflow::internal {

class SqlBilling final : public Billing {
 public:
  explicit SqlBilling(const Context& ctx) : ctx_(ctx) {}
  base::Result<Statement> Monthly(const Actor& actor, int64_t tenant_id, int year,
                                  int month) override;

 private:
  const Context& ctx_;
};

}  // namespace dokuei::workflow::internal
