// The plot style sheet and palette (see plot_style.h). Colours: Tableau 10, which stays
// readable for the common colour-vision deficiencies and in greyscale print.
#include "report/plot_style.h"

namespace qrsweep::report {

const char* plot_style_sheet() {
  return "svg.qrs-plot{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:11px}"
         ".bg{fill:#fff}.frame{fill:none;stroke:#bbb}.grid{stroke:#ececec}"
         ".tick{stroke:#888}.tl{fill:#444;font-size:10px}.al{fill:#222;font-size:11px}"
         ".pt{fill:#111;font-size:12px;font-weight:bold}.note{fill:#777;font-style:italic}"
         ".lg{fill:#333;font-size:10px}"
         ".c0{fill:#4e79a7;stroke:#4e79a7}.c1{fill:#f28e2b;stroke:#f28e2b}"
         ".c2{fill:#e15759;stroke:#e15759}.c3{fill:#76b7b2;stroke:#76b7b2}"
         ".c4{fill:#59a14f;stroke:#59a14f}.c5{fill:#edc948;stroke:#edc948}"
         ".c6{fill:#b07aa1;stroke:#b07aa1}.c7{fill:#ff9da7;stroke:#ff9da7}"
         ".c8{fill:#9c755f;stroke:#9c755f}.c9{fill:#bab0ac;stroke:#bab0ac}"
         ".cg{fill:#b8b8b8;stroke:#b8b8b8}"
         ".mk-dot,.sw-dot{fill-opacity:.75;stroke-opacity:.9;stroke-width:.6}"
         ".mk-hollow{fill:none;stroke-width:1.2}"
         ".mk-line,.sw-line{fill:none;stroke-width:1.6;stroke-linejoin:round}"
         ".mk-thin{fill:none;stroke-width:1.1;stroke-opacity:.85}"
         ".mk-rug{stroke-width:1;stroke-opacity:.8}"
         ".mk-box{fill-opacity:.18;stroke-width:1.2}.mk-med{stroke-width:2;fill:none}"
         ".mk-whisker{stroke-width:1}.mk-bar{fill-opacity:.85;stroke:none}"
         ".mk-best,.sw-best{fill:none;stroke:#111;stroke-width:1.5}";
}

std::string color_class(int k) {
  return "c" + std::to_string(((k % kPaletteSize) + kPaletteSize) % kPaletteSize);
}

}  // namespace qrsweep::report
