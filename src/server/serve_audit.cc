// The audit shipper of `dokuei serve`: a background thread sending new audit records to the
// syslog collector of audit.syslog (the same shipper as `dokuei audit ship`, resuming from the
// position remembered in the database).
#include <spdlog/spdlog.h>

#include "serve_parts.h"

namespace dokuei::server {

base::Result<std::unique_ptr<audit::AuditShipper>> StartAuditShipper(
    const Config& config, std::shared_ptr<db::Database> database, audit::AuditLog& log) {
  if (config.audit_syslog.empty()) return std::unique_ptr<audit::AuditShipper>();
  DOKUEI_ASSIGN_OR_RETURN(audit::SyslogTarget target, audit::ParseSyslogUrl(config.audit_syslog));
  target.ca_file = config.audit_syslog_ca;
  audit::ShipperOptions options;
  options.destination = config.audit_syslog;
  options.syslog.source_id = config.ae_title;
  options.poll_interval = std::chrono::milliseconds(1000);
  DOKUEI_ASSIGN_OR_RETURN(std::unique_ptr<audit::SyslogSender> sender,
                          audit::NewSyslogSender(target, options.syslog));
  auto shipper = std::make_unique<audit::AuditShipper>(std::move(database), log, std::move(sender),
                                                       base::SystemClock(), options);
  shipper->Start();
  spdlog::info("shipping audit records to {}", config.audit_syslog);
  return shipper;
}

}  // namespace dokuei::server
