// `qrsweep report`: one self-contained HTML page (inline CSS, JS, SVG; nothing fetched)
// showing a sweep from its store(s), and optionally each plot as a PNG (docs/report.md).
#pragma once
#include <string>
#include <vector>

namespace qrsweep {

struct ReportOptions {
  std::string target;  // a sweep directory (or one store file)
  std::string out;     // the HTML file; empty: <sweep dir>/report.html
  bool png = false;    // also write each plot as <out's directory>/plots/<name>.png
};

struct ReportResult {
  std::string html;               // the page written
  std::vector<std::string> pngs;  // the PNGs written (empty without png)
  int trials = 0;                 // trial rows in the report
  int finished = 0;               // of which finished
};

// Reads the store(s) read-only, so it works beside a running sweep. Throws Error when
// there is no store, when a file cannot be written, or when png is asked for and no
// rasterizer is installed (the message names the Debian package to install).
ReportResult write_report(const ReportOptions& options);

}  // namespace qrsweep
