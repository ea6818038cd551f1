// Submitting the scripts (slurm.h): `sbatch --parsable` for the array, then for the merge
// afterany the array; sbatch's own words go back to the user when it refuses.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "qrsweep/common.h"
#include "qrsweep/slurm.h"

namespace qrsweep {

namespace {

struct Captured {
  int status = -1;  // exit status, 128 + signal, or 127 when the program was not found
  std::string out;
  std::string err;
};

// Runs argv[0] (searched on PATH) with stdin from /dev/null, capturing both outputs.
Captured capture(const std::vector<std::string>& argv) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  if (pipe(err_pipe) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    throw Error(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t pid = fork();
  if (pid < 0) throw Error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    const std::string why = argv[0] + ": " + std::strerror(errno) + "\n";
    ssize_t wrote = write(2, why.data(), why.size());
    (void)wrote;
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  Captured c;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&c.out, &c.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (const pollfd& f : fds)
    if (f.fd >= 0) close(f.fd);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  c.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return c;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

// Submits and returns the job id: --parsable prints "id" or "id;cluster".
std::string sbatch_parsable(const std::string& sbatch, std::vector<std::string> args,
                            const std::string& what) {
  std::vector<std::string> argv = {sbatch, "--parsable"};
  argv.insert(argv.end(), args.begin(), args.end());
  const Captured c = capture(argv);
  if (c.status == 127)
    throw Error("cannot run " + sbatch + " (" + trim(c.err) +
                "): submit from a machine with Slurm's client commands");
  const std::string out = trim(c.out);
  const std::string id = out.substr(0, out.find(';'));
  bool numeric = !id.empty();
  for (char ch : id) numeric = numeric && std::isdigit(static_cast<unsigned char>(ch));
  if (c.status != 0 || !numeric)
    throw Error("sbatch refused the " + what + " (exit status " + std::to_string(c.status) +
                "): " + trim(c.err + "\n" + c.out));
  return id;
}

}  // namespace

SubmittedJobs submit_slurm_scripts(const SlurmScripts& scripts, const std::string& sbatch) {
  SubmittedJobs jobs;
  jobs.array_job = sbatch_parsable(sbatch, {scripts.sweep}, "array job " + scripts.sweep);
  try {
    jobs.merge_job =
        sbatch_parsable(sbatch, {"--dependency=afterany:" + jobs.array_job, scripts.merge},
                        "merge job " + scripts.merge);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + "\nthe shards were submitted as array job " +
                jobs.array_job + "; submit the merge by hand: sbatch --dependency=afterany:" +
                jobs.array_job + " " + shell_quote(scripts.merge));
  }
  return jobs;
}

}  // namespace qrsweep
