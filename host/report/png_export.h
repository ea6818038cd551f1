// Rasterizing the report's SVG plots to PNG with Debian's rsvg-convert (librsvg2-bin),
// which renders the same SVG the page shows, fonts and all.
#pragma once
#include <string>

namespace qrsweep::report {

// Throws Error naming the package to install when rsvg-convert is not on PATH.
void require_png_tool();
// Writes `svg` to `png_path` at 2x scale (crisp on high-density screens). Throws Error
// with the tool's message when it fails.
void svg_to_png(const std::string& svg, const std::string& png_path);

}  // namespace qrsweep::report
