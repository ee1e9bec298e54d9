// dokuei demo generate: synthetic spine phantom studies with ground truth (src/demo).
#include <cstdio>

#include "commands.h"
#include "config.h"
#include "dokuei/base/strings.h"
#include "dokuei/demo/phantom.h"

namespace dokuei::server {

int RunDemo(const std::vector<std::string>& args) {
  const bool en = CliLanguage() == "en";
  auto usage = [&] {
    std::printf(en ? "Usage: dokuei demo generate --out DIR [options]\n\n"
                     "Writes synthetic spine studies (lumbar MR sagittal T1/T2 + axial T2, lumbar "
                     "CT, standing AP and lateral X-ray)\nwith their ground truth (truth.json: Cobb "
                     "angle, slip, endplate landmarks). Deterministic by seed.\n\nOptions:\n"
                   : "使い方: dokuei demo generate --out DIR [オプション]\n\n"
                     "合成の脊椎検査 (腰椎 MRI 矢状断 T1/T2・横断 T2、腰椎 CT、立位正面・側面 X 線) "
                     "を正解データ\n(truth.json: Cobb 角、すべり、終板の座標) とともに書き出します。"
                     "seed が同じなら同じ出力です。\n\nオプション:\n");
    for (const auto& o : demo::DescribeOptions())
      std::printf("  --%-22s %s (default: %s)\n", o.name.c_str(), o.help.c_str(),
                  o.default_value.c_str());
  };
  if (args.empty() || args[0] != "generate") {
    usage();
    return args.empty() || args[0] == "--help" ? 0 : 2;
  }
  demo::GenerateOptions options;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") {
      usage();
      return 0;
    }
    if (!base::StartsWith(a, "--")) {
      std::fprintf(stderr, "dokuei demo generate: unexpected argument '%s'\n", a.c_str());
      return 2;
    }
    std::string name = a.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (name == "bench" || name == "mr-axial-angled") {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      std::fprintf(stderr, "dokuei demo generate: --%s needs a value\n", name.c_str());
      return 2;
    }
    if (auto st = demo::SetOption(options, name, value); !st.ok()) {
      std::fprintf(stderr, "dokuei demo generate: %s\n", st.ToString().c_str());
      return 2;
    }
  }
  if (options.out_dir.empty()) {
    std::fprintf(stderr, en ? "dokuei demo generate: --out is required\n"
                            : "dokuei demo generate: --out を指定してください\n");
    return 2;
  }
  auto summary = demo::Generate(options);
  if (!summary.ok()) {
    std::fprintf(stderr, "dokuei demo generate: %s\n", summary.status().ToString().c_str());
    return 1;
  }
  std::printf("%d files, %llu bytes, %zu studies; truth: %s\n", summary->files,
              static_cast<unsigned long long>(summary->bytes), summary->study_uids.size(),
              summary->truth_path.c_str());
  return 0;
}

}  // namespace dokuei::server
