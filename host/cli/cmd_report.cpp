// `qrsweep report DIR`: writes DIR/report.html, a self-contained page of the sweep's
// summary, plots and trials (qrsweep/report.h, docs/report.md).
#include <cstdio>
#include <string>

#include "command.h"
#include "qrsweep/report.h"

namespace qrsweep::cli {
namespace {

void options(CLI::App& sub, ReportOptions& o) {
  sub.add_option("dir", o.target, "Sweep directory (or one store file) to report on")->required();
  sub.add_option("--out", o.out, "HTML file to write (default: DIR/report.html)");
  sub.add_flag("--png", o.png,
               "Also write each plot as a PNG under the HTML file's directory, in plots/ "
               "(needs rsvg-convert from Debian's librsvg2-bin)");
}

void run(const ReportOptions& o) {
  const ReportResult r = write_report(o);
  std::printf("wrote %s (%d trials, %d finished)\n", r.html.c_str(), r.trials, r.finished);
  for (const std::string& p : r.pngs) std::printf("wrote %s\n", p.c_str());
}

const Command<ReportOptions> kCommand(
    "report",
    "Write a self-contained HTML report (plots, trials table) of a sweep, "
    "running or finished",
    50, options, run);

}  // namespace
}  // namespace qrsweep::cli
