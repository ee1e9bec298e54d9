// dokuei hl7: orders from hospital systems over MLLP, outside `dokuei serve` until the workflow
// API wires the port into serve.
//   dokuei hl7 send FILE... --to HOST:PORT     send ORM messages, print the ACKs (manual tests)
//   dokuei hl7 listen --senders FILE [--listen 127.0.0.1:2575] [serve storage options]
//       accept ORM^O01 over MLLP and create reading requests in the data directory's database,
//       each with its audit record in the same transaction; until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "config.h"
#include "dokuei/audit/audit.h"
#include "dokuei/base/strings.h"
#include "dokuei/intake/hl7.h"
#include "dokuei/intake/intake.h"
#include "dokuei/intake/mllp.h"
#include "dokuei/workflow/workflow.h"
#include "storage.h"

namespace dokuei::server {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

bool SplitHostPort(const std::string& s, std::string* host, uint16_t* port) {
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  char* end = nullptr;
  const long p = std::strtol(s.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || p < 0 || p > 65535 || colon + 1 == s.size()) return false;
  *host = s.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  *port = static_cast<uint16_t>(p);
  return true;
}

// The MSA code of an ACK ("AA", "AE", "AR"), or "" when there is none.
std::string AckCode(const std::string& ack) {
  const size_t msa = ack.find("\rMSA");
  if (msa == std::string::npos || msa + 8 > ack.size()) return {};
  return ack.substr(msa + 5, 2);
}

void Usage(bool en) {
  std::printf(
      en ? "Usage:\n"
           "  dokuei hl7 send FILE... --to HOST:PORT [--timeout SECONDS]\n"
           "      sends each HL7 v2 message over MLLP and prints the ACK; exit 0 when all are AA,\n"
           "      1 when one is AE/AR, 2 when a message could not be sent\n"
           "  dokuei hl7 listen --senders FILE [--listen HOST:PORT] [--max-message-bytes N]\n"
           "                    [--idle-timeout SECONDS] [dokuei serve storage options]\n"
           "      accepts ORM^O01 orders over MLLP (default 127.0.0.1:2575) and creates reading\n"
           "      requests; FILE lists the hospitals' HL7 senders ([[hl7.senders]] facility,\n"
           "      application, tenant). Runs until SIGINT or SIGTERM.\n"
         : "使い方:\n"
           "  dokuei hl7 send FILE... --to HOST:PORT [--timeout 秒]\n"
           "      HL7 v2 メッセージを MLLP で送信し ACK を表示します。すべて AA なら終了コード "
           "0、\n"
           "      AE/AR があれば 1、送信できなければ 2\n"
           "  dokuei hl7 listen --senders FILE [--listen HOST:PORT] [--max-message-bytes N]\n"
           "                    [--idle-timeout 秒] [dokuei serve の保存先オプション]\n"
           "      MLLP (既定 127.0.0.1:2575) で ORM^O01 "
           "オーダーを受け付け、読影依頼を作成します。\n"
           "      FILE には各施設の HL7 送信元 ([[hl7.senders]] facility, application, tenant) を\n"
           "      記載します。SIGINT または SIGTERM まで動作します。\n");
}

int Send(const std::vector<std::string>& args, bool en) {
  std::vector<std::string> files;
  std::string to;
  long timeout_s = 30;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--to" && i + 1 < args.size()) {
      to = args[++i];
    } else if (args[i] == "--timeout" && i + 1 < args.size()) {
      timeout_s = std::strtol(args[++i].c_str(), nullptr, 10);
    } else if (base::StartsWith(args[i], "--")) {
      std::fprintf(
          stderr,
          en ? "dokuei hl7 send: unknown option %s\n" : "dokuei hl7 send: 不明なオプション %s\n",
          args[i].c_str());
      return 2;
    } else {
      files.push_back(args[i]);
    }
  }
  std::string host;
  uint16_t port = 0;
  if (files.empty() || !SplitHostPort(to, &host, &port) || timeout_s <= 0) {
    Usage(en);
    return 2;
  }
  int rc = 0;
  for (const std::string& f : files) {
    std::string message;
    if (!ReadFile(f, &message)) {
      std::fprintf(stderr,
                   en ? "dokuei hl7 send: cannot read %s\n" : "dokuei hl7 send: %s を読めません\n",
                   f.c_str());
      return 2;
    }
    auto ack = intake::MllpSend(host, port, message, std::chrono::seconds(timeout_s));
    if (!ack.ok()) {
      std::fprintf(stderr, "dokuei hl7 send: %s: %s\n", f.c_str(), ack.status().ToString().c_str());
      return 2;
    }
    std::string shown = *ack;
    for (char& c : shown)
      if (c == '\r') c = '\n';
    std::printf("%s", shown.c_str());
    if (!shown.empty() && shown.back() != '\n') std::printf("\n");
    if (AckCode(*ack) != "AA") rc = 1;
  }
  std::fflush(stdout);
  return rc;
}

int Listen(const std::vector<std::string>& raw, bool en) {
  std::string senders_file, listen = "127.0.0.1:2575";
  intake::MllpOptions options;
  std::vector<std::string> rest;
  for (size_t i = 0; i < raw.size(); ++i) {
    const std::string& a = raw[i];
    const bool has_value = i + 1 < raw.size();
    if (a == "--help" || a == "-h") {
      Usage(en);
      return 0;
    }
    if (a == "--senders" && has_value) {
      senders_file = raw[++i];
    } else if (a == "--listen" && has_value) {
      listen = raw[++i];
    } else if (a == "--max-message-bytes" && has_value) {
      options.max_message_bytes = std::strtoul(raw[++i].c_str(), nullptr, 10);
    } else if (a == "--idle-timeout" && has_value) {
      options.idle_timeout = std::chrono::seconds(std::strtol(raw[++i].c_str(), nullptr, 10));
    } else {
      rest.push_back(a);
    }
  }
  auto fail = [&](const std::string& ja, const std::string& english) {
    std::fprintf(stderr, "dokuei hl7 listen: %s\n", (en ? english : ja).c_str());
    return 2;
  };
  if (!SplitHostPort(listen, &options.address, &options.port))
    return fail("--listen は HOST:PORT で指定してください", "--listen needs HOST:PORT");
  if (options.max_message_bytes < 1024 || options.idle_timeout.count() <= 0)
    return fail("--max-message-bytes は 1024 以上、--idle-timeout は 1 秒以上",
                "--max-message-bytes at least 1024, --idle-timeout at least 1 second");
  std::string senders_text;
  if (senders_file.empty() || !ReadFile(senders_file, &senders_text))
    return fail("--senders の送信元一覧を読めません", "cannot read the --senders list");
  auto senders = intake::ParseSenderList(senders_text);
  if (!senders.ok()) return fail(senders.status().message(), senders.status().message());
  if (senders->empty())
    return fail("送信元一覧が空です ([[hl7.senders]])",
                "the sender list is empty ([[hl7.senders]])");

  bool help = false;
  auto config = LoadConfig(rest, &help);
  if (help) {
    Usage(en);
    return 0;
  }
  if (!config.ok()) return fail(config.status().ToString(), config.status().ToString());
  auto storage = OpenStorage(*config);
  if (!storage.ok()) return fail(storage.status().ToString(), storage.status().ToString());
  auto log = audit::OpenAuditLog(storage->database, base::SystemClock());
  if (!log.ok()) return fail(log.status().ToString(), log.status().ToString());
  audit::AuditLog& audit_log = **log;
  workflow::WorkflowOptions wopts;
  wopts.audit = [&audit_log](db::Conn& c, const audit::Event& e) -> base::Status {
    return audit_log.AppendIn(c, e).status();
  };
  workflow::StaticReaderDirectory no_readers({});  // intake only: no dispatching here
  auto wf = workflow::OpenWorkflow(storage->database, base::SystemClock(), no_readers, wopts);
  if (!wf.ok()) return fail(wf.status().ToString(), wf.status().ToString());

  std::shared_ptr<db::Database> database = storage->database;
  intake::ConfigSenderDirectory directory(
      *senders, [database](const std::string& code) -> std::optional<int64_t> {
        std::optional<int64_t> id;
        const db::Value p[] = {code};
        auto st = database->Transact(db::TxKind::kRead, [&](db::Conn& c) {
          return c.Query("SELECT id FROM tenants WHERE code = ?", p, [&](const db::Row& r) {
            id = r.Int(0);
            return base::Status::Ok();
          });
        });
        return st.ok() ? id : std::nullopt;
      });
  intake::Hl7Intake intake((*wf)->requests(), directory, base::SystemClock());
  for (const intake::Hl7Sender& s : *senders)
    if (!directory.Find(s.facility, {}, s.application))
      std::fprintf(stderr,
                   en ? "warning: sender %s: no hospital with tenant code '%s' (its messages get "
                        "AR)\n"
                      : "警告: 送信元 %s: 施設コード '%s' の施設がありません (AR を返します)\n",
                   s.facility.c_str(), s.tenant_code.c_str());

  // Block the signals before the listener's threads start, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto listener = intake::StartMllpListener(
      options,
      [&intake](std::string_view msg, std::string_view peer) {
        intake::Hl7Outcome out = intake.Handle(msg, peer);
        if (out.code == "AA") {
          std::fprintf(stderr, "hl7: AA request %lld from %.*s\n",
                       static_cast<long long>(out.request_id), static_cast<int>(peer.size()),
                       peer.data());
        } else {
          std::fprintf(stderr, "hl7: %s from %.*s: %s\n", out.code.c_str(),
                       static_cast<int>(peer.size()), peer.data(), out.error.c_str());
        }
        return out.ack;
      },
      [&intake](std::string_view head) { return intake.OversizeAck(head); });
  if (!listener.ok()) return fail(listener.status().ToString(), listener.status().ToString());
  if (options.address != "127.0.0.1" && options.address != "::1" && options.address != "localhost")
    std::fprintf(stderr,
                 en ? "warning: MLLP is plain TCP; expose it only inside a VPN or a TLS "
                      "tunnel\n"
                    : "警告: MLLP は暗号化されません。VPN または TLS トンネル内でのみ公開して"
                      "ください\n");
  std::printf(en ? "HL7 MLLP: listening on %s:%u (%zu senders)\n"
                 : "HL7 MLLP: %s:%u で待ち受け中 (送信元 %zu 件)\n",
              options.address.c_str(), static_cast<unsigned>((*listener)->port()), senders->size());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  (*listener)->Stop();
  return 0;
}

}  // namespace

int RunHl7(const std::vector<std::string>& args) {
  bool en = CliLanguage() == "en";
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--lang" && i + 1 < args.size()) {
      en = args[++i] == "en";
    } else {
      rest.push_back(args[i]);
    }
  }
  if (rest.empty() || rest[0] == "--help" || rest[0] == "-h") {
    Usage(en);
    return rest.empty() ? 2 : 0;
  }
  const std::string cmd = rest[0];
  rest.erase(rest.begin());
  if (cmd == "send") return Send(rest, en);
  if (cmd == "listen") return Listen(rest, en);
  Usage(en);
  return 2;
}

}  // namespace dokuei::server
