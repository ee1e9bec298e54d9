// Server configuration: one table of options drives the TOML file keys, the environment variables,
// the command-line flags and `dokuei serve --help`. Precedence: flag > environment > file >
// default. Lists (tenants, DICOM peers, API tokens) come from the file, or from compact
// environment variables (DOKUEI_TENANTS, DOKUEI_PEERS, DOKUEI_TOKENS).
// Thread safety: plain data, read-only after Load.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dokuei/base/status.h"

namespace dokuei::server {

struct TenantConfig {
  std::string code;
  std::string name;
};

struct PeerConfig {
  std::string ae_title;
  std::string tenant;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  bool check_host = false;
  uint32_t max_associations = 8;
  std::vector<std::string> allow = {"echo", "store", "find", "get", "move", "commitment"};
};

struct TokenConfig {
  std::string sha256;  // hex SHA-256 of the bearer token (the token itself is never stored)
  std::string tenant;
  std::string subject;
};

struct Config {
  std::string config_file;
  std::string data_dir = "./var";
  std::string log_level = "info";
  std::string lang = "ja";

  std::string http_listen = "127.0.0.1:8042";
  int http_threads = 2;
  int workers = 8;
  std::string cors_origins;  // comma-separated; empty = no CORS headers
  std::string base_url;      // empty = from the Host header
  uint64_t max_request_mb = 2048;

  std::string dicom_listen = "127.0.0.1:4242";
  std::string ae_title = "DOKUEI";
  uint32_t max_pdu = 131072;
  int dicom_idle_timeout_s = 60;
  int dicom_acse_timeout_s = 30;
  int max_associations = 64;

  // TLS. HTTPS when both http_tls_cert and http_tls_key are set. DICOM TLS listens on
  // dicom_tls_listen (a separate port, e.g. 2762) when dicom_tls_cert/key are set; client
  // certificates are verified against dicom_tls_ca and required for tenants that ask for them.
  std::string http_tls_cert, http_tls_key;
  std::string dicom_tls_listen;
  std::string dicom_tls_cert, dicom_tls_key, dicom_tls_ca;

  // Identity and audit.
  std::string identity_key_file;  // default: <data_dir>/identity.key (created 0600)
  int session_idle_minutes = 30;
  int session_absolute_hours = 12;
  std::string audit_syslog;     // udp://host:port, tcp://host:port or tls://host:port
  std::string audit_syslog_ca;  // CA for tls://

  int workflow_tick_seconds = 5;     // dispatcher period (routing, assignment, escalation)
  int workflow_quiet_seconds = 180;  // completeness: no new instance for this long
  // HL7 v2 intake over MLLP (empty: off; loopback only) and its senders (TOML [[hl7.senders]]).
  std::string hl7_listen;
  std::string hl7_senders_file;
  // Critical-result notifications (in the app always; e-mail / webhook when configured).
  std::string notify_smtp_host;  // empty: no e-mail
  int notify_smtp_port = 25;
  std::string notify_smtp_from = "dokuei@localhost";
  std::string notify_smtp_starttls = "required";  // never | if_offered | required
  std::string notify_smtp_username;               // AUTH PLAIN / LOGIN (over TLS only)
  std::string notify_smtp_password;               // never logged
  std::string notify_ack_windows = "60m,24h,7d";  // categories 1, 2, 3
  std::string notify_webhook_url;        // empty: no webhook; sent for every hospital
  std::string notify_webhook_secret;     // HMAC-SHA256 key of the webhook signature
  std::string index_backend = "sqlite";  // sqlite | postgres
  std::string sqlite_path;               // default: <data_dir>/index.sqlite
  std::string postgres_conninfo;
  int postgres_connections = 8;
  std::string blob_path;  // default: <data_dir>/blobs

  uint64_t max_object_mb = 2048;
  uint64_t max_inflight_mb = 4096;

  bool demo = false;
  std::string ports_file;

  std::vector<TenantConfig> tenants;
  std::vector<PeerConfig> peers;
  std::vector<TokenConfig> tokens;
};

struct OptionDoc {
  std::string key;    // TOML key, e.g. "dicom.ae_title"
  std::string flag;   // "--ae-title"
  std::string env;    // "DOKUEI_AE_TITLE"
  std::string value;  // default shown in help
  std::string help_ja;
  std::string help_en;
};
const std::vector<OptionDoc>& ServeOptions();

// Reads args (after "serve"), the environment and the file named by --config/DOKUEI_CONFIG.
// Sets *help when --help was given (nothing else is validated then).
base::Result<Config> LoadConfig(const std::vector<std::string>& args, bool* help);

// Help text for `dokuei serve --help` in "ja" or "en".
std::string ServeHelp(const std::string& lang);

// "127.0.0.1:4242" -> host, port. Port 0 allowed (pick a free one).
base::Status ParseHostPort(const std::string& text, std::string* host, uint16_t* port);
bool IsLoopback(const std::string& host);

// Language for CLI messages: DOKUEI_LANG, else LANG starting with "en" -> "en", else "ja".
std::string CliLanguage();

}  // namespace dokuei::server
