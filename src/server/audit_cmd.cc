// dokuei audit: the audit trail from the command line, on the database the server's configuration
// names (the same storage options as `dokuei serve`).
//   verify   exit 0 with "OK: N records", or exit 1 naming the first bad record
//   search   filtered records, newest first (text or JSON lines); recorded as audit.search
//   export   DICOM PS3.15 audit messages or a FHIR Bundle of AuditEvents; recorded as
//            audit.export before any record leaves
//   ship     one-shot shipping of the records not yet sent to a syslog collector
//   purge    deletes records past the retention period, keeping the chain verifiable
// Exit codes: 0 success, 1 verification failure (or shipping failure), 2 usage or system error.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands.h"
#include "dokuei/audit/audit.h"
#include "dokuei/audit/export.h"
#include "dokuei/base/env.h"
#include "dokuei/base/strings.h"
#include "storage.h"

namespace dokuei::server {
namespace {

constexpr const char* kHelpJa =
    "使い方: dokuei audit <コマンド> [オプション] [保存先オプション: --config, --data-dir,\n"
    "        --index, --postgres など dokuei serve と同じ]\n\n"
    "監査証跡 (ハッシュチェーン) の検証・検索・出力・転送・保存期間管理。\n\n"
    "コマンド:\n"
    "  verify                 チェーン全体を検証。正常なら \"OK: N records\" で終了コード 0、\n"
    "                         改ざん・欠落・順序入れ替えがあれば最初の記録を示して終了コード 1\n"
    "  search                 記録を検索 (新しい順)。検索自体も audit.search として記録される\n"
    "      --from T --to T    期間 (UTC の ISO 8601、例 2026-04-01 / 2026-04-01T09:00:00+09:00。\n"
    "                         日付だけの --to はその日の終わりまで)\n"
    "      --tenant ID        テナント (施設) ID      --actor LOGIN   操作者 (完全一致)\n"
    "      --action PREFIX    操作名の前方一致 (例 study.)\n"
    "      --patient ID       患者 ID                 --study UID     Study Instance UID\n"
    "      --limit N          件数 (既定 100、最大 10000)   --json   1 行 1 記録の JSON\n"
    "  export --format dicom|fhir [--from T] [--to T] [--tenant ID] [--out FILE]\n"
    "                         DICOM PS3.15 監査メッセージ (XML) または FHIR AuditEvent の Bundle\n"
    "                         (JSON) を出力。出力は audit.export として先に記録される\n"
    "  ship --syslog URL      未送信の記録を syslog (RFC 5424) へ送信 (1 回)。URL は\n"
    "                         udp://host:port, tcp://host:port, tls://host:port\n"
    "      --ca FILE          TLS: 受信側証明書を検証する CA (PEM)\n"
    "      --cert FILE --key FILE   TLS: クライアント証明書 (相互認証)\n"
    "      --source-id ID     AuditSourceID (既定: AE タイトル)\n"
    "  purge [--retention-days N]   保存期間 (既定 1827 日 = 5 年) を過ぎた記録を削除。\n"
    "                         チェーンは検証可能なまま "
    "(最後に削除した記録のハッシュを起点とする)\n";

constexpr const char* kHelpEn =
    "Usage: dokuei audit <command> [options] [storage options: --config, --data-dir, --index,\n"
    "       --postgres ... as for dokuei serve]\n\n"
    "The audit trail (a hash chain): verify, search, export, ship and retention.\n\n"
    "Commands:\n"
    "  verify                 checks the whole chain: exit 0 and \"OK: N records\" when intact,\n"
    "                         exit 1 naming the first altered, missing or reordered record\n"
    "  search                 finds records, newest first; the search itself is recorded\n"
    "                         (audit.search)\n"
    "      --from T --to T    time range (ISO 8601, UTC unless an offset is given: 2026-04-01,\n"
    "                         2026-04-01T09:00:00+09:00; a date-only --to includes that day)\n"
    "      --tenant ID        tenant (hospital) id    --actor LOGIN   who (exact)\n"
    "      --action PREFIX    action name prefix (e.g. study.)\n"
    "      --patient ID       patient id              --study UID     Study Instance UID\n"
    "      --limit N          at most N records (default 100, max 10000)   --json   JSON lines\n"
    "  export --format dicom|fhir [--from T] [--to T] [--tenant ID] [--out FILE]\n"
    "                         DICOM PS3.15 audit messages (XML) or a FHIR Bundle of AuditEvents\n"
    "                         (JSON); recorded as audit.export before anything is written\n"
    "  ship --syslog URL      sends the records not shipped yet to a syslog collector (RFC 5424),\n"
    "                         once; URL udp://host:port, tcp://host:port or tls://host:port\n"
    "      --ca FILE          TLS: CA certificates (PEM) that verify the collector\n"
    "      --cert FILE --key FILE   TLS: our client certificate (mutual authentication)\n"
    "      --source-id ID     AuditSourceID (default: the AE title)\n"
    "  purge [--retention-days N]   deletes records older than the retention period (default\n"
    "                         1827 days, five years), keeping the chain verifiable\n";

// Options taking a value, per command; everything else goes to LoadConfig (storage options).
const std::map<std::string, std::vector<std::string>>& CommandFlags() {
  static const std::map<std::string, std::vector<std::string>> kFlags = {
      {"verify", {}},
      {"search",
       {"--from", "--to", "--tenant", "--actor", "--action", "--patient", "--study", "--limit"}},
      {"export", {"--format", "--from", "--to", "--tenant", "--out"}},
      {"ship", {"--syslog", "--ca", "--cert", "--key", "--source-id", "--destination"}},
      {"purge", {"--retention-days"}},
  };
  return kFlags;
}

struct Cli {
  std::string lang;
  std::map<std::string, std::string> flags;
  bool json = false;
  Storage storage;
  std::unique_ptr<audit::AuditLog> log;
  std::string source_id;
};

int Fail(const Cli& cli, const std::string& what) {
  std::fprintf(stderr, "dokuei audit: %s%s\n",
               cli.lang == "en" ? "error: " : "エラー: ", what.c_str());
  return 2;
}

const char* OutcomeName(audit::Outcome o) {
  switch (o) {
    case audit::Outcome::kSuccess:
      return "ok";
    case audit::Outcome::kMinorFailure:
      return "minor-failure";
    case audit::Outcome::kSeriousFailure:
      return "serious-failure";
    case audit::Outcome::kMajorFailure:
      return "major-failure";
  }
  return "?";
}

// The filters shared by search and export; false (with a message printed) when one is invalid.
bool BuildQuery(const Cli& cli, audit::Query* q) {
  q->all_tenants = true;  // the CLI runs as the operator of the whole installation
  for (const char* key : {"--from", "--to"}) {
    auto it = cli.flags.find(key);
    if (it == cli.flags.end()) continue;
    const auto t = base::ParseIso8601(it->second, /*date_end=*/std::string(key) == "--to");
    if (!t) {
      Fail(cli, std::string(key) + ": " + it->second);
      return false;
    }
    (std::string(key) == "--from" ? q->from : q->to) = *t;
  }
  if (auto it = cli.flags.find("--tenant"); it != cli.flags.end()) {
    const auto id = base::ParseInt(it->second);
    if (!id || *id <= 0) {
      Fail(cli, "--tenant: " + it->second);
      return false;
    }
    q->tenant_id = *id;
  }
  if (auto it = cli.flags.find("--actor"); it != cli.flags.end()) q->actor = it->second;
  if (auto it = cli.flags.find("--action"); it != cli.flags.end()) q->action_prefix = it->second;
  if (auto it = cli.flags.find("--patient"); it != cli.flags.end()) q->patient_id = it->second;
  if (auto it = cli.flags.find("--study"); it != cli.flags.end()) q->study_uid = it->second;
  return true;
}

std::string Describe(const std::map<std::string, std::string>& flags) {
  std::string out;
  for (const auto& [k, v] : flags) {
    if (k == "--out") continue;
    if (!out.empty()) out += ' ';
    out += k.substr(2) + "=" + v;
  }
  return out;
}

base::Status AppendCliEvent(Cli& cli, const std::string& action, int64_t count) {
  audit::Event e;
  e.action = action;
  e.actor = CliActor();
  e.protocol = "cli";
  e.object_count = count;
  e.object_detail = Describe(cli.flags);
  return cli.log->Append(std::move(e)).status();
}

int Verify(Cli& cli) {
  auto v = cli.log->Verify();
  if (!v.ok()) return Fail(cli, v.status().ToString());
  if (v->ok) {
    std::printf("OK: %lld records\n", static_cast<long long>(v->records_checked));
    return 0;
  }
  std::printf("%s\n", v->problem.c_str());
  return 1;
}

int Search(Cli& cli) {
  audit::Query q;
  if (!BuildQuery(cli, &q)) return 2;
  if (auto it = cli.flags.find("--limit"); it != cli.flags.end()) {
    const auto n = base::ParseUint(it->second);
    if (!n || *n > audit::kMaxSearchLimit) return Fail(cli, "--limit: " + it->second);
    q.limit = static_cast<uint32_t>(*n);
  }
  auto records = cli.log->Search(q);
  if (!records.ok()) return Fail(cli, records.status().ToString());
  // Recorded before any result is shown.
  if (auto st = AppendCliEvent(cli, "audit.search", static_cast<int64_t>(records->size()));
      !st.ok()) {
    return Fail(cli, st.ToString());
  }
  for (const audit::Record& r : *records) {
    if (cli.json) {
      std::printf("%s\n", audit::ToJson(r).c_str());
      continue;
    }
    const audit::Event& e = r.event;
    std::string studies;
    for (const auto& s : e.study_uids) studies += (studies.empty() ? "" : ",") + s;
    std::printf(
        "%lld %s %s %s tenant=%lld actor=%s roles=%s from=%s via=%s patient=%s "
        "studies=%s count=%lld detail=%s%s%s\n",
        static_cast<long long>(r.seq), base::FormatIso8601(r.time).c_str(), e.action.c_str(),
        OutcomeName(e.outcome), static_cast<long long>(e.tenant_id), e.actor.c_str(),
        e.actor_roles.c_str(), e.source_address.c_str(), e.protocol.c_str(), e.patient_id.c_str(),
        studies.c_str(), static_cast<long long>(e.object_count), e.object_detail.c_str(),
        e.message.empty() ? "" : " message=", e.message.c_str());
  }
  return 0;
}

int Export(Cli& cli) {
  const std::string format = cli.flags.count("--format") ? cli.flags["--format"] : "";
  if (format != "dicom" && format != "fhir") return Fail(cli, "--format dicom|fhir");
  audit::Query q;
  if (!BuildQuery(cli, &q)) return 2;
  q.oldest_first = true;
  q.limit = 1000;
  if (auto st = AppendCliEvent(cli, "audit.export", 0); !st.ok()) return Fail(cli, st.ToString());

  std::unique_ptr<base::WritableFile> file;
  std::string path, tmp;
  if (auto it = cli.flags.find("--out"); it != cli.flags.end()) {
    path = it->second;
    tmp = path + ".tmp";
    auto f = base::PosixEnv().NewWritableFile(tmp);
    if (!f.ok()) return Fail(cli, f.status().ToString());
    file = std::move(f).value();
  }
  auto write = [&](std::string_view s) -> base::Status {
    if (file) return file->Append({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
    std::fwrite(s.data(), 1, s.size(), stdout);
    return base::Status::Ok();
  };
  const bool dicom = format == "dicom";
  base::Status st = write(dicom ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AuditMessages>\n"
                                : "{\"resourceType\":\"Bundle\",\"type\":\"collection\","
                                  "\"entry\":[");
  int64_t count = 0;
  while (st.ok()) {
    auto page = cli.log->Search(q);
    if (!page.ok()) {
      st = page.status();
      break;
    }
    for (const audit::Record& r : *page) {
      st = write(dicom ? audit::ToDicomAuditMessage(r, cli.source_id) + "\n"
                       : std::string(count ? ",\n" : "\n") +
                             "{\"resource\":" + audit::ToFhirAuditEvent(r, cli.source_id) + "}");
      if (!st.ok()) break;
      ++count;
      q.after_seq = r.seq;
    }
    if (page->size() < q.limit) break;
  }
  if (st.ok()) st = write(dicom ? "</AuditMessages>\n" : "\n]}\n");
  if (file) {
    if (st.ok()) st = file->Sync();
    if (st.ok()) st = file->Close();
    if (st.ok()) st = base::PosixEnv().Rename(tmp, path);
    if (!st.ok()) (void)base::PosixEnv().RemoveFile(tmp);
  }
  if (!st.ok()) return Fail(cli, st.ToString());
  std::fprintf(stderr, cli.lang == "en" ? "exported %lld records\n" : "%lld 件を出力しました\n",
               static_cast<long long>(count));
  return 0;
}

int Ship(Cli& cli) {
  auto it = cli.flags.find("--syslog");
  if (it == cli.flags.end()) return Fail(cli, "--syslog udp://|tcp://|tls://host:port");
  auto target = audit::ParseSyslogUrl(it->second);
  if (!target.ok()) return Fail(cli, target.status().ToString());
  if (cli.flags.count("--ca")) target->ca_file = cli.flags["--ca"];
  if (cli.flags.count("--cert")) target->cert_file = cli.flags["--cert"];
  if (cli.flags.count("--key")) target->key_file = cli.flags["--key"];
  audit::ShipperOptions options;
  options.destination = cli.flags.count("--destination") ? cli.flags["--destination"] : it->second;
  options.syslog.source_id = cli.source_id;
  auto sender = audit::NewSyslogSender(*target, options.syslog);
  if (!sender.ok()) return Fail(cli, sender.status().ToString());
  audit::AuditShipper shipper(cli.storage.database, *cli.log, std::move(sender).value(),
                              base::SystemClock(), options);
  auto sent = shipper.ShipOnce();
  const auto position = shipper.ShippedSeq();
  const long long last = position.ok() ? static_cast<long long>(*position) : -1;
  if (!sent.ok()) {
    std::fprintf(stderr, "dokuei audit: %s%s (shipped through seq %lld)\n",
                 cli.lang == "en" ? "error: " : "エラー: ", sent.status().ToString().c_str(), last);
    return 1;
  }
  std::printf("shipped %lld records (through seq %lld)\n", static_cast<long long>(*sent), last);
  return 0;
}

int Purge(Cli& cli) {
  auto purged = cli.log->Purge();
  if (!purged.ok()) return Fail(cli, purged.status().ToString());
  std::printf("purged %lld records\n", static_cast<long long>(*purged));
  return 0;
}

}  // namespace

std::string CliActor() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return std::string("cli:") + pw->pw_name;
  }
  return "cli:uid" + std::to_string(::geteuid());
}

int RunAudit(const std::vector<std::string>& args) {
  Cli cli;
  cli.lang = CliLanguage();
  const auto& commands = CommandFlags();
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help" ||
      !commands.count(args[0])) {
    std::printf("%s", cli.lang == "en" ? kHelpEn : kHelpJa);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      return args.empty() ? 2 : 0;
    }
    return Fail(cli, (cli.lang == "en" ? "unknown command " : "不明なコマンド ") + args[0]);
  }
  const std::string command = args[0];
  const std::vector<std::string>& own = commands.at(command);
  std::vector<std::string> rest;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string a = args[i], value;
    bool has_value = false;
    if (const size_t eq = a.find('='); base::StartsWith(a, "--") && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    if (a == "--help" || a == "-h") {
      std::printf("%s", cli.lang == "en" ? kHelpEn : kHelpJa);
      return 0;
    }
    if (a == "--json" && command == "search") {
      cli.json = true;
    } else if (std::find(own.begin(), own.end(), a) != own.end()) {
      if (!has_value) {
        if (i + 1 >= args.size()) {
          return Fail(cli, a + (cli.lang == "en" ? " needs a value" : " に値が必要です"));
        }
        value = args[++i];
      }
      cli.flags[a] = value;
    } else {
      rest.push_back(args[i]);
    }
  }

  audit::Options options;
  if (auto it = cli.flags.find("--retention-days"); it != cli.flags.end()) {
    const auto days = base::ParseUint(it->second);
    if (!days || *days < 1 || *days > 36500) return Fail(cli, "--retention-days: " + it->second);
    if (*days < 365 * 5) {
      std::fprintf(stderr, cli.lang == "en"
                               ? "dokuei audit: warning: retention below five years (MHLW "
                                 "guideline 6.0 asks for at least five)\n"
                               : "dokuei audit: 警告: 保存期間が 5 年未満です (医療情報システムの"
                                 "安全管理に関するガイドライン 6.0 は 5 年以上を求めています)\n");
    }
    options.retention = std::chrono::hours(24 * static_cast<int64_t>(*days));
  }

  bool help = false;
  auto config = LoadConfig(rest, &help);
  if (help) {
    std::printf("%s", cli.lang == "en" ? kHelpEn : kHelpJa);
    return 0;
  }
  if (!config.ok()) return Fail(cli, config.status().ToString());
  auto storage = OpenStorage(*config);
  if (!storage.ok()) return Fail(cli, storage.status().ToString());
  cli.storage = std::move(storage).value();
  auto log = audit::OpenAuditLog(cli.storage.database, base::SystemClock(), options);
  if (!log.ok()) return Fail(cli, log.status().ToString());
  cli.log = std::move(log).value();
  cli.source_id = cli.flags.count("--source-id") ? cli.flags["--source-id"] : config->ae_title;

  if (command == "verify") return Verify(cli);
  if (command == "search") return Search(cli);
  if (command == "export") return Export(cli);
  if (command == "ship") return Ship(cli);
  return Purge(cli);
}

}  // namespace dokuei::server
