// `qrsweep sweep`: runs (or resumes) a whole sweep into a directory and ends with the
// best trial's test loss and accuracy (sweep.h, docs/sweep.md).
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "command.h"
#include "int_option.h"
#include "qrsweep/common.h"
#include "qrsweep/slurm.h"
#include "qrsweep/sweep.h"

namespace qrsweep::cli {
namespace {

struct SweepArgs {
  SweepOptions options;
  std::string shard;
};

void run(SweepArgs& a) {
  SweepOptions o = a.options;
  if (!a.shard.empty()) {
    o.shard = parse_shard(a.shard);
  } else if (auto s = shard_from_slurm_env()) {
    o.shard = *s;  // inside a Slurm array task: the task's shard
  }
  const SweepOutcome out = run_sweep(o);
  if (out.exit_status != 0) {
    // Stopped by a signal: the store is closed and the message printed; report the
    // signal in the exit status the way a shell would.
    std::fflush(stdout);
    std::exit(out.exit_status);
  }
}

void options(CLI::App& sub, SweepArgs& a) {
  SweepOptions& o = a.options;
  sub.add_option("--space", o.space_path, "Search-space TOML file (docs/space.md)")->required();
  sub.add_option("--out", o.out_dir, "Sweep directory: the store, best weights and config")
      ->required();
  add_backend_option(sub, &o.backend);
  add_space_overrides(sub, o.trials, o.seed);
  sub.add_option("--shard", a.shard,
                 "Run shard i/n of the plan: the trials with index % n == i (default inside "
                 "a Slurm array task: the task's shard; docs/cluster.md)");
  add_int_option(sub, "--max-resident", o.max_resident, 0, std::numeric_limits<int>::max(),
                 "cuda: most trials resident on the GPU at once (0: as many as memory allows)");
  sub.add_flag("--tf32", o.tf32,
               "cuda: TF32 tensor cores for the products (faster, about 3 decimal digits; "
               "the default is FP32)");
  add_cuda_mode_options(sub, &o.cuda);
  add_workers_option(sub, "--jobs", o.jobs, "Trials trained at once (0: one per core on the CPU)");
  add_workers_option(sub, "--threads", o.threads,
                     "CPU threads per job (default 1: the cores go to parallel jobs; the results "
                     "do not depend on it)");
  add_data_dir_option(sub, o.data_dir);
  sub.add_flag("--quiet", o.quiet, "Print only the final summary");
}

const Command<SweepArgs> kCommand("sweep",
                                  "Run or resume a sweep: every trial, then the best one retrained "
                                  "and tested",
                                  30, options, run);

}  // namespace
}  // namespace qrsweep::cli
