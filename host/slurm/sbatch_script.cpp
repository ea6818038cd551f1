// The sbatch scripts (slurm.h): an array of shards and a merge job, both passing Slurm's
// early USR1 on to qrsweep and requeueing themselves when qrsweep stopped because of it.
#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <sstream>

#include "io/atomic_file.h"
#include "qrsweep/backend.h"
#include "qrsweep/common.h"
#include "qrsweep/slurm.h"

namespace qrsweep {

namespace {

namespace fs = std::filesystem;

// Characters an #SBATCH line carries unquoted: sbatch splits those lines at blanks and
// expands % patterns in file names, so paths there must avoid both.
bool sbatch_safe(const std::string& s) {
  for (char c : s)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '\\' ||
        c == '%' || c == '#')
      return false;
  return true;
}

void require_absolute(const std::string& path, const std::string& what) {
  if (path.empty() || path[0] != '/')
    throw ConfigError(what + " must be an absolute path, got '" + path + "'");
}

// The job name's suffix: the sweep directory's name, reduced to characters every
// Slurm tool prints without quoting.
std::string name_suffix(const std::string& out_dir) {
  std::string base = fs::path(out_dir).lexically_normal().filename().string();
  if (base.empty()) base = fs::path(out_dir).lexically_normal().parent_path().filename().string();
  std::string s;
  for (char c : base)
    s +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  return s.empty() ? "sweep" : s.substr(0, 40);
}

// The --extra values as #SBATCH lines: an option starts a line, a word that is not an
// option is that option's value ("--qos high" stays one line).
std::vector<std::string> extra_lines(const std::vector<std::string>& extra) {
  std::vector<std::string> lines;
  for (const std::string& value : extra) {
    std::istringstream words(value);
    std::string w;
    bool first = true;
    while (words >> w) {
      if (w[0] == '-') {
        lines.push_back(w);
      } else if (first) {
        throw ConfigError("--extra \"" + value + "\": '" + w +
                          "' is not an sbatch option (options start with -)");
      } else {
        lines.back() += " " + w;
      }
      first = false;
    }
  }
  return lines;
}

// The #SBATCH lines both jobs share: where they run and with what.
void resource_lines(std::ostringstream& s, const SlurmJobOptions& o) {
  s << "#SBATCH --ntasks=1\n";
  if (!o.partition.empty()) s << "#SBATCH --partition=" << o.partition << "\n";
  if (!o.account.empty()) s << "#SBATCH --account=" << o.account << "\n";
  if (!o.time.empty()) s << "#SBATCH --time=" << o.time << "\n";
  if (o.cpus_per_task > 0) s << "#SBATCH --cpus-per-task=" << o.cpus_per_task << "\n";
  if (o.gpus_per_task > 0) s << "#SBATCH --gpus-per-task=" << o.gpus_per_task << "\n";
  for (const std::string& line : extra_lines(o.extra)) s << "#SBATCH " << line << "\n";
}

// Runs `command` (already quoted) in the background, passes USR1 on to it, waits for it
// and requeues `job` (a shell expansion such as $task) when qrsweep stopped because of
// USR1 (status 138).
void runner(std::ostringstream& s, const std::string& command, const std::string& job) {
  s << "# Slurm sends USR1 to this shell (--signal=B:...) before the time limit: pass it on\n"
       "# to qrsweep, which stops at its next safe point with every finished trial stored.\n"
       "# SIGTERM (scancel, preemption, scontrol requeue) reaches every process of the job\n"
       "# from Slurm itself, so it is only noted here, not sent twice.\n"
       "pid=\"\"\n"
       "stop=\"\"\n"
       "trap 'stop=USR1; [ -n \"$pid\" ] && kill -USR1 \"$pid\" 2>/dev/null' USR1\n"
       "trap 'stop=TERM' TERM\n"
    << command
    << " &\n"
       "pid=$!\n"
       "[ \"$stop\" = USR1 ] && kill -USR1 \"$pid\" 2>/dev/null\n"
       "# wait returns early whenever a trapped signal arrives: wait until qrsweep is gone,\n"
       "# then once more for its exit status (bash keeps it).\n"
       "while kill -0 \"$pid\" 2>/dev/null; do wait \"$pid\"; done\n"
       "wait \"$pid\"\n"
       "rc=$?\n"
       "echo \"qrsweep slurm: qrsweep exited with status $rc at $(date -u +%FT%TZ)\"\n"
       "if [ \"$rc\" -eq 138 ] && [ \"$stop\" = USR1 ]; then\n"
       "  # Stopped early for the time limit: back into the queue, to resume where it stopped.\n"
       "  echo \"qrsweep slurm: requeueing "
    << job
    << " to resume\"\n"
       "  scontrol requeue \""
    << job
    << "\"\n"
       "  sleep 5  # the requeue ends this job; exit only if it did not\n"
       "fi\n"
       "exit \"$rc\"\n";
}

// The --setup lines, each run in the job's shell (so `module load` and `source` take
// effect for qrsweep); the job stops at the first that fails.
void setup_lines(std::ostringstream& s, const SlurmJobOptions& o) {
  if (o.setup.empty()) return;
  s << "# Setup (qrsweep slurm --setup), in order; the job ends at the first that fails.\n";
  for (const std::string& line : o.setup)
    s << "{ " << line << "\n} || { rc=$?; echo \"qrsweep slurm: setup failed with status $rc: \""
      << shell_quote(line) << "; exit \"$rc\"; }\n";
  s << "\n";
}

void header(std::ostringstream& s, const std::string& what, const SlurmJobOptions& o) {
  s << "#!/bin/bash\n"
    << "# " << what << "\n"
    << "# Written by `qrsweep slurm` for the sweep in " << o.out_dir << "; docs/cluster.md.\n";
}

std::string sweep_command(const SlurmJobOptions& o) {
  std::ostringstream c;
  c << shell_quote(o.qrsweep) << " sweep --space " << shell_quote(o.space_path) << " --out "
    << shell_quote(o.out_dir) << " --shard \"$shard\"";
  if (!o.backend.empty()) c << " --backend " << shell_quote(o.backend);
  if (o.tf32) c << " --tf32";
  c << cuda_mode_arguments(o.cuda);
  if (o.jobs > 0) c << " --jobs " << o.jobs;
  if (o.threads > 0) c << " --threads " << o.threads;
  if (o.trials) c << " --trials " << *o.trials;
  if (o.seed) c << " --seed " << *o.seed;
  if (!o.data_dir.empty()) c << " --data " << shell_quote(o.data_dir);
  return c.str();
}

std::string merge_command(const SlurmJobOptions& o) {
  std::ostringstream c;
  c << shell_quote(o.qrsweep) << " merge " << shell_quote(o.out_dir) << " --require-complete";
  if (!o.backend.empty()) c << " --backend " << shell_quote(o.backend);
  if (o.tf32) c << " --tf32";
  c << cuda_mode_arguments(o.cuda);
  if (o.threads > 0) c << " --threads " << o.threads;
  return c.str();
}

// What both jobs write after their names: requeued on preemption, USR1 some seconds
// before the time limit, output appended to the sweep's Slurm folder as `output`, the
// resources; then the script's start in the submit directory.
void job_lines(std::ostringstream& s, const SlurmJobOptions& o, const char* output) {
  s << "#SBATCH --requeue\n"
    << "#SBATCH --signal=B:USR1@" << o.signal_seconds << "\n"
    << "#SBATCH --open-mode=append\n"
    << "#SBATCH --output=" << slurm_dir(o.out_dir) << "/" << output << "\n";
  resource_lines(s, o);
  s << "\n"
       "set -u\n"
       "cd "
    << shell_quote(o.work_dir) << " || exit 1\n";
}

}  // namespace

std::string shell_quote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s)
    plain =
        plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '@' || c == '%' ||
                  c == '+' || c == '=' || c == ':' || c == ',' || c == '.' || c == '/' || c == '-');
  if (plain) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurm_dir(const std::string& out_dir) { return out_dir + "/slurm"; }

void validate_job_options(const SlurmJobOptions& o) {
  require_absolute(o.qrsweep, "the qrsweep executable");
  require_absolute(o.space_path, "--space");
  require_absolute(o.out_dir, "--out");
  require_absolute(o.work_dir, "the working directory");
  if (!sbatch_safe(o.out_dir))
    throw ConfigError("--out " + o.out_dir +
                      ": the job output files go there, and #SBATCH "
                      "lines cannot hold blanks, quotes, backslashes, % or # in a path; "
                      "choose a plainer directory name");
  check_backend_options(o.backend.empty() ? "auto" : o.backend, o.tf32, o.cuda);
  if (o.shards < 1) throw ConfigError("--shards must be >= 1, got " + std::to_string(o.shards));
  if (o.shards > 100000) throw ConfigError("--shards " + std::to_string(o.shards) + " is too many");
  if (o.gpus_per_task < 0) throw ConfigError("--gpus-per-task must be >= 0");
  if (o.cpus_per_task < 0) throw ConfigError("--cpus-per-task must be >= 0");
  if (o.signal_seconds < 1 || o.signal_seconds > 65535)
    throw ConfigError("--signal-seconds must be 1..65535 (sbatch --signal), got " +
                      std::to_string(o.signal_seconds));
  for (const auto& [value, name] : {std::pair{o.partition, "--partition"},
                                    std::pair{o.time, "--time"}, std::pair{o.account, "--account"}})
    if (!sbatch_safe(value))
      throw ConfigError(std::string(name) + " '" + value + "' cannot go on an #SBATCH line");
  for (const std::string& e : o.extra)
    if (e.find_first_of("\n\r\"'\\") != std::string::npos)
      throw ConfigError("--extra \"" + e +
                        "\": quotes, backslashes and line breaks cannot "
                        "go on an #SBATCH line");
  extra_lines(o.extra);  // throws for a value that is not an option
  for (const std::string& line : o.setup)
    if (line.find_first_not_of(" \t") == std::string::npos ||
        line.find_first_of("\n\r") != std::string::npos)
      throw ConfigError("--setup \"" + line + "\": one non-empty shell line each");
}

std::string sweep_sbatch(const SlurmJobOptions& o) {
  validate_job_options(o);
  const std::string n = std::to_string(o.shards);
  std::ostringstream s;
  header(s, "qrsweep: the shards of a sweep as a Slurm array job, one shard per task.", o);
  s << "#SBATCH --job-name=qrsweep-" << name_suffix(o.out_dir) << "\n"
    << "#SBATCH --array=0-" << o.shards - 1 << "\n";
  job_lines(s, o, "sweep-%A_%a.out");
  s << "shard=\"${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is an array job}/" << n
    << "\"\n"
       "task=\"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n"
       "echo \"qrsweep slurm: shard $shard as $task (restart ${SLURM_RESTART_COUNT:-0}) on "
       "$(hostname) at $(date -u +%FT%TZ)\"\n\n";
  setup_lines(s, o);
  runner(s, sweep_command(o), "$task");
  return s.str();
}

std::string merge_sbatch(const SlurmJobOptions& o) {
  validate_job_options(o);
  std::ostringstream s;
  header(s,
         "qrsweep: merges the shard stores of a sweep, then selects, retrains and tests "
         "the best trial.",
         o);
  s << "# Submit it with --dependency=afterany:<the array's job id>.\n"
    << "#SBATCH --job-name=qrsweep-merge-" << name_suffix(o.out_dir) << "\n";
  job_lines(s, o, "merge-%j.out");
  s << "echo \"qrsweep slurm: merge as job ${SLURM_JOB_ID:-?} (restart "
       "${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -u +%FT%TZ)\"\n\n";
  setup_lines(s, o);
  runner(s, merge_command(o), "$SLURM_JOB_ID");
  return s.str();
}

SlurmScripts write_slurm_scripts(const SlurmJobOptions& o) {
  const std::string sweep_text = sweep_sbatch(o);
  const std::string merge_text = merge_sbatch(o);
  const std::string dir = slurm_dir(o.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create " + dir + ": " + ec.message());
  SlurmScripts out{dir + "/sweep.sbatch", dir + "/merge.sbatch"};
  for (const auto& [path, text] :
       {std::pair{out.sweep, sweep_text}, std::pair{out.merge, merge_text}}) {
    write_file_atomic(path, text);
    if (::chmod(path.c_str(), 0755) != 0) throw Error("cannot make " + path + " executable");
  }
  return out;
}

std::vector<std::string> submit_commands(const SlurmScripts& scripts) {
  return {"jobid=$(sbatch --parsable " + shell_quote(scripts.sweep) + ")",
          "sbatch --dependency=afterany:${jobid%%;*} " + shell_quote(scripts.merge)};
}

}  // namespace qrsweep
