// `qrsweep slurm`: writes the sbatch scripts of a sharded sweep (an array job of shards
// and a merge job after it), prints how to submit them, or submits them (slurm.h).
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
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
  int64_t trials = -1;
  int64_t seed = -1;
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
  if (a.trials >= 0) o.trials = static_cast<int>(a.trials);
  if (a.seed >= 0) o.seed = static_cast<uint64_t>(a.seed);
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

void setup(CLI::App& sub) {
  auto a = std::make_shared<SlurmArgs>();
  SlurmJobOptions& o = a->job;
  sub.add_option("--space", a->space, "Search-space TOML file (docs/space.md)")->required();
  sub.add_option("--out", a->out, "Sweep directory (shared by every node)")->required();
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
  add_int_option(sub, "--jobs", o.jobs, 0, 4096, "qrsweep sweep --jobs of each shard");
  add_int_option(sub, "--threads", o.threads, 0, 4096, "qrsweep sweep --threads of each shard");
  add_int_option(sub, "--trials", a->trials, 1, std::numeric_limits<int>::max(),
                 "Override the space's trial count");
  add_int_option(sub, "--seed", a->seed, 0, std::numeric_limits<int64_t>::max(),
                 "Override the space's sweep seed");
  sub.add_option("--data", a->data, "Directory of IDX files (overrides [data].dir)");
  sub.add_flag("--submit", a->submit, "Submit both jobs with sbatch and print their ids");
  sub.callback([a] { run(*a); });
}

const Registrar kRegistrar("slurm",
                           "Write (and --submit) the sbatch scripts of a sharded sweep: an "
                           "array of shards, then a merge job",
                           36, setup);

}  // namespace
}  // namespace qrsweep::cli
