// The SVG writer (see svg.h).
#include "report/svg.h"

#include <cmath>
#include <cstdio>

#include "report/plot_style.h"

namespace qrsweep::report {
namespace {

bool finite(std::initializer_list<double> vs) {
  for (double v : vs)
    if (!std::isfinite(v)) return false;
  return true;
}

std::string class_attr(const std::string& cls) {
  return cls.empty() ? "" : " class=\"" + xml_escape(cls) + "\"";
}

std::string title_child(const std::string& title) {
  return title.empty() ? "" : "<title>" + xml_escape(title) + "</title>";
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

Svg::Svg(double width, double height) : width_(width), height_(height) {}

void Svg::circle(double cx, double cy, double r, const std::string& cls, const std::string& title) {
  if (!finite({cx, cy, r})) return void(++dropped_);
  const std::string open = "<circle cx=\"" + coord(cx) + "\" cy=\"" + coord(cy) + "\" r=\"" +
                           coord(r) + "\"" + class_attr(cls);
  body_ += title.empty() ? open + "/>" : open + ">" + title_child(title) + "</circle>";
}

void Svg::line(double x1, double y1, double x2, double y2, const std::string& cls) {
  if (!finite({x1, y1, x2, y2})) return void(++dropped_);
  body_ += "<line x1=\"" + coord(x1) + "\" y1=\"" + coord(y1) + "\" x2=\"" + coord(x2) +
           "\" y2=\"" + coord(y2) + "\"" + class_attr(cls) + "/>";
}

void Svg::rect(double x, double y, double w, double h, const std::string& cls,
               const std::string& title) {
  if (!finite({x, y, w, h})) return void(++dropped_);
  if (w < 0) x += w, w = -w;
  if (h < 0) y += h, h = -h;
  const std::string open = "<rect x=\"" + coord(x) + "\" y=\"" + coord(y) + "\" width=\"" +
                           coord(w) + "\" height=\"" + coord(h) + "\"" + class_attr(cls);
  body_ += title.empty() ? open + "/>" : open + ">" + title_child(title) + "</rect>";
}

void Svg::path(const std::vector<Point>& points, const std::string& cls, const std::string& title) {
  std::string d;
  std::string run;
  int run_len = 0;
  auto flush = [&] {
    if (run_len >= 2) d += run;
    run.clear();
    run_len = 0;
  };
  for (const Point& p : points) {
    if (!finite({p.first, p.second})) {
      ++dropped_;
      flush();
      continue;
    }
    run += (run_len == 0 ? "M" : "L") + coord(p.first) + " " + coord(p.second);
    ++run_len;
  }
  flush();
  if (d.empty()) return;
  const std::string open = "<path d=\"" + d + "\"" + class_attr(cls);
  body_ += title.empty() ? open + "/>" : open + ">" + title_child(title) + "</path>";
}

void Svg::polygon(const std::vector<Point>& points, const std::string& cls,
                  const std::string& title) {
  std::string pts;
  for (const Point& p : points) {
    if (!finite({p.first, p.second})) return void(++dropped_);
    pts += (pts.empty() ? "" : " ") + coord(p.first) + "," + coord(p.second);
  }
  if (points.size() < 3) return void(++dropped_);
  const std::string open = "<polygon points=\"" + pts + "\"" + class_attr(cls);
  body_ += title.empty() ? open + "/>" : open + ">" + title_child(title) + "</polygon>";
}

void Svg::text(double x, double y, const std::string& s, const std::string& anchor,
               const std::string& cls, double rotate) {
  if (!finite({x, y, rotate})) return void(++dropped_);
  std::string attrs = "x=\"" + coord(x) + "\" y=\"" + coord(y) + "\"";
  if (anchor != "start") attrs += " text-anchor=\"" + anchor + "\"";
  if (rotate != 0)
    attrs += " transform=\"rotate(" + coord(rotate) + " " + coord(x) + " " + coord(y) + ")\"";
  body_ += "<text " + attrs + class_attr(cls) + ">" + xml_escape(s) + "</text>";
}

void Svg::open_group(const std::string& cls) {
  body_ += "<g" + class_attr(cls) + ">";
  ++open_groups_;
}

void Svg::close_group() {
  if (open_groups_ == 0) return;
  body_ += "</g>";
  --open_groups_;
}

std::string Svg::str() const {
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + coord(width_) +
                    "\" height=\"" + coord(height_) + "\" viewBox=\"0 0 " + coord(width_) + " " +
                    coord(height_) + "\" class=\"qrs-plot\">";
  out += "<style>";
  out += plot_style_sheet();
  out += "</style><rect x=\"0\" y=\"0\" width=\"" + coord(width_) + "\" height=\"" +
         coord(height_) + "\" class=\"bg\"/>";
  out += body_;
  for (int i = 0; i < open_groups_; ++i) out += "</g>";
  return out + "</svg>";
}

}  // namespace qrsweep::report
