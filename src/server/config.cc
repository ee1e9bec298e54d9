#include "config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <functional>
#include <sstream>

#include "dokuei/base/strings.h"

namespace dokuei::server {
namespace {

using base::Result;
using base::Status;

struct Option {
  OptionDoc doc;
  std::function<Status(Config&, const std::string&)> set;
};

Status SetInt(int* out, const std::string& v, const std::string& name, int min, int max) {
  auto n = base::ParseInt(v);
  if (!n || *n < min || *n > max)
    return base::InvalidArgument(name + ": expected an integer in [" + std::to_string(min) + ", " +
                                     std::to_string(max) + "], got '" + v + "'",
                                 name);
  *out = static_cast<int>(*n);
  return Status::Ok();
}

Status SetU64(uint64_t* out, const std::string& v, const std::string& name) {
  auto n = base::ParseUint(v);
  if (!n || *n == 0) return base::InvalidArgument(name + ": expected a positive integer", name);
  *out = *n;
  return Status::Ok();
}

Status SetBool(bool* out, const std::string& v, const std::string& name) {
  std::string l = base::ToLowerAscii(v);
  if (l == "1" || l == "true" || l == "yes" || l == "on" || l.empty()) {
    *out = true;
  } else if (l == "0" || l == "false" || l == "no" || l == "off") {
    *out = false;
  } else {
    return base::InvalidArgument(name + ": expected true or false", name);
  }
  return Status::Ok();
}

#define STR(field)                      \
  [](Config& c, const std::string& v) { \
    c.field = v;                        \
    return Status::Ok();                \
  }
#define INT(field, name, lo, hi) \
  [](Config& c, const std::string& v) { return SetInt(&c.field, v, name, lo, hi); }

const std::vector<Option>& Options() {
  static const std::vector<Option> kOptions = {
      {{"config", "--config", "DOKUEI_CONFIG", "", "設定ファイル (TOML) のパス",
        "Path of a TOML configuration file"},
       STR(config_file)},
      {{"data_dir", "--data-dir", "DOKUEI_DATA_DIR", "./var",
        "データディレクトリ (索引 index.sqlite と画像 blobs/ の既定の置き場所)",
        "Data directory (default home of index.sqlite and blobs/)"},
       STR(data_dir)},
      {{"log_level", "--log-level", "DOKUEI_LOG_LEVEL", "info",
        "ログの詳細度: trace, debug, info, warn, error",
        "Log level: trace, debug, info, warn, error"},
       STR(log_level)},
      {{"lang", "--lang", "DOKUEI_LANG", "ja", "表示言語: ja または en",
        "Language of messages: ja or en"},
       [](Config& c, const std::string& v) {
         if (v != "ja" && v != "en") return base::InvalidArgument("lang: ja or en", "lang");
         c.lang = v;
         return Status::Ok();
       }},
      {{"http.listen", "--http", "DOKUEI_HTTP", "127.0.0.1:8042",
        "HTTP (DICOMweb) の待ち受けアドレス:ポート (ポート 0 で自動選択)",
        "HTTP (DICOMweb) listen address:port (port 0 picks a free port)"},
       STR(http_listen)},
      {{"http.threads", "--http-threads", "DOKUEI_HTTP_THREADS", "2", "HTTP の I/O スレッド数",
        "HTTP I/O threads"},
       INT(http_threads, "http.threads", 1, 64)},
      {{"http.workers", "--workers", "DOKUEI_WORKERS", "8",
        "索引・画像・変換処理を行うワーカースレッド数",
        "Worker threads for index, blob and codec work"},
       INT(workers, "http.workers", 1, 256)},
      {{"http.cors_origins", "--cors-origins", "DOKUEI_CORS_ORIGINS", "",
        "CORS を許可するオリジン (カンマ区切り、空なら CORS ヘッダーなし)",
        "Origins allowed by CORS (comma-separated; empty: no CORS headers)"},
       STR(cors_origins)},
      {{"http.base_url", "--base-url", "DOKUEI_BASE_URL", "",
        "外部から見た DICOMweb のベース URL (空なら Host ヘッダーから)",
        "Externally visible DICOMweb base URL (empty: from the Host header)"},
       STR(base_url)},
      {{"http.max_request_mb", "--max-request-mb", "DOKUEI_MAX_REQUEST_MB", "2048",
        "STOW-RS リクエスト本体の上限 (MiB)", "Largest STOW-RS request body (MiB)"},
       [](Config& c, const std::string& v) {
         return SetU64(&c.max_request_mb, v, "http.max_request_mb");
       }},
      {{"dicom.listen", "--dicom", "DOKUEI_DICOM", "127.0.0.1:4242",
        "DICOM (DIMSE) の待ち受けアドレス:ポート (ポート 0 で自動選択)",
        "DICOM (DIMSE) listen address:port (port 0 picks a free port)"},
       STR(dicom_listen)},
      {{"dicom.ae_title", "--ae-title", "DOKUEI_AE_TITLE", "DOKUEI", "このサーバーの AE タイトル",
        "This server's AE title"},
       [](Config& c, const std::string& v) {
         if (v.empty() || v.size() > 16)
           return base::InvalidArgument("dicom.ae_title: 1 to 16 characters", "dicom.ae_title");
         c.ae_title = v;
         return Status::Ok();
       }},
      {{"dicom.max_pdu", "--max-pdu", "DOKUEI_MAX_PDU", "131072", "受信する最大 PDU 長 (バイト)",
        "Maximum PDU length we receive (bytes)"},
       [](Config& c, const std::string& v) {
         auto n = base::ParseUint(v);
         if (!n || *n < 4096 || *n > 131072)
           return base::InvalidArgument("dicom.max_pdu: 4096..131072", "dicom.max_pdu");
         c.max_pdu = static_cast<uint32_t>(*n);
         return Status::Ok();
       }},
      {{"dicom.idle_timeout_s", "--dicom-idle-timeout", "DOKUEI_DICOM_IDLE_TIMEOUT", "60",
        "無通信のアソシエーションを切断するまでの秒数",
        "Seconds before an idle association is closed"},
       INT(dicom_idle_timeout_s, "dicom.idle_timeout_s", 1, 86400)},
      {{"dicom.acse_timeout_s", "--dicom-acse-timeout", "DOKUEI_DICOM_ACSE_TIMEOUT", "30",
        "アソシエーション確立のタイムアウト (秒)", "Association negotiation timeout (seconds)"},
       INT(dicom_acse_timeout_s, "dicom.acse_timeout_s", 1, 3600)},
      {{"dicom.max_associations", "--max-associations", "DOKUEI_MAX_ASSOCIATIONS", "64",
        "同時アソシエーション数の上限", "Maximum concurrent associations"},
       INT(max_associations, "dicom.max_associations", 1, 4096)},
      {{"http.tls_cert", "--tls-cert", "DOKUEI_TLS_CERT", "",
        "HTTPS のサーバー証明書 (PEM)。鍵と両方あれば HTTPS",
        "HTTPS server certificate (PEM); "
        "HTTPS when the key is set too"},
       STR(http_tls_cert)},
      {{"http.tls_key", "--tls-key", "DOKUEI_TLS_KEY", "", "HTTPS の秘密鍵 (PEM)",
        "HTTPS private key (PEM)"},
       STR(http_tls_key)},
      {{"dicom.tls_listen", "--dicom-tls", "DOKUEI_DICOM_TLS", "",
        "DICOM TLS の待ち受けアドレス:ポート (例 0.0.0.0:2762)",
        "DICOM TLS listen address:port (e.g. 0.0.0.0:2762)"},
       STR(dicom_tls_listen)},
      {{"dicom.tls_cert", "--dicom-tls-cert", "DOKUEI_DICOM_TLS_CERT", "",
        "DICOM TLS のサーバー証明書 (PEM)", "DICOM TLS server certificate (PEM)"},
       STR(dicom_tls_cert)},
      {{"dicom.tls_key", "--dicom-tls-key", "DOKUEI_DICOM_TLS_KEY", "", "DICOM TLS の秘密鍵 (PEM)",
        "DICOM TLS private key (PEM)"},
       STR(dicom_tls_key)},
      {{"dicom.tls_ca", "--dicom-tls-ca", "DOKUEI_DICOM_TLS_CA", "",
        "クライアント証明書を検証する CA (PEM)", "CA that signs client certificates (PEM)"},
       STR(dicom_tls_ca)},
      {{"identity.key_file", "--identity-key", "DOKUEI_IDENTITY_KEY_FILE",
        "<data_dir>/identity.key", "2 要素認証の秘密を暗号化する鍵ファイル (複数サーバーで共有)",
        "Key file encrypting two-factor secrets (shared by every server)"},
       STR(identity_key_file)},
      {{"identity.session_idle_minutes", "--session-idle-minutes", "DOKUEI_SESSION_IDLE_MINUTES",
        "30", "操作がないときにセッションが切れるまでの分数",
        "Minutes without activity before a session ends"},
       INT(session_idle_minutes, "identity.session_idle_minutes", 1, 24 * 60)},
      {{"identity.session_absolute_hours", "--session-absolute-hours",
        "DOKUEI_SESSION_ABSOLUTE_HOURS", "12", "セッションの最長時間 (時間)",
        "Longest session lifetime (hours)"},
       INT(session_absolute_hours, "identity.session_absolute_hours", 1, 24 * 7)},
      {{"audit.syslog", "--audit-syslog", "DOKUEI_AUDIT_SYSLOG", "",
        "監査記録の syslog 転送先 (udp:// tcp:// tls://ホスト:ポート)",
        "Ship audit records to syslog (udp:// tcp:// tls://host:port)"},
       STR(audit_syslog)},
      {{"audit.syslog_ca", "--audit-syslog-ca", "DOKUEI_AUDIT_SYSLOG_CA", "",
        "tls:// の syslog サーバーを検証する CA (PEM)",
        "CA verifying a tls:// syslog server (PEM)"},
       STR(audit_syslog_ca)},
      {{"workflow.tick_seconds", "--workflow-tick-seconds", "DOKUEI_WORKFLOW_TICK_SECONDS", "5",
        "読影ワークフローの振り分け・割り当て・エスカレーションの間隔 (秒)",
        "Seconds between the reading workflow's routing, assignment and escalation runs"},
       INT(workflow_tick_seconds, "workflow.tick_seconds", 1, 3600)},
      {{"workflow.quiet_seconds", "--workflow-quiet-seconds", "DOKUEI_WORKFLOW_QUIET_SECONDS",
        "180", "検査が揃ったとみなすまでの、新しい画像が届かない時間 (秒)",
        "Seconds without a new instance before a study counts as complete"},
       INT(workflow_quiet_seconds, "workflow.quiet_seconds", 1, 24 * 3600)},
      {{"hl7.listen", "--hl7-listen", "DOKUEI_HL7_LISTEN", "",
        "HL7 v2 (MLLP) の受付アドレス HOST:PORT (空なら無効。暗号化されないため loopback のみ)",
        "HL7 v2 (MLLP) listen address HOST:PORT (empty: off; loopback only, MLLP has no TLS)"},
       STR(hl7_listen)},
      {{"hl7.senders_file", "--hl7-senders-file", "DOKUEI_HL7_SENDERS_FILE", "",
        "HL7 送信元一覧 (TOML の [[hl7.senders]]: facility, application, tenant)",
        "HL7 sender list (TOML [[hl7.senders]]: facility, application, tenant)"},
       STR(hl7_senders_file)},
      {{"notify.smtp_host", "--notify-smtp-host", "DOKUEI_NOTIFY_SMTP_HOST", "",
        "緊急所見をメールで通知する SMTP サーバー (空ならメールなし。アプリ内通知は常に行う)",
        "SMTP server for critical-result e-mails (empty: none; in-app notices always)"},
       STR(notify_smtp_host)},
      {{"notify.smtp_port", "--notify-smtp-port", "DOKUEI_NOTIFY_SMTP_PORT", "25",
        "SMTP サーバーのポート (STARTTLS は提示されれば使用)",
        "SMTP server port (STARTTLS used when offered)"},
       INT(notify_smtp_port, "notify.smtp_port", 1, 65535)},
      {{"notify.smtp_from", "--notify-smtp-from", "DOKUEI_NOTIFY_SMTP_FROM", "dokuei@localhost",
        "通知メールの差出人", "Sender of notification e-mails"},
       STR(notify_smtp_from)},
      {{"notify.smtp_starttls", "--notify-smtp-starttls", "DOKUEI_NOTIFY_SMTP_STARTTLS", "required",
        "SMTP の STARTTLS: required (既定。提示されなければ送信しない)、if_offered、never",
        "SMTP STARTTLS: required (default: no mail without it), if_offered, never"},
       [](Config& c, const std::string& v) {
         if (v != "required" && v != "if_offered" && v != "never")
           return base::InvalidArgument("notify.smtp_starttls: required, if_offered or never",
                                        "notify.smtp_starttls");
         c.notify_smtp_starttls = v;
         return Status::Ok();
       }},
      {{"notify.smtp_username", "--notify-smtp-username", "DOKUEI_NOTIFY_SMTP_USERNAME", "",
        "SMTP 認証 (AUTH PLAIN/LOGIN、TLS 上のみ) の利用者名 (空なら認証なし)",
        "SMTP AUTH (PLAIN or LOGIN, over TLS only) user name (empty: no AUTH)"},
       STR(notify_smtp_username)},
      {{"notify.smtp_password", "--notify-smtp-password", "DOKUEI_NOTIFY_SMTP_PASSWORD", "",
        "SMTP 認証のパスワード (環境変数か設定ファイルで。ログには出力しません)",
        "SMTP AUTH password (environment or configuration file; never logged)"},
       STR(notify_smtp_password)},
      {{"notify.ack_windows", "--notify-ack-windows", "DOKUEI_NOTIFY_ACK_WINDOWS", "60m,24h,7d",
        "緊急所見のカテゴリー 1・2・3 の受領期限 (s/m/h/d。超過でオペレーターへエスカレーション)",
        "Acknowledgement windows of critical-result categories 1, 2, 3 (s/m/h/d; missed: the "
        "coordinator is alerted)"},
       STR(notify_ack_windows)},  // checked by serve (report::ParseAckWindows)
      {{"notify.webhook_url", "--notify-webhook-url", "DOKUEI_NOTIFY_WEBHOOK_URL", "",
        "病院ごとの Webhook が未設定の病院に緊急所見を POST する URL (https、または loopback への "
        "http)",
        "Webhook URL for hospitals without their own (PUT /api/tenants/{tenant}/webhook; https, or "
        "http to loopback)"},
       STR(notify_webhook_url)},
      {{"notify.webhook_secret", "--notify-webhook-secret", "DOKUEI_NOTIFY_WEBHOOK_SECRET", "",
        "Webhook 署名 (HMAC-SHA256) の鍵", "Key of the webhook signature (HMAC-SHA256)"},
       STR(notify_webhook_secret)},
      {{"index.backend", "--index", "DOKUEI_INDEX", "sqlite",
        "索引データベース: sqlite (組み込み) または postgres",
        "Index database: sqlite (embedded) or postgres"},
       [](Config& c, const std::string& v) {
         if (v != "sqlite" && v != "postgres")
           return base::InvalidArgument("index.backend: sqlite or postgres", "index.backend");
         c.index_backend = v;
         return Status::Ok();
       }},
      {{"index.sqlite_path", "--sqlite", "DOKUEI_SQLITE", "<data_dir>/index.sqlite",
        "SQLite 索引ファイル", "SQLite index file"},
       STR(sqlite_path)},
      {{"index.postgres", "--postgres", "DOKUEI_POSTGRES", "", "PostgreSQL 接続文字列 (libpq 形式)",
        "PostgreSQL connection string (libpq)"},
       STR(postgres_conninfo)},
      {{"index.postgres_connections", "--postgres-connections", "DOKUEI_POSTGRES_CONNECTIONS", "8",
        "PostgreSQL の接続プール数", "PostgreSQL connection pool size"},
       INT(postgres_connections, "index.postgres_connections", 1, 256)},
      {{"blob.path", "--blobs", "DOKUEI_BLOBS", "<data_dir>/blobs", "画像ファイルの保存先",
        "Directory of stored objects"},
       STR(blob_path)},
      {{"limits.max_object_mb", "--max-object-mb", "DOKUEI_MAX_OBJECT_MB", "2048",
        "1 オブジェクトの上限 (MiB)", "Largest single object (MiB)"},
       [](Config& c, const std::string& v) {
         return SetU64(&c.max_object_mb, v, "limits.max_object_mb");
       }},
      {{"limits.max_inflight_mb", "--max-inflight-mb", "DOKUEI_MAX_INFLIGHT_MB", "4096",
        "同時に受信中のオブジェクトの合計上限 (MiB、メモリ上限)",
        "Total size of objects being received at once (MiB; memory bound)"},
       [](Config& c, const std::string& v) {
         return SetU64(&c.max_inflight_mb, v, "limits.max_inflight_mb");
       }},
      {{"demo", "--demo", "DOKUEI_DEMO", "false",
        "デモ用の病院・AE タイトル・トークン・脊椎検査を用意する",
        "Set up the demo hospital, AE title, token and spine studies"},
       [](Config& c, const std::string& v) { return SetBool(&c.demo, v, "demo"); }},
      {{"ports_file", "--ports-file", "DOKUEI_PORTS_FILE", "",
        "待ち受けポートを JSON で書き出すファイル (テスト用)",
        "File to write the bound ports to, as JSON (for tests)"},
       STR(ports_file)},
  };
  return kOptions;
}

#undef STR
#undef INT

std::string TomlScalar(const toml::node& n) {
  if (auto s = n.as_string()) return s->get();
  if (auto i = n.as_integer()) return std::to_string(i->get());
  if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
  if (auto f = n.as_floating_point()) return std::to_string(f->get());
  return {};
}

Status LoadFile(const std::string& path, Config& c) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ":" << e.source().begin.line << ": " << e.description();
    return base::InvalidArgument(msg.str(), "config");
  }
  for (const auto& opt : Options()) {
    if (opt.doc.key == "config") continue;
    auto node = root.at_path(opt.doc.key);
    if (!node) continue;
    DOKUEI_RETURN_IF_ERROR(opt.set(c, TomlScalar(*node.node())));
  }
  if (auto arr = root["tenants"].as_array()) {
    for (auto& el : *arr) {
      auto t = el.as_table();
      if (!t) return base::InvalidArgument("tenants: expected tables", "tenants");
      TenantConfig tc;
      tc.code = (*t)["code"].value_or(std::string());
      tc.name = (*t)["name"].value_or(tc.code);
      if (tc.code.empty()) return base::InvalidArgument("tenants: code is required", "tenants");
      c.tenants.push_back(tc);
    }
  }
  if (auto arr = root.at_path("dicom.peers").as_array()) {
    for (auto& el : *arr) {
      auto t = el.as_table();
      if (!t) return base::InvalidArgument("dicom.peers: expected tables", "dicom.peers");
      PeerConfig p;
      p.ae_title = (*t)["ae_title"].value_or(std::string());
      p.tenant = (*t)["tenant"].value_or(std::string());
      p.host = (*t)["host"].value_or(std::string("127.0.0.1"));
      p.port = static_cast<uint16_t>((*t)["port"].value_or(int64_t{0}));
      p.check_host = (*t)["check_host"].value_or(false);
      p.max_associations = static_cast<uint32_t>((*t)["max_associations"].value_or(int64_t{8}));
      if (auto allow = (*t)["allow"].as_array()) {
        p.allow.clear();
        for (auto& a : *allow) p.allow.push_back(a.value_or(std::string()));
      }
      if (p.ae_title.empty() || p.tenant.empty())
        return base::InvalidArgument("dicom.peers: ae_title and tenant are required",
                                     "dicom.peers");
      c.peers.push_back(p);
    }
  }
  if (auto arr = root.at_path("http.tokens").as_array()) {
    for (auto& el : *arr) {
      auto t = el.as_table();
      if (!t) return base::InvalidArgument("http.tokens: expected tables", "http.tokens");
      TokenConfig tk;
      tk.sha256 = base::ToLowerAscii((*t)["sha256"].value_or(std::string()));
      tk.tenant = (*t)["tenant"].value_or(std::string());
      tk.subject = (*t)["subject"].value_or(std::string("token"));
      if (tk.sha256.size() != 64 || tk.tenant.empty())
        return base::InvalidArgument("http.tokens: sha256 (64 hex) and tenant are required",
                                     "http.tokens");
      c.tokens.push_back(tk);
    }
  }
  return Status::Ok();
}

// DOKUEI_PEERS="AE=tenant@host:port;AE2=tenant", DOKUEI_TOKENS="sha256=tenant;…",
// DOKUEI_TENANTS="code=Name;…".
Status LoadListEnv(Config& c) {
  if (const char* v = std::getenv("DOKUEI_TENANTS")) {
    for (auto item : base::Split(v, ';')) {
      if (base::Trim(item).empty()) continue;
      auto eq = item.find('=');
      TenantConfig t;
      t.code = std::string(base::Trim(item.substr(0, eq)));
      t.name = eq == std::string_view::npos ? t.code : std::string(item.substr(eq + 1));
      c.tenants.push_back(t);
    }
  }
  if (const char* v = std::getenv("DOKUEI_PEERS")) {
    for (auto item : base::Split(v, ';')) {
      if (base::Trim(item).empty()) continue;
      auto eq = item.find('=');
      if (eq == std::string_view::npos)
        return base::InvalidArgument("DOKUEI_PEERS: expected AE=tenant[@host:port]",
                                     "DOKUEI_PEERS");
      PeerConfig p;
      p.ae_title = std::string(base::Trim(item.substr(0, eq)));
      std::string_view rest = item.substr(eq + 1);
      auto at = rest.find('@');
      p.tenant = std::string(rest.substr(0, at));
      if (at != std::string_view::npos) {
        std::string host;
        uint16_t port = 0;
        DOKUEI_RETURN_IF_ERROR(ParseHostPort(std::string(rest.substr(at + 1)), &host, &port));
        p.host = host;
        p.port = port;
      }
      c.peers.push_back(p);
    }
  }
  if (const char* v = std::getenv("DOKUEI_TOKENS")) {
    for (auto item : base::Split(v, ';')) {
      if (base::Trim(item).empty()) continue;
      auto eq = item.find('=');
      if (eq == std::string_view::npos)
        return base::InvalidArgument("DOKUEI_TOKENS: expected sha256=tenant", "DOKUEI_TOKENS");
      TokenConfig t;
      t.sha256 = base::ToLowerAscii(base::Trim(item.substr(0, eq)));
      t.tenant = std::string(base::Trim(item.substr(eq + 1)));
      t.subject = "env-token";
      c.tokens.push_back(t);
    }
  }
  return Status::Ok();
}

}  // namespace

const std::vector<OptionDoc>& ServeOptions() {
  static const std::vector<OptionDoc> docs = [] {
    std::vector<OptionDoc> d;
    for (const auto& o : Options()) d.push_back(o.doc);
    return d;
  }();
  return docs;
}

Status ParseHostPort(const std::string& text, std::string* host, uint16_t* port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return base::InvalidArgument("expected address:port, got '" + text + "'");
  auto p = base::ParseUint(std::string_view(text).substr(colon + 1));
  if (!p || *p > 65535) return base::InvalidArgument("bad port in '" + text + "'");
  *host = text.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  *port = static_cast<uint16_t>(*p);
  return Status::Ok();
}

bool IsLoopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr a4{};
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  in6_addr a6{};
  if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
  return false;
}

std::string CliLanguage() {
  if (const char* l = std::getenv("DOKUEI_LANG")) return std::string(l) == "en" ? "en" : "ja";
  if (const char* l = std::getenv("LANG"))
    if (base::StartsWith(l, "en")) return "en";
  return "ja";
}

std::string ServeHelp(const std::string& lang) {
  std::ostringstream out;
  bool en = lang == "en";
  out << (en ? "Usage: dokuei serve [options]\n\n"
               "Runs the archive: DICOM (DIMSE) and DICOMweb. Every option can also be set in the\n"
               "TOML file given by --config (key shown) or by the environment variable shown.\n"
               "Precedence: flag > environment > file > default.\n\n"
             : "使い方: dokuei serve [オプション]\n\n"
               "アーカイブ (DICOM DIMSE と DICOMweb) を起動します。各オプションは --config の\n"
               "TOML ファイル (キー) または環境変数でも設定できます。\n"
               "優先順位: フラグ > 環境変数 > ファイル > 既定値\n\n");
  for (const auto& o : ServeOptions()) {
    out << "  " << o.flag << " <" << (o.value.empty() ? "..." : o.value) << ">\n"
        << "      " << (en ? o.help_en : o.help_ja) << "\n"
        << "      TOML: " << o.key << "   env: " << o.env << "\n";
  }
  out << (en ? "\nLists (TOML only, or the compact environment variables):\n"
             : "\n一覧 (TOML、または簡易形式の環境変数):\n");
  out << "  [[tenants]] code, name                                 env "
         "DOKUEI_TENANTS=\"code=Name;...\"\n"
         "  [[dicom.peers]] ae_title, tenant, host, port, check_host, max_associations, allow\n"
         "                                                         env "
         "DOKUEI_PEERS=\"AE=tenant@host:port;...\"\n"
         "  [[http.tokens]] sha256, tenant, subject                env "
         "DOKUEI_TOKENS=\"sha256hex=tenant;...\"\n";
  return out.str();
}

Result<Config> LoadConfig(const std::vector<std::string>& args, bool* help) {
  Config c;
  *help = false;
  // Parse flags first into (option, value) pairs; the file and environment apply before them.
  std::vector<std::pair<const Option*, std::string>> flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") {
      *help = true;
      return c;
    }
    std::string value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string::npos && base::StartsWith(a, "--")) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    const Option* found = nullptr;
    for (const auto& o : Options())
      if (o.doc.flag == a) found = &o;
    if (!found) return base::InvalidArgument("unknown option '" + a + "' (see --help)", a);
    if (!has_value) {
      if (found->doc.key == "demo") {
        value = "true";
      } else {
        if (i + 1 >= args.size()) return base::InvalidArgument(a + " needs a value", a);
        value = args[++i];
      }
    }
    flags.emplace_back(found, value);
  }
  std::string file;
  if (const char* e = std::getenv("DOKUEI_CONFIG")) file = e;
  for (auto& [o, v] : flags)
    if (o->doc.key == "config") file = v;
  if (!file.empty()) {
    c.config_file = file;
    DOKUEI_RETURN_IF_ERROR(LoadFile(file, c));
  }
  for (const auto& o : Options()) {
    if (const char* e = std::getenv(o.doc.env.c_str()); e && o.doc.key != "config")
      DOKUEI_RETURN_IF_ERROR(o.set(c, e));
  }
  DOKUEI_RETURN_IF_ERROR(LoadListEnv(c));
  for (auto& [o, v] : flags) DOKUEI_RETURN_IF_ERROR(o->set(c, v));

  if (c.sqlite_path.empty()) c.sqlite_path = c.data_dir + "/index.sqlite";
  if (c.blob_path.empty()) c.blob_path = c.data_dir + "/blobs";
  if (c.identity_key_file.empty()) c.identity_key_file = c.data_dir + "/identity.key";
  if (c.http_tls_cert.empty() != c.http_tls_key.empty())
    return base::InvalidArgument("http.tls_cert and http.tls_key go together", "http.tls_cert");
  if (!c.dicom_tls_listen.empty() && (c.dicom_tls_cert.empty() || c.dicom_tls_key.empty()))
    return base::InvalidArgument("dicom.tls_listen needs dicom.tls_cert and dicom.tls_key",
                                 "dicom.tls_cert");
  if (c.index_backend == "postgres" && c.postgres_conninfo.empty())
    return base::InvalidArgument("index.backend = postgres needs index.postgres (a conninfo)",
                                 "index.postgres");
  return c;
}

}  // namespace dokuei::server
