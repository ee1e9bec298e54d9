// dokuei: one binary, subcommands.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "config.h"

namespace {

void Usage(const std::string& lang) {
  if (lang == "en") {
    std::printf(
        "Usage: dokuei <command> [options]\n\n"
        "Commands:\n"
        "  serve            run the archive (DICOM DIMSE + DICOMweb); see `dokuei serve --help`\n"
        "  demo generate    write synthetic spine phantom studies with ground truth\n"
        "  fsck             check that every indexed object has its stored bytes (and more)\n"
        "  admin            set up tenants, users, AE titles, API tokens; see `dokuei admin --help`\n"
        "  audit            verify, search, export, ship and purge the audit trail\n"
        "  simulate         capacity simulation: assignment engine beside FIFO on a roster\n"
        "  hl7              HL7 v2 orders over MLLP: `hl7 listen`, `hl7 send FILE --to HOST:PORT`\n"
        "  version          print the version\n");
  } else {
    std::printf(
        "使い方: dokuei <コマンド> [オプション]\n\n"
        "コマンド:\n"
        "  serve            アーカイブを起動 (DICOM DIMSE + DICOMweb)。`dokuei serve --help` 参照\n"
        "  demo generate    正解データ付きの合成脊椎ファントム検査を書き出す\n"
        "  fsck             索引の全オブジェクトに実データがあるかなどを検査\n"
        "  admin            施設・利用者・AE タイトル・API トークンの登録。`dokuei admin --help` 参照\n"
        "  audit            監査証跡の検証・検索・出力・転送・保存期間管理\n"
        "  simulate         読影体制のシミュレーション (割当エンジンと FIFO の比較)\n"
        "  hl7              MLLP による HL7 v2 オーダー受付 (`hl7 listen`、`hl7 send FILE --to HOST:PORT`)\n"
        "  version          バージョンを表示\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::string lang = dokuei::server::CliLanguage();
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    Usage(lang);
    return args.empty() ? 2 : 0;
  }
  std::string cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "serve") return dokuei::server::RunServe(rest);
  if (cmd == "demo") return dokuei::server::RunDemo(rest);
  if (cmd == "fsck") return dokuei::server::RunFsck(rest);
  if (cmd == "admin") return dokuei::server::RunAdmin(rest);
  if (cmd == "audit") return dokuei::server::RunAudit(rest);
  if (cmd == "simulate") return dokuei::server::RunSimulate(rest);
  if (cmd == "hl7") return dokuei::server::RunHl7(rest);
  if (cmd == "version" || cmd == "--version") {
    std::printf("dokuei %s\n", DOKUEI_VERSION);
    return 0;
  }
  std::fprintf(stderr, lang == "en" ? "unknown command '%s'\n\n" : "不明なコマンド '%s'\n\n",
               cmd.c_str());
  Usage(lang);
  return 2;
}
