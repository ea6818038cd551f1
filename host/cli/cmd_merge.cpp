// `qrsweep merge DIR` and `qrsweep merge OUT SHARD...`: the shard stores of a sharded
// sweep combined into one store and one table, then the best trial tested (merge.h).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "command.h"
#include "int_option.h"
#include "qrsweep/merge.h"

namespace qrsweep::cli {
namespace {

struct MergeArgs {
  MergeOptions options;
  std::vector<std::string> paths;
};

void run(const MergeArgs& a) {
  MergeOptions o = a.options;
  o.out_dir = a.paths.at(0);
  o.inputs.assign(a.paths.begin() + 1, a.paths.end());
  const MergeResult r = merge_sweep(o);
  if (r.exit_status != 0) {
    std::fflush(stdout);
    std::exit(r.exit_status);
  }
}

void options(CLI::App& sub, MergeArgs& a) {
  MergeOptions& o = a.options;
  sub.add_option("paths", a.paths,
                 "DIR: merge DIR/shards/* into DIR; or OUT SHARD...: merge the given shard "
                 "stores (files, or sweep directories) into OUT")
      ->required()
      ->expected(1, -1);
  sub.add_flag(
      "--no-test", [&a](int64_t) { a.options.run_test = false; },
      "Do not retrain and test the best trial");
  sub.add_flag("--require-complete", o.require_complete,
               "Exit with status 1 (after writing) when any trial is unfinished or missing");
  add_backend_option(sub, &o.backend, "Backend of the retraining");
  add_workers_option(sub, "--threads", o.threads,
                     "CPU threads of the retraining (0: 1, as qrsweep sweep)");
  sub.add_flag("--tf32", o.tf32, "cuda retraining: TF32 tensor cores (as the sweep's --tf32)");
  add_cuda_mode_options(sub, &o.cuda);
  sub.add_flag("--quiet", o.quiet, "Print only warnings and the summary");
}

const Command<MergeArgs> kCommand("merge",
                                  "Merge the shard stores of a sharded sweep into one store and "
                                  "table, then test the best trial",
                                  33, options, run);

}  // namespace
}  // namespace qrsweep::cli
