// The impression: what the clinical question asks about, and the lines that answer it and rank
// the findings (narrative_internal.h).
#include <algorithm>
#include <set>

#include "dokuei/base/strings.h"
#include "narrative_internal.h"

namespace dokuei::spine::narrative {
namespace {

// Full-width ASCII (Ｌ４／５) to ASCII, the dashes and slashes of Japanese text to '-' and '/'.
std::string Normalize(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (i + len > s.size()) len = 1;
    uint32_t cp = c;
    if (len == 2) cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
    if (len == 3) cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
      out += static_cast<char>(cp - 0xFEE0);
    } else if (cp == 0x2013 || cp == 0x2014 || cp == 0x2212 || cp == 0x301C || cp == 0x30FC) {
      out += '-';  // – — − 〜 ー
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

bool IsRegion(char c) { return c == 'C' || c == 'T' || c == 'L' || c == 'S'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

struct Keyword {
  std::string_view word;
  std::string_view condition;  // one of the five, or "" for a topic
  std::string_view topic;
};

constexpr Keyword kKeywords[] = {
    {"ヘルニア", "disc_herniation", ""},    {"椎間板突出", "disc_herniation", ""},
    {"椎間板脱出", "disc_herniation", ""},  {"herniat", "disc_herniation", ""},
    {"protrusion", "disc_herniation", ""},  {"extrusion", "disc_herniation", ""},
    {"狭窄", "canal_stenosis", ""},         {"stenosis", "canal_stenosis", ""},
    {"跛行", "canal_stenosis", ""},         {"claudication", "canal_stenosis", ""},
    {"側弯", "scoliosis", ""},              {"側彎", "scoliosis", ""},
    {"scoliosis", "scoliosis", ""},         {"cobb", "scoliosis", ""},
    {"分離", "spondylolysis_listhesis", ""}, {"すべり", "spondylolysis_listhesis", ""},
    {"辷り", "spondylolysis_listhesis", ""}, {"spondylolys", "spondylolysis_listhesis", ""},
    {"listhesis", "spondylolysis_listhesis", ""}, {"pars", "spondylolysis_listhesis", ""},
    {"変形性", "spondylosis_deformans", ""}, {"骨棘", "spondylosis_deformans", ""},
    {"spondylosis", "spondylosis_deformans", ""}, {"osteophyte", "spondylosis_deformans", ""},
    {"後縦靱帯骨化", "", "opll"},           {"後縦靭帯骨化", "", "opll"},
    {"opll", "", "opll"},                   {"黄色靱帯骨化", "", "olf"},
    {"黄色靭帯骨化", "", "olf"},            {"骨折", "", "fracture"},
    {"fracture", "", "fracture"},           {"脊髄", "", "cord"},
    {"myelopathy", "", "cord"},             {"cord", "", "cord"},
    {"馬尾", "", "cauda"},                  {"cauda", "", "cauda"},
};

bool Relevant(const Finding& f, const Question& q) {
  if (f.most_severe) return true;
  if (std::find(q.conditions.begin(), q.conditions.end(), f.condition) != q.conditions.end() &&
      !f.condition.empty())
    return true;
  for (const std::string& t : q.topics) {
    if (base::ToLowerAscii(f.field).find(t) != std::string::npos || f.section == t) return true;
  }
  if (!q.side.empty() && q.side != "both" && (f.side == q.side)) return true;
  return std::find(q.vertebrae.begin(), q.vertebrae.end(), f.site) != q.vertebrae.end();
}

// "…(Lee 2、硬膜嚢面積78.4 mm²)" rather than two parentheses in a row.
std::string NounWithExtras(const Finding& f, std::string_view lang) {
  if (f.extras.empty()) return f.noun;
  if (base::EndsWith(f.noun, ")")) {
    return f.noun.substr(0, f.noun.size() - 1) + (En(lang) ? "; " : "、") + f.extras + ")";
  }
  return f.noun + Paren(f.extras, lang);
}

std::string SideName(std::string_view side, std::string_view lang) {
  if (side == "right") return En(lang) ? "right" : "右";
  if (side == "left") return En(lang) ? "left" : "左";
  return En(lang) ? "both sides" : "両側";
}

// "L4/5に…を認めます(図1)。" for the findings of one site.
std::string StateAt(std::string_view site, const std::vector<const Finding*>& fs,
                    std::string_view lang) {
  std::vector<std::string> nouns;
  std::vector<int> figures;
  for (const Finding* f : fs) {
    nouns.push_back(NounWithExtras(*f, lang));
    for (int fig : f->figures) {
      if (std::find(figures.begin(), figures.end(), fig) == figures.end()) figures.push_back(fig);
    }
  }
  const std::string joined = JoinNouns(nouns, lang);
  if (En(lang)) {
    return (site.empty() ? Capitalize(joined) : "At " + SiteDisplay(site, lang) + ", " + joined) +
           FigureRef(figures, lang) + ".";
  }
  return (site.empty() ? "" : SiteDisplay(site, lang) + "に") + joined + "を認めます" +
         FigureRef(figures, lang) + "。";
}

}  // namespace

Question ParseQuestion(std::string_view text, const Template& tmpl) {
  Question q;
  const std::string s = Normalize(text);
  auto in = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsRegion(s[i]) || (i > 0 && std::isalpha(static_cast<unsigned char>(s[i - 1]))))
      continue;
    size_t j = i + 1;
    while (j < s.size() && IsDigit(s[j])) ++j;
    if (j == i + 1) continue;
    const std::string upper = s.substr(i, j - i);
    size_t k = j;
    while (k < s.size() && s[k] == ' ') ++k;
    std::string level;
    if (k < s.size() && (s[k] == '/' || s[k] == '-')) {
      size_t m = k + 1;
      while (m < s.size() && s[m] == ' ') ++m;
      char region = s[i];
      if (m < s.size() && IsRegion(s[m])) region = s[m++];
      const size_t digits = m;
      while (m < s.size() && IsDigit(s[m])) ++m;
      if (m > digits) {
        level = upper + "-" + std::string(1, region) + s.substr(digits, m - digits);
        j = m;
      }
    }
    if (!level.empty() && in(tmpl.levels, level)) {
      if (!in(q.levels, level)) q.levels.push_back(level);
    } else if (level.empty() && in(tmpl.vertebrae, upper) && !in(q.vertebrae, upper)) {
      q.vertebrae.push_back(upper);
    }
    i = j - 1;
  }
  const std::string lower = base::ToLowerAscii(s);
  const bool right = s.find("右") != std::string::npos || lower.find("right") != std::string::npos;
  const bool left = s.find("左") != std::string::npos || lower.find("left") != std::string::npos;
  const bool both = s.find("両") != std::string::npos || lower.find("bilateral") != std::string::npos;
  q.side = both || (right && left) ? "both" : right ? "right" : left ? "left" : "";
  for (const Keyword& k : kKeywords) {
    if (lower.find(k.word) == std::string::npos) continue;
    const std::string c(k.condition), t(k.topic);
    if (!c.empty() && tmpl.conditions.count(c) && !in(q.conditions, c)) q.conditions.push_back(c);
    if (!t.empty() && !in(q.topics, t)) q.topics.push_back(t);
  }
  return q;
}

std::vector<std::string> BuildImpression(const std::vector<ReaderItem>& reader,
                                         const std::vector<Finding>& findings,
                                         const Question& q,
                                         const std::vector<std::string>& stated_levels,
                                         const std::vector<std::string>& incidental_lines,
                                         std::string_view lang) {
  const bool en = En(lang);
  std::vector<std::string> lines;
  std::set<std::string> covered_levels;
  std::string reader_text;
  bool answered = false;
  std::vector<const ReaderItem*> ordered;
  // The item that answers the question comes first: flagged by the reader, or else the first
  // that is about a level the question names.
  auto about_question = [&](const ReaderItem& r) {
    return std::any_of(r.levels.begin(), r.levels.end(), [&](const std::string& l) {
      return std::find(q.levels.begin(), q.levels.end(), l) != q.levels.end();
    });
  };
  const ReaderItem* first = nullptr;
  for (const ReaderItem& r : reader) {
    if (r.answers_question) {
      first = &r;
      break;
    }
  }
  for (const ReaderItem& r : reader) {
    if (first == nullptr && about_question(r)) first = &r;
  }
  if (first != nullptr) ordered.push_back(first);
  for (const ReaderItem& r : reader) {
    if (&r != first) ordered.push_back(&r);
  }
  for (const ReaderItem* r : ordered) {
    std::string line = r->text;
    std::vector<int> figs;
    for (int f : r->figures) {
      if (line.find((en ? "Fig. " : "図") + std::to_string(f)) == std::string::npos)
        figs.push_back(f);
    }
    if (!figs.empty()) {
      std::string end;
      for (std::string_view e : {"。", "."}) {
        if (base::EndsWith(line, e)) {
          line.resize(line.size() - e.size());
          end = e;
          break;
        }
      }
      line += FigureRef(figs, lang) + end;
    }
    lines.push_back(line);
    covered_levels.insert(r->levels.begin(), r->levels.end());
    reader_text += r->text;
    answered = answered || r == first;
  }

  std::set<int> used;  // findings (by order) already written in the impression
  // The answer to the clinical question when the reader's items do not give it.
  if (!answered && (!q.levels.empty() || !q.conditions.empty() || !q.topics.empty())) {
    std::vector<std::string> parts;
    std::vector<std::string> sides_seen;
    auto take = [&](std::vector<const Finding*> fs, std::string_view site) {
      // What the question asks about, and what else is moderate or severe there.
      std::vector<const Finding*> keep;
      for (const Finding* f : fs) {
        if (Relevant(*f, q) || f->severity >= 2) keep.push_back(f);
      }
      if (keep.empty()) keep = fs;
      fs = keep;
      std::stable_sort(fs.begin(), fs.end(), [&](const Finding* a, const Finding* b) {
        const bool ra = Relevant(*a, q), rb = Relevant(*b, q);
        if (ra != rb) return ra;
        if (a->severity != b->severity) return a->severity > b->severity;
        return a->order < b->order;
      });
      if (fs.size() > 3) fs.resize(3);
      for (const Finding* f : fs) {
        used.insert(f->order);
        if (!f->side.empty()) sides_seen.push_back(f->side);
      }
      parts.push_back(StateAt(site, fs, lang));
    };
    std::vector<std::string> wanted;
    for (const std::string& c : q.conditions) wanted.push_back(ConditionName(c, lang));
    const std::string wanted_text = wanted.empty() ? "" : JoinNouns(wanted, lang);
    for (const std::string& level : q.levels) {
      std::vector<const Finding*> at;
      for (const Finding& f : findings) {
        if (f.site == level && f.abnormal) at.push_back(&f);
      }
      if (!at.empty()) {
        take(at, level);
      } else if (std::find(stated_levels.begin(), stated_levels.end(), level) ==
                 stated_levels.end()) {
        parts.push_back(en ? SiteDisplay(level, lang) + " is not described in this report."
                           : SiteDisplay(level, lang) + "の所見は記載されていません。");
      } else if (en) {
        parts.push_back("No " + (wanted.empty() ? std::string("significant abnormality")
                                                : wanted_text) +
                        " at " + SiteDisplay(level, lang) + ".");
      } else {
        parts.push_back(SiteDisplay(level, lang) + "に" +
                        (wanted.empty() ? std::string("特記すべき異常") : wanted_text) +
                        "を認めません。");
      }
    }
    if (q.levels.empty()) {
      std::vector<const Finding*> hits;
      for (const Finding& f : findings) {
        if (f.abnormal && Relevant(f, q) && (!q.conditions.empty() || !q.topics.empty()))
          hits.push_back(&f);
      }
      std::stable_sort(hits.begin(), hits.end(), [](const Finding* a, const Finding* b) {
        return a->severity > b->severity;
      });
      if (hits.size() > 3) hits.resize(3);
      for (const Finding* f : hits) take({f}, f->site);
      if (hits.empty() && !wanted.empty()) {
        parts.push_back(en ? "No " + wanted_text + "." : wanted_text + "を認めません。");
      }
    }
    if ((q.side == "left" || q.side == "right") && !sides_seen.empty()) {
      const bool match = std::any_of(sides_seen.begin(), sides_seen.end(), [&](const auto& s) {
        return s == q.side || s == "both";
      });
      const std::string side = SideName(q.side, lang);
      if (match) {
        parts.push_back(en ? "This matches the symptomatic side (" + side + ")."
                           : "症状側(" + side + ")と一致します。");
      } else {
        parts.push_back(en ? "The findings are on the side opposite to the symptoms (" + side +
                                 ")."
                           : "所見は症状側(" + side + ")と反対側です。");
      }
    }
    if (!parts.empty()) {
      std::string line = en ? "Answer to the clinical question: " : "依頼内容への回答: ";
      for (size_t i = 0; i < parts.size(); ++i) line += (i && en ? " " : "") + parts[i];
      lines.insert(lines.begin(), line);  // the question is answered first
      covered_levels.insert(q.levels.begin(), q.levels.end());
    }
  }

  // The most severe findings the reader did not write about, one line per level.
  struct Line {
    std::string text;
    int severity = 0;
    bool relevant = false;
    int order = 0;
  };
  std::vector<Line> ranked;
  std::vector<std::string> sites;
  for (const Finding& f : findings) {
    if (!f.abnormal || used.count(f.order)) continue;
    // How the study was made is no finding for the impression.
    if (f.section == "technique" || f.section == "comparison" || f.section == "numbering")
      continue;
    if (!f.site.empty() && f.section == "levels") {
      if (covered_levels.count(f.site)) continue;
      if (std::find(sites.begin(), sites.end(), f.site) == sites.end()) sites.push_back(f.site);
      continue;
    }
    // A finding outside the levels that the reader's items name is theirs.
    std::vector<std::string> names = f.names;
    names.push_back(ConditionName(f.condition, lang));
    if (std::any_of(names.begin(), names.end(), [&](const std::string& n) {
          return n.size() >= 6 && reader_text.find(n) != std::string::npos;
        }))
      continue;
    const std::string noun = NounWithExtras(f, lang);
    const std::string line =
        f.site.empty() ? (en ? Capitalize(noun) : noun) : SiteDisplay(f.site, lang) + ": " + noun;
    ranked.push_back({EndSentence(line, lang), f.severity, Relevant(f, q), f.order});
    ranked.back().text.insert(ranked.back().text.size() - (en ? 1 : std::string_view("。").size()),
                              FigureRef(f.figures, lang));
  }
  for (const std::string& site : sites) {
    std::vector<const Finding*> at;
    int top = 0;
    for (const Finding& f : findings) {
      if (f.site == site && f.abnormal && !used.count(f.order)) {
        at.push_back(&f);
        top = std::max(top, f.severity);
      }
    }
    std::vector<const Finding*> keep;
    bool relevant = false;
    for (const Finding* f : at) {
      if (f->severity >= std::min(top, 2)) keep.push_back(f);
    }
    std::stable_sort(keep.begin(), keep.end(), [](const Finding* a, const Finding* b) {
      return a->severity > b->severity;
    });
    std::vector<std::string> nouns;
    std::vector<int> figures;
    for (const Finding* f : keep) {
      nouns.push_back(NounWithExtras(*f, lang));
      relevant = relevant || Relevant(*f, q);
      for (int fig : f->figures) {
        if (std::find(figures.begin(), figures.end(), fig) == figures.end())
          figures.push_back(fig);
      }
    }
    ranked.push_back({SiteDisplay(site, lang) + ": " + JoinList(nouns, lang) +
                          FigureRef(figures, lang),
                      top, relevant, keep.empty() ? 0 : keep.front()->order});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Line& a, const Line& b) {
    if (a.relevant != b.relevant) return a.relevant;
    if (a.severity != b.severity) return a.severity > b.severity;
    return a.order < b.order;
  });
  // Moderate and severe findings, and mild ones the question is about; other mild findings
  // only while fewer than two lines are written (ranked last, so only when little else is).
  int written = 0;
  for (const Line& l : ranked) {
    if (written == 5) break;
    if (l.severity < 2 && !l.relevant && written >= 2) continue;
    lines.push_back(l.text);
    ++written;
  }
  if (lines.empty()) {
    lines.push_back(en ? "No significant abnormality of the spine." : "脊椎に特記すべき異常を認めません。");
  }
  for (const std::string& l : incidental_lines) lines.push_back(l);
  return lines;
}

}  // namespace dokuei::spine::narrative
