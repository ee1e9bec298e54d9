// The user-facing texts of the measure module, in English (carried by Status) and Japanese
// (measure::JapaneseOf gives it to the API). Private to the module.
#pragma once

#include <string_view>

#include "dokuei/measure/geometry.h"

namespace dokuei::measure {

struct Message {
  std::string_view en;
  std::string_view ja;
};

inline constexpr Message kNoPixels = {"the instance has no image to measure on",
                                      "このインスタンスには計測できる画像がありません"};
inline constexpr Message kNoFrame = {"the frame does not exist in this instance",
                                     "指定されたフレームはこのインスタンスにありません"};
inline constexpr Message kUnknownKind = {
    "unknown measurement kind (cobb, slip, canal_ap, dural_area, height_loss, disc_height)",
    "計測の種類が不明です (cobb, slip, canal_ap, dural_area, height_loss, disc_height)"};
inline constexpr Message kPointCount = {"wrong number of points for this measurement",
                                        "この計測に必要な点の数と一致しません"};
inline constexpr Message kPointOutside = {"a point lies outside the image",
                                          "画像の外にある点があります"};
inline constexpr Message kPointNotFinite = {"a point is not a pair of finite numbers",
                                            "点の座標が有限の数値の組ではありません"};
inline constexpr Message kCoincident = {"two points that must differ are at the same place",
                                        "異なる位置に置くべき2点が同じ位置にあります"};
inline constexpr Message kSameLine = {"the two endplate lines are the same line",
                                      "2本の終板線が同一直線上にあります"};
inline constexpr Message kZeroArea = {"the outline encloses no area (its points are on a line)",
                                      "輪郭の面積が0です (点が一直線上にあります)"};
inline constexpr Message kSelfIntersecting = {"the outline crosses itself",
                                              "輪郭線が交差しています"};
inline constexpr Message kNeedsSpacing = {
    "this measurement is in millimetres but the image has no pixel spacing",
    "この計測はミリ単位ですが、画像にピクセル間隔の情報がありません"};
inline constexpr Message kBadLabel = {"a label is not a vertebra or level name (e.g. L4, L4-L5)",
                                      "ラベルが椎体名または椎間名 (例: L4, L4-L5) ではありません"};
inline constexpr Message kBadAnnotation = {"an annotation is not valid",
                                           "注釈の指定が正しくありません"};
inline constexpr Message kUnknownRef = {"an annotation refers to an unknown measurement",
                                        "注釈が存在しない計測を参照しています"};
inline constexpr Message kBadText = {
    "annotation text may use letters, digits, spaces and . , - + / : % ( ) only",
    "注釈の文字は英数字、空白、. , - + / : % ( ) のみ使用できます"};
inline constexpr Message kTooManyPoints = {
    "the annotations of one key image may have 2000 points in all",
    "1枚のキー画像の注釈は合計2000点までです"};
inline constexpr Message kBadWindow = {"the window needs a center and a positive width",
                                       "ウィンドウには中心値と正の幅が必要です"};

inline const Note kNoteNoSpacing = {
    "spacing_none",
    "the image has no pixel spacing: values are in pixels, millimetres are not available",
    "画像にピクセル間隔の情報がないため、値はピクセル単位です (ミリ単位の計測はできません)"};
inline const Note kNoteAtDetector = {
    "spacing_at_detector",
    "the spacing is at the detector, not corrected for magnification: distances are overstated",
    "ピクセル間隔は検出器面の値で拡大率の補正がないため、距離は実際より大きく表示されます"};
inline const Note kNoteRetrolisthesis = {
    "retrolisthesis", "the upper vertebra is displaced backwards (retrolisthesis)",
    "上位椎体は後方へ偏位しています (後方すべり)"};

}  // namespace dokuei::measure
