// Sharded sweeps on Slurm: an array task's shard, the sbatch scripts (an array of shards and
// a merge job after it) and their submission. docs/cluster.md describes them.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "qrsweep/backend.h"
#include "qrsweep/sampler.h"
#include "qrsweep/space.h"

namespace qrsweep {

// ---- the shard of an array task ----------------------------------------------

// Looks an environment variable up: nullptr when it is not set.
using EnvLookup = std::function<const char*(const char*)>;

// The shard a Slurm array task runs when `--shard` is not given: task k of an array
// MIN-MAX[:STEP] runs shard (k - MIN) / STEP of (MAX - MIN) / STEP + 1, so --array=0-3
// and --array=1-4 both make shards 0..3 of 4. SLURM_ARRAY_TASK_COUNT, when set, must agree
// (an array of listed indices such as 1,5,9 does not describe shards). nullopt outside an
// array task (no SLURM_ARRAY_TASK_ID). Throws ConfigError naming the variables when they
// are malformed or inconsistent.
std::optional<Shard> shard_from_array_env(const EnvLookup& env);
// The same from this process's environment.
std::optional<Shard> shard_from_slurm_env();

// ---- the sbatch scripts ----------------------------------------------------------

// Throws ConfigError, naming each key that differs, when DIR already holds a store of
// another sweep than `space` (one of the `shards` shard stores, or DIR/store.sqlite): the
// array's tasks would all fail on it. Stores are only read.
void check_sweep_directory(const std::string& out_dir, const SearchSpace& space, int shards);

struct SlurmJobOptions {
  std::string qrsweep;     // absolute path of the qrsweep executable the jobs run
  std::string space_path;  // absolute path of the space file
  std::string out_dir;     // absolute path of the sweep directory
  std::string work_dir;    // absolute directory the jobs start in (relative data paths)
  int shards = 1;          // array tasks, one shard each
  // #SBATCH options; empty / 0: not written (the cluster's default applies).
  std::string partition;
  std::string time;  // --time, e.g. "04:00:00"
  std::string account;
  int gpus_per_task = 0;
  int cpus_per_task = 0;
  std::vector<std::string> extra;  // more #SBATCH lines, e.g. "--qos=high", "--mem 8G"
  int signal_seconds = 120;        // USR1 to the batch shell this long before the time limit
  // Shell lines run in the job's shell before qrsweep, in order (`module load cuda`,
  // `source venv/bin/activate`); a failing one ends the job with its status.
  std::vector<std::string> setup;
  // `qrsweep sweep` options passed through to every shard (empty / 0 / nullopt: left out).
  std::string backend;
  bool tf32 = false;  // --tf32 to every shard and to the merge's retraining
  CudaModes cuda;     // --cuda-gemm, --cuda-sync, --no-cuda-graphs likewise
  int jobs = 0;
  int threads = 0;
  std::optional<int> trials;
  std::optional<uint64_t> seed;
  std::string data_dir;
};

// Throws ConfigError naming the option when the options cannot make working scripts
// (shards < 1, a path Slurm's #SBATCH lines cannot hold, an --extra line that is not an
// option, ...).
void validate_job_options(const SlurmJobOptions& o);

// Where the scripts and the jobs' output files go: DIR/slurm.
std::string slurm_dir(const std::string& out_dir);

// The array job: one task per shard, requeueable, USR1 to the batch shell
// `signal_seconds` before the time limit. The shell forwards USR1 to qrsweep, which stops
// at its next safe point, and then requeues the task when qrsweep stopped early.
std::string sweep_sbatch(const SlurmJobOptions& o);
// The merge job: `qrsweep merge DIR --require-complete`, with the same USR1 handling.
std::string merge_sbatch(const SlurmJobOptions& o);

struct SlurmScripts {
  std::string sweep;  // DIR/slurm/sweep.sbatch
  std::string merge;  // DIR/slurm/merge.sbatch
};
// Validates the options and writes both scripts (executable, atomically).
SlurmScripts write_slurm_scripts(const SlurmJobOptions& o);

// The commands that submit them, for a user to run: the array first, then the merge
// with --dependency=afterany on the array's job id.
std::vector<std::string> submit_commands(const SlurmScripts& scripts);

struct SubmittedJobs {
  std::string array_job;  // the array's job id
  std::string merge_job;  // the merge job's id
};
// Submits both with `sbatch --parsable` (the merge afterany the array). Throws Error with
// sbatch's own message when a submission fails; when the merge submission fails after the
// array was accepted, the message names the array job and the command that submits the
// merge by hand.
SubmittedJobs submit_slurm_scripts(const SlurmScripts& scripts,
                                   const std::string& sbatch = "sbatch");

// `s` as one word for a POSIX shell: unchanged when it holds only safe characters,
// otherwise in single quotes.
std::string shell_quote(const std::string& s);

// The absolute path of the running executable (/proc/self/exe).
std::string self_executable();

}  // namespace qrsweep
