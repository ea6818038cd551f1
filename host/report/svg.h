// A small SVG writer for the report's plots. Any element with a non-finite coordinate is
// dropped (and counted), so a NaN or infinite loss never reaches the picture as a number.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace qrsweep::report {

using Point = std::pair<double, double>;

class Svg {
 public:
  // A document of width x height pixels. Every document carries the report's plot style
  // sheet, so a standalone .svg (and the PNG made from it) looks like the inline one.
  Svg(double width, double height);

  // `cls` is the class attribute; marks (data drawn) use classes starting with "mk" so a
  // check can tell them from axes. `title` becomes a hover tooltip when not empty.
  void circle(double cx, double cy, double r, const std::string& cls,
              const std::string& title = "");
  void line(double x1, double y1, double x2, double y2, const std::string& cls);
  void rect(double x, double y, double w, double h, const std::string& cls,
            const std::string& title = "");
  // A polyline that breaks wherever a point is non-finite; runs of one point are dropped.
  void path(const std::vector<Point>& points, const std::string& cls,
            const std::string& title = "");
  // A closed shape through the points (dropped whole if any point is non-finite).
  void polygon(const std::vector<Point>& points, const std::string& cls,
               const std::string& title = "");
  // anchor: "start", "middle" or "end"; rotate: degrees about (x, y).
  void text(double x, double y, const std::string& s, const std::string& anchor = "start",
            const std::string& cls = "", double rotate = 0);
  void open_group(const std::string& cls);
  void close_group();

  int dropped() const { return dropped_; }  // elements left out for non-finite coordinates
  // The whole document, closed.
  std::string str() const;

 private:
  std::string body_;
  double width_, height_;
  int open_groups_ = 0;
  int dropped_ = 0;
};

// XML/HTML text and attribute escaping (&, <, >, ").
std::string xml_escape(const std::string& s);
// A coordinate as SVG text: two decimals at most, no trailing zeros.
std::string coord(double v);

}  // namespace qrsweep::report
