// `qrsweep slurm`: writes the sbatch scripts of a sharded sweep (an array job of shards
// and a merge job after it), prints how to submit them, or submits them (slurm.h).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "command.h"
#include "int_option.h"
#include "qrsweep/common.h"
#include "qrsweep/slurm.h"
#include "qrsweep/sweep.h"

namespace qrsweep::cli {
namespace {

namespace fs = std::filesystem;

struct SlurmArgs {
  SlurmJobOptions job;
  std::string space;
  std::string out;
  std::string data;
  bool submit = false;
};

std::string absolute(const std::string& p) {
  return fs::absolute(fs::path(p)).lexically_normal().string();
}

void run(const SlurmArgs& a) {
  SlurmJobOptions o = a.job;
  o.space_path = absolute(a.space);
  o.out_dir = absolute(a.out);
  while (o.out_dir.size() > 1 && o.out_dir.back() == '/') o.out_dir.pop_back();
  o.work_dir = fs::current_path().string();
  o.qrsweep = self_executable();
  if (!a.data.empty()) o.data_dir = absolute(a.data);

  // The space as every shard will read it: a bad file fails here, not in N jobs.
  SweepOptions so;
  so.space_path = o.space_path;
  so.out_dir = o.out_dir;
  so.trials = o.trials;
  so.seed = o.seed;
  so.data_dir = o.data_dir;
  const SearchSpace space = resolve_space(so);
  if (o.shards > space.trials)
    throw ConfigError("--shards " + std::to_string(o.shards) + " is more than the sweep's " +
                      std::to_string(space.trials) + " trials");

  check_sweep_directory(o.out_dir, space, o.shards);
  const SlurmScripts scripts = write_slurm_scripts(o);
  std::printf("qrsweep slurm: wrote %s (%d shard(s) as array tasks 0-%d) and %s\n",
              scripts.sweep.c_str(), o.shards, o.shards - 1, scripts.merge.c_str());
  if (!a.submit) {
    std::printf("submit them with:\n");
    for (const std::string& c : submit_commands(scripts)) std::printf("  %s\n", c.c_str());
    return;
  }
  const SubmittedJobs jobs = submit_slurm_scripts(scripts);
  std::printf("submitted array job %s (%d tasks) and merge job %s (after array job %s)\n",
              jobs.array_job.c_str(), o.shards, jobs.merge_job.c_str(), jobs.array_job.c_str());
  std::printf("logs: %s/sweep-%s_<task>.out and merge-%s.out\n", slurm_dir(o.out_dir).c_str(),
              jobs.array_job.c_str(), jobs.merge_job.c_str());
}

void options(CLI::App& sub, SlurmArgs& a) {
  SlurmJobOptions& o = a.job;
  sub.add_option("--space", a.space, "Search-space TOML file (docs/space.md)")->required();
  sub.add_option("--out", a.out, "Sweep directory (shared by every node)")->required();
  add_int_option(sub, "--shards", o.shards, 1, 100000, "Array tasks, one shard of the plan each")
      ->required();
  sub.add_option("--partition", o.partition, "sbatch --partition");
  add_int_option(sub, "--gpus-per-task", o.gpus_per_task, 0, 64, "sbatch --gpus-per-task");
  add_int_option(sub, "--cpus-per-task", o.cpus_per_task, 0, 4096, "sbatch --cpus-per-task");
  sub.add_option("--time", o.time, "sbatch --time of each task, e.g. 04:00:00");
  sub.add_option("--account", o.account, "sbatch --account");
  sub.add_option("--extra", o.extra,
                 "More sbatch options, one #SBATCH line per option (repeatable), e.g. "
                 "\"--qos=high --mem=16G\"");
  sub.add_option("--setup", o.setup,
                 "A shell line run before qrsweep in both jobs (repeatable, in order), e.g. "
                 "\"module load cuda\" or \"source ~/venv/bin/activate\"");
  add_int_option(sub, "--signal-seconds", o.signal_seconds, 1, 65535,
                 "USR1 to each task this many seconds before its time limit (default " +
                     std::to_string(o.signal_seconds) + ")");
  sub.add_option("--backend", o.backend, "qrsweep sweep --backend: cpu, cuda or auto")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  sub.add_flag("--tf32", o.tf32, "qrsweep sweep --tf32 (and the merge's retraining)");
  add_cuda_mode_options(sub, &o.cuda);
  add_workers_option(sub, "--jobs", o.jobs, "qrsweep sweep --jobs of each shard");
  add_workers_option(sub, "--threads", o.threads, "qrsweep sweep --threads of each shard");
  add_space_overrides(sub, o.trials, o.seed);
  add_data_dir_option(sub, a.data);
  sub.add_flag("--submit", a.submit, "Submit both jobs with sbatch and print their ids");
}

const Command<SlurmArgs> kCommand("slurm",
                                  "Write (and --submit) the sbatch scripts of a sharded sweep: an "
                                  "array of shards, then a merge job",
                                  36, options, run);

}  // namespace
}  // namespace qrsweep::cli
