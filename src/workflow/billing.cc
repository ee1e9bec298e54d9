// Monthly statements from the charges recorded at delivery (store.cc, MutateIn).
#include "billing.h"

namespace dokuei::workflow::internal {

using base::Status;
using identity::Role;

base::Result<Statement> SqlBilling::Monthly(const Actor& actor, int64_t tenant_id, int year,
                                            int month) {
  const bool centre_admin =
      actor.system || (actor.InReadingCentre() && actor.Has(Role::kAdministrator));
  if (!centre_admin) {
    if (actor.InReadingCentre() || !actor.Has(Role::kAdministrator))
      return base::PermissionDenied("only administrators see statements");
    if (actor.tenant_id != tenant_id) return base::NotFound("hospital not found");
  }
  if (month < 1 || month > 12) return base::InvalidArgument("month: 1..12", "month");
  if (year < 2000 || year > 9999) return base::InvalidArgument("year: 2000..9999", "year");
  const int64_t first_day = DayOfDate(year, month, 1);
  const int64_t next_first_day =
      DayOfDate(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1);
  const base::Timestamp from = JstMinuteOfDay(first_day, 0);
  const base::Timestamp to = JstMinuteOfDay(next_first_day, 0);
  Statement st;
  st.tenant_id = tenant_id;
  st.year = year;
  st.month = month;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    st.charges.clear();
    DOKUEI_RETURN_IF_ERROR(CheckTenant(c, tenant_id));
    DOKUEI_ASSIGN_OR_RETURN(const Contract k, LoadContract(c, tenant_id));
    st.contract_start_day = k.start_day;
    // Without a start date the monthly fee applies to every month and no initial fee is due.
    st.initial_fee = 0;
    st.monthly_fee = k.monthly_fee;
    if (k.start_day) {
      if (*k.start_day >= first_day && *k.start_day < next_first_day)
        st.initial_fee = k.initial_fee;
      if (*k.start_day >= next_first_day) st.monthly_fee = 0;  // not started yet
    }
    const Value p[] = {I(tenant_id), I(Us(from)), I(Us(to))};
    return c.Query(
        "SELECT request_id, study_uid, modality, price, delivered_us FROM workflow_charges"
        " WHERE tenant_id = ? AND delivered_us >= ? AND delivered_us < ?"
        " ORDER BY delivered_us, request_id",
        p, [&](const Row& r) {
          Charge ch;
          ch.request_id = r.Int(0);
          ch.study_uid = std::string(r.Str(1));
          ch.modality = ModalityFromName(r.Str(2)).value_or(Modality::kOther);
          ch.price = r.Int(3);
          ch.delivered_at = base::FromUnixMicros(r.Int(4));
          st.charges.push_back(std::move(ch));
          return Status::Ok();
        });
  }));
  for (Modality m : {Modality::kOther, Modality::kXray, Modality::kCt, Modality::kMr}) {
    Statement::Subtotal sub;
    sub.modality = m;
    for (const Charge& ch : st.charges) {
      if (ch.modality != m) continue;
      ++sub.count;
      sub.amount += ch.price;
    }
    if (sub.count > 0) st.subtotals.push_back(sub);
    st.total += sub.amount;
  }
  st.total += st.initial_fee + st.monthly_fee;
  return st;
}

}  // namespace dokuei::workflow::internal
