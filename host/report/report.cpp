// write_report (qrsweep/report.h): read the store(s), derive the facts, draw the figures,
// write the page atomically, and the PNGs when asked.
#include "qrsweep/report.h"

#include <chrono>
#include <ctime>
#include <filesystem>

#include "io/atomic_file.h"
#include "qrsweep/common.h"
#include "report/figures.h"
#include "report/page.h"
#include "report/png_export.h"
#include "report/sweep_data.h"
#include "report/sweep_facts.h"

namespace qrsweep {
namespace {

std::string utc_now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

ReportResult write_report(const ReportOptions& o) {
  if (o.png) report::require_png_tool();  // before any work, so the message comes at once
  const report::SweepData data = report::load_sweep_data(o.target);
  const report::SweepFacts facts = report::compute_facts(data);
  const std::vector<report::Figure> figures = report::all_figures(data, facts);
  ReportResult result;
  result.html = o.out.empty() ? data.dir + "/report.html" : o.out;
  result.trials = static_cast<int>(data.trials.size());
  result.finished = facts.finished();
  write_file_atomic(result.html, report::render_page(data, facts, figures, utc_now()));
  if (o.png) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(result.html).parent_path() / "plots";
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error("cannot create " + dir.string() + ": " + ec.message());
    for (const report::Figure& f : figures) {
      const std::string png = (dir / (f.id + ".png")).string();
      report::svg_to_png(f.svg, png);
      result.pngs.push_back(png);
    }
  }
  return result;
}

}  // namespace qrsweep
