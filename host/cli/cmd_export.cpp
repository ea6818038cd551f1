// `qrsweep export DIR`: the sweep's tables as the notebook wrote them, all_trials.csv and
// best_trial.csv (export.h).
#include <cstdio>
#include <string>

#include "command.h"
#include "qrsweep/export.h"
#include "qrsweep/store.h"

namespace qrsweep::cli {
namespace {

struct ExportArgs {
  std::string dir;
  std::string out;
};

void run(const ExportArgs& a) {
  const std::string path = store_path(a.dir);
  if (!Store::exists(path)) throw Error("no sweep store in " + a.dir + " (no " + path + ")");
  auto store = Store::open(path, /*read_only=*/true);
  const ExportedFiles files = export_store(*store, a.out.empty() ? a.dir : a.out);
  std::printf("wrote %s\n", files.all_trials.c_str());
  if (files.best_trial.empty())
    std::printf(
        "no best trial yet (no trial is done with a finite val loss): no "
        "best_trial.csv\n");
  else
    std::printf("wrote %s\n", files.best_trial.c_str());
}

void options(CLI::App& sub, ExportArgs& a) {
  sub.add_option("dir", a.dir, "Sweep directory (holding store.sqlite)")->required();
  sub.add_option("--out", a.out, "Where to write the CSV files (default: the sweep directory)");
}

const Command<ExportArgs> kCommand(
    "export",
    "Write a sweep's all_trials.csv and best_trial.csv (the notebook's "
    "columns first)",
    40, options, run);

}  // namespace
}  // namespace qrsweep::cli
