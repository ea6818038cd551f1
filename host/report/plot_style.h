// The plots' look in one place: the CSS every SVG carries and the categorical palette.
#pragma once
#include <string>

namespace qrsweep::report {

// CSS for the classes the plot functions use (.grid, .tick, .mk-dot, .c0 .. .c9, ...).
const char* plot_style_sheet();
// Colour class "c<k>" of series k (ten colours, repeating).
std::string color_class(int k);
constexpr int kPaletteSize = 10;

}  // namespace qrsweep::report
