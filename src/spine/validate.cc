// Content against its template (validate.h).
#include "dokuei/spine/validate.h"

#include <algorithm>
#include <set>

#include "content_json.h"

namespace dokuei::spine {
namespace internal {
namespace {

class Checker {
 public:
  Checker(const Template& t, std::vector<Problem>& out) : t_(t), out_(out) {}

  void Run(const json& c) {
    for (const char* s : {"technique", "comparison", "numbering", "cord", "paraspinal"}) {
      if (const auto it = c.find(s); it != c.end() && it->is_object())
        Flat(*it, s, "content." + std::string(s), {});
    }
    if (const auto it = c.find("alignment"); it != c.end() && it->is_object()) {
      Flat(*it, "alignment", "content.alignment", {"curves"});
      if (const auto cv = it->find("curves"); cv != it->end()) Curves(*cv);
    }
    if (const auto it = c.find("vertebrae"); it != c.end() && it->is_object()) {
      Flat(*it, "vertebrae", "content.vertebrae", {"items"});
      if (const auto items = it->find("items"); items != it->end()) Vertebrae(*items);
    }
    key_images_ = 0;
    if (const auto k = c.find("key_images"); k != c.end() && k->is_array())
      key_images_ = static_cast<int>(k->size());
    if (const auto m = c.find("measurements"); m != c.end()) Measurements(*m);
    if (const auto k = c.find("key_images"); k != c.end()) KeyImages(*k);
    if (const auto it = c.find("levels"); it != c.end() && it->is_array()) Levels(*it);
    if (const auto it = c.find("incidental"); it != c.end() && it->is_array()) Incidental(*it);
    if (const auto it = c.find("impression"); it != c.end() && it->is_array()) Impression(*it);
    if (const auto it = c.find("critical_communication"); it != c.end() && it->is_object())
      Critical(*it);
  }

 private:
  void Bad(const std::string& field, std::string ja, std::string en) {
    out_.push_back({field, {std::move(ja), std::move(en)}});
  }

  void Unknown(const std::string& field, const std::string& key) {
    Bad(field, "テンプレート " + t_.id + " にない項目です: " + key,
        "unknown field \"" + key + "\" (not in template " + t_.id + ")");
  }

  // One value of a field (one side of a sided field).
  void Value(const FieldDef& f, const json& v, const std::string& field) {
    switch (f.type) {
      case FieldType::kCode: {
        if (!v.is_string())
          return Bad(field, "コード (文字列) で指定してください", "must be a code (a string)");
        const ValueSet* vs = t_.Set(f.value_set);
        if (vs == nullptr || vs->Find(v.get<std::string>()) == nullptr)
          Bad(field, "値 \"" + v.get<std::string>() + "\" は " + f.value_set + " にありません",
              "\"" + v.get<std::string>() + "\" is not a value of " + f.value_set);
        return;
      }
      case FieldType::kCodes: {
        if (!v.is_array())
          return Bad(field, "コードの配列で指定してください", "must be an array of codes");
        const ValueSet* vs = t_.Set(f.value_set);
        std::set<std::string> seen;
        for (size_t i = 0; i < v.size(); ++i) {
          const std::string fi = field + "[" + std::to_string(i) + "]";
          if (!v[i].is_string()) {
            Bad(fi, "コード (文字列) で指定してください", "must be a code (a string)");
          } else if (vs == nullptr || vs->Find(v[i].get<std::string>()) == nullptr) {
            Bad(fi, "値 \"" + v[i].get<std::string>() + "\" は " + f.value_set + " にありません",
                "\"" + v[i].get<std::string>() + "\" is not a value of " + f.value_set);
          } else if (!seen.insert(v[i].get<std::string>()).second) {
            Bad(fi, "同じ値が二度あります", "given twice");
          }
        }
        return;
      }
      case FieldType::kNumber: {
        if (!v.is_number()) return Bad(field, "数値で指定してください", "must be a number");
        const double d = v.get<double>();
        if ((f.min && d < *f.min) || (f.max && d > *f.max))
          Bad(field,
              "範囲外の値です (" + Num(f.min.value_or(0)) + "～" + Num(f.max.value_or(0)) + " " +
                  f.unit + ")",
              "out of range (" + Num(f.min.value_or(0)) + " to " + Num(f.max.value_or(0)) + " " +
                  f.unit + ")");
        return;
      }
      case FieldType::kBoolean:
        if (!v.is_boolean())
          Bad(field, "true または false で指定してください", "must be true or false");
        return;
      case FieldType::kText:
        if (!v.is_string()) Bad(field, "文字列で指定してください", "must be a string");
        return;
    }
  }

  void Field(const FieldDef& f, const json& v, const std::string& field) {
    if (!f.sided) return Value(f, v, field);
    if (!v.is_object())
      return Bad(field, "左右を {\"left\": …, \"right\": …} で指定してください",
                 "a sided field needs {\"left\": ..., \"right\": ...}");
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.key() != "left" && it.key() != "right") Unknown(field + "." + it.key(), it.key());
    }
    for (const char* side : {"left", "right"}) {
      const auto s = v.find(side);
      if (s == v.end()) {
        Bad(field + "." + side,
            std::string(side == std::string("left") ? "左" : "右") + "の記載がありません",
            std::string("the ") + side + " side is missing");
      } else {
        Value(f, *s, field + "." + side);
      }
    }
  }

  // An object whose keys are fields of `section` (plus the `extra` keys the caller handles).
  void Flat(const json& o, const std::string& section, const std::string& path,
            std::initializer_list<std::string_view> extra) {
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (std::find(extra.begin(), extra.end(), it.key()) != extra.end()) continue;
      const FieldDef* f = t_.Field(section, it.key());
      if (f == nullptr) {
        Unknown(path + "." + it.key(), it.key());
      } else {
        Field(*f, it.value(), path + "." + it.key());
      }
    }
  }

  void Figures(const json& v, const std::string& path) {
    if (!v.is_array())
      return Bad(path, "図番号の配列で指定してください", "must be an array of figure numbers");
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string f = path + "[" + std::to_string(i) + "]";
      if (!v[i].is_number_integer()) {
        Bad(f, "図番号は整数です", "a figure number is an integer");
      } else if (v[i].get<int64_t>() < 1 || v[i].get<int64_t>() > key_images_) {
        Bad(f, "図" + std::to_string(v[i].get<int64_t>()) + "に対応するキー画像がありません",
            "figure " + std::to_string(v[i].get<int64_t>()) + " has no key image (there are " +
                std::to_string(key_images_) + ")");
      }
    }
  }

  void Levels(const json& levels) {
    for (size_t i = 0; i < levels.size(); ++i) {
      const json& e = levels[i];
      if (!e.is_object() || !e.contains("level") || !e["level"].is_string()) continue;  // frame
      const std::string name = e["level"].get<std::string>();
      const std::string path = "content.levels[" + name + "]";
      if (std::find(t_.levels.begin(), t_.levels.end(), name) == t_.levels.end()) {
        Bad(path + ".level", name + " は " + t_.title.ja + " の高位ではありません",
            name + " is not a level of " + t_.title.en);
        continue;
      }
      if (const auto n = e.find("normal"); n != e.end()) {
        if (!n->is_boolean() || !n->get<bool>()) {
          Bad(path + ".normal", "normal は true のみ指定できます", "normal can only be true");
        } else if (e.size() > 2) {
          Bad(path + ".normal", "「正常」と他の所見を同時に記載できません",
              "a level stated normal cannot have other fields");
        }
        continue;
      }
      for (auto it = e.begin(); it != e.end(); ++it) {
        if (it.key() == "level") continue;
        if (it.key() == "figures") {
          Figures(it.value(), path + ".figures");
          continue;
        }
        const FieldDef* f = t_.Field("levels", it.key());
        if (f == nullptr) {
          Unknown(path + "." + it.key(), it.key());
        } else if (!f->AppliesAt(name)) {
          Bad(path + "." + it.key(),
              it.key() + " は " + name + " では記載できません (" + f->levels.front() + "～" +
                  f->levels.back() + " の項目)",
              it.key() + " does not apply at " + name + " (a field of " + f->levels.front() +
                  " to " + f->levels.back() + ")");
        } else {
          Field(*f, it.value(), path + "." + it.key());
        }
      }
    }
  }

  void Curves(const json& v) {
    if (!v.is_array())
      return Bad("content.alignment.curves", "配列で指定してください", "must be an array");
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string path = "content.alignment.curves[" + std::to_string(i) + "]";
      if (!v[i].is_object()) {
        Bad(path, "オブジェクトで指定してください", "must be an object");
        continue;
      }
      Flat(v[i], "curve", path, {});
      for (const char* k : {"upper", "lower", "apex"}) {
        if (v[i].contains(k) && v[i][k].is_string() &&
            std::find(t_.vertebrae.begin(), t_.vertebrae.end(), v[i][k].get<std::string>()) ==
                t_.vertebrae.end() &&
            t_.region != "whole")
          Bad(path + "." + k, v[i][k].get<std::string>() + " は撮影範囲の椎体ではありません",
              v[i][k].get<std::string>() + " is not a vertebra of this region");
      }
    }
  }

  void Vertebrae(const json& v) {
    if (!v.is_array())
      return Bad("content.vertebrae.items", "配列で指定してください", "must be an array");
    std::set<std::string> seen;
    for (size_t i = 0; i < v.size(); ++i) {
      const json& e = v[i];
      std::string path = "content.vertebrae.items[" + std::to_string(i) + "]";
      if (!e.is_object() || !e.contains("vertebra") || !e["vertebra"].is_string()) {
        Bad(path + ".vertebra", "椎体名 (\"L1\" など) が必要です",
            "needs \"vertebra\" like \"L1\"");
        continue;
      }
      const std::string name = e["vertebra"].get<std::string>();
      path = "content.vertebrae.items[" + name + "]";
      if (std::find(t_.vertebrae.begin(), t_.vertebrae.end(), name) == t_.vertebrae.end())
        Bad(path + ".vertebra", name + " は " + t_.title.ja + " の椎体ではありません",
            name + " is not a vertebra of " + t_.title.en);
      if (!seen.insert(name).second)
        Bad(path + ".vertebra", "同じ椎体が二度あります", "vertebra given twice");
      for (auto it = e.begin(); it != e.end(); ++it) {
        if (it.key() == "vertebra") continue;
        if (it.key() == "figures") {
          Figures(it.value(), path + ".figures");
          continue;
        }
        const FieldDef* f = t_.Field("vertebra", it.key());
        if (f == nullptr) {
          Unknown(path + "." + it.key(), it.key());
        } else {
          Field(*f, it.value(), path + "." + it.key());
        }
      }
    }
  }

  bool IsSite(const std::string& s) const {
    return std::find(t_.levels.begin(), t_.levels.end(), s) != t_.levels.end() ||
           std::find(t_.vertebrae.begin(), t_.vertebrae.end(), s) != t_.vertebrae.end();
  }

  void Text(const json& o, const char* key, const std::string& path, bool required) {
    const auto it = o.find(key);
    if (it == o.end()) {
      if (required) Bad(path + "." + key, "記載が必要です", "required");
    } else if (!it->is_string()) {
      Bad(path + "." + key, "文字列で指定してください", "must be a string");
    }
  }

  void Incidental(const json& v) {
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string path = "content.incidental[" + std::to_string(i) + "]";
      if (!v[i].is_object()) continue;  // frame
      for (auto it = v[i].begin(); it != v[i].end(); ++it) {
        const std::string& k = it.key();
        if (k == "text" || k == "advice") {
          Text(v[i], k.c_str(), path, false);
        } else if (k == "critical") {
          Code(it.value(), "critical_category", path + ".critical");
        } else if (k == "figures") {
          Figures(it.value(), path + ".figures");
        } else {
          Unknown(path + "." + k, k);
        }
      }
      Text(v[i], "text", path, true);
    }
  }

  void Impression(const json& v) {
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string path = "content.impression[" + std::to_string(i) + "]";
      if (!v[i].is_object()) continue;  // frame
      for (auto it = v[i].begin(); it != v[i].end(); ++it) {
        const std::string& k = it.key();
        if (k == "text") continue;  // frame
        if (k == "levels") {
          if (!it->is_array()) {
            Bad(path + ".levels", "高位の配列で指定してください", "must be an array of levels");
            continue;
          }
          for (size_t j = 0; j < it->size(); ++j) {
            const json& l = (*it)[j];
            if (!l.is_string() || !IsSite(l.get<std::string>()))
              Bad(path + ".levels[" + std::to_string(j) + "]",
                  "テンプレートの高位または椎体ではありません",
                  "not a level or vertebra of the template");
          }
        } else if (k == "side") {
          Code(it.value(), "side", path + ".side");
        } else if (k == "answers_question") {
          if (!it->is_boolean())
            Bad(path + "." + k, "true または false で指定してください", "must be true or false");
        } else if (k == "figures") {
          Figures(it.value(), path + ".figures");
        } else {
          Unknown(path + "." + k, k);
        }
      }
    }
  }

  void Critical(const json& o) {
    const std::string path = "content.critical_communication";
    for (auto it = o.begin(); it != o.end(); ++it) {
      const std::string& k = it.key();
      if (k == "category") {
        Code(it.value(), "critical_category", path + ".category");
      } else if (k == "finding" || k == "notified_to" || k == "notified_by" || k == "notified_at" ||
                 k == "method") {
        Text(o, k.c_str(), path, false);
      } else {
        Unknown(path + "." + k, k);
      }
    }
  }

  void Code(const json& v, const std::string& set, const std::string& field) {
    const ValueSet* vs = t_.Set(set);
    if (!v.is_string() || vs == nullptr || vs->Find(v.get<std::string>()) == nullptr)
      Bad(field, set + " の値ではありません", "not a value of " + set);
  }

  void Measurements(const json& v) {
    if (!v.is_array()) return;  // frame
    std::set<std::string> ids;
    for (size_t i = 0; i < v.size(); ++i) {
      const json& m = v[i];
      const std::string path = "content.measurements[" + std::to_string(i) + "]";
      if (!m.is_object()) continue;  // frame
      const auto id = m.find("id");
      if (id == m.end() || !id->is_string() || id->get<std::string>().empty()) {
        Bad(path + ".id", "id が必要です", "needs an \"id\"");
      } else if (!ids.insert(id->get<std::string>()).second) {
        Bad(path + ".id", "同じ id が二度あります", "id given twice");
      }
      const auto kind = m.find("kind");
      if (kind == m.end() || !kind->is_string() ||
          std::find(std::begin(kMeasurementKinds), std::end(kMeasurementKinds),
                    kind->get<std::string>()) == std::end(kMeasurementKinds)) {
        Bad(path + ".kind", "計測の種類が不明です",
            "unknown measurement kind (cobb, slip, canal_ap, dural_area, height_loss, "
            "disc_height)");
      }
      if (const auto val = m.find("value"); val == m.end() || !val->is_number())
        Bad(path + ".value", "計測値 (数値) が必要です", "needs a numeric \"value\"");
      if (const auto site = m.find("site"); site != m.end()) {
        // A curve's site is "T5-T12" (end vertebrae): a level or two vertebrae of the region.
        const std::string s = site->is_string() ? site->get<std::string>() : "";
        const auto [a, b] = SplitLevel(s);
        const bool ok =
            IsSite(s) || (!a.empty() && IsSite(std::string(a)) && IsSite(std::string(b)));
        if (!ok)
          Bad(path + ".site", "テンプレートの高位または椎体ではありません",
              "not a level or vertebra of the template");
      }
      if (const auto f = m.find("frame"); f != m.end() && (!f->is_number_integer() || *f < 1))
        Bad(path + ".frame", "フレーム番号は1以上の整数です", "frame must be an integer from 1");
    }
    measurement_ids_ = ids;
  }

  void KeyImages(const json& v) {
    if (!v.is_array()) return;  // frame
    for (size_t i = 0; i < v.size(); ++i) {
      const json& k = v[i];
      const std::string path = "content.key_images[" + std::to_string(i) + "]";
      if (!k.is_object()) continue;  // frame
      if (const auto inst = k.find("instance");
          inst == k.end() || !inst->is_string() || inst->get<std::string>().empty())
        Bad(path + ".instance", "画像 (SOP Instance UID) が必要です", "needs the \"instance\" UID");
      const auto anns = k.find("annotations");
      if (anns == k.end() || !anns->is_array()) continue;
      for (size_t j = 0; j < anns->size(); ++j) {
        const json& a = (*anns)[j];
        const std::string p = path + ".annotations[" + std::to_string(j) + "]";
        if (!a.is_object()) {
          Bad(p, "オブジェクトで指定してください", "must be an object");
          continue;
        }
        if (a.value("type", "") == "measurement") {
          const std::string ref =
              a.contains("ref") && a["ref"].is_string() ? a["ref"].get<std::string>() : "";
          if (!measurement_ids_.count(ref))
            Bad(p + ".ref", "参照する計測 \"" + ref + "\" がありません",
                "refers to measurement \"" + ref + "\", which does not exist");
        }
      }
    }
  }

  static std::string Num(double d) {
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  const Template& t_;
  std::vector<Problem>& out_;
  int key_images_ = 0;
  std::set<std::string> measurement_ids_;
};

}  // namespace

void ValidateJson(const json& content, const Template& t, std::vector<Problem>& out) {
  Checker(t, out).Run(content);
}

}  // namespace internal

std::vector<Problem> Validate(std::string_view content, const Template& t) {
  std::vector<Problem> out;
  const internal::json c = internal::json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (c.is_discarded() || !c.is_object()) {
    out.push_back({"content", {"JSONオブジェクトではありません", "not a JSON object"}});
    return out;
  }
  internal::ValidateJson(c, t, out);
  return out;
}

std::vector<Problem> Validate(std::string_view content, const Catalog& catalog) {
  const internal::json c = internal::json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (c.is_discarded() || !c.is_object())
    return {{"content", {"JSONオブジェクトではありません", "not a JSON object"}}};
  const auto t = c.find("template");
  if (t == c.end()) return {};
  const Template* tpl = nullptr;
  if (t->is_object() && t->contains("id") && (*t)["id"].is_string() && t->contains("version") &&
      (*t)["version"].is_string())
    tpl = catalog.Find((*t)["id"].get<std::string>(), (*t)["version"].get<std::string>());
  if (tpl == nullptr)
    return {{"content.template",
             {"テンプレート (id と version) が見つかりません", "unknown template id or version"}}};
  std::vector<Problem> out;
  internal::ValidateJson(c, *tpl, out);
  return out;
}

}  // namespace dokuei::spine
