// qrsweep_bench_packed: the packed scheduler on a representative subset of the notebook's
// 300-trial plan (the smallest batch sizes, the largest networks, and P quantiles between),
// each trial a fixed number of epochs on the first rows of Fashion-MNIST, timed end to end per
// latency strategy and per half of the mix (below / above the median P). Writes the subset
// (for bench/torch_baseline.py, so both sides train the same trials) and a JSON result.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "cuda/cuda_backend.h"
#include "qrsweep/common.h"
#include "qrsweep/dataset.h"
#include "qrsweep/sampler.h"
#include "qrsweep/space.h"
#include "qrsweep/trainer.h"

namespace qrsweep {
namespace {

struct Args {
  std::string space = "examples/notebook.toml";
  std::string data_dir;  // empty: the space's [data]
  std::string subset_out = "packed_subset.json";
  std::string json_out = "packed_bench.json";
  int subset = 32, epochs = 1, train_rows = 10000, val_rows = 2000;
  bool tf32 = false, halves = true;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "qrsweep_bench_packed: %s\nusage: qrsweep_bench_packed [--space F] [--data DIR] "
               "[--subset N] [--epochs E] [--train-rows N] [--val-rows N] [--tf32] "
               "[--no-halves] [--subset-out F] [--json-out F]\n",
               why.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage(k + " needs a value");
      return argv[++i];
    };
    if (k == "--space")
      a.space = val();
    else if (k == "--data")
      a.data_dir = val();
    else if (k == "--subset")
      a.subset = std::stoi(val());
    else if (k == "--epochs")
      a.epochs = std::stoi(val());
    else if (k == "--train-rows")
      a.train_rows = std::stoi(val());
    else if (k == "--val-rows")
      a.val_rows = std::stoi(val());
    else if (k == "--subset-out")
      a.subset_out = val();
    else if (k == "--json-out")
      a.json_out = val();
    else if (k == "--tf32")
      a.tf32 = true;
    else if (k == "--no-halves")
      a.halves = false;
    else
      usage("unknown option " + k);
  }
  return a;
}

// The smallest batch sizes and the largest networks always; then P quantiles until `n`.
std::vector<TrialConfig> pick(const std::vector<TrialConfig>& plan, int n, int dim, int classes) {
  std::vector<size_t> by_p(plan.size()), by_b(plan.size());
  for (size_t i = 0; i < plan.size(); ++i) by_p[i] = by_b[i] = i;
  auto p = [&](size_t i) { return plan[i].parameter_count(dim, classes); };
  std::stable_sort(by_p.begin(), by_p.end(), [&](size_t a, size_t b) { return p(a) < p(b); });
  std::stable_sort(by_b.begin(), by_b.end(),
                   [&](size_t a, size_t b) { return plan[a].batch_size < plan[b].batch_size; });
  std::vector<bool> taken(plan.size(), false);
  std::vector<size_t> out;
  auto take = [&](size_t i) {
    if (!taken[i] && static_cast<int>(out.size()) < n) taken[i] = true, out.push_back(i);
  };
  const int edge = std::max(1, n / 8);
  for (int j = 0; j < edge && j < static_cast<int>(plan.size()); ++j) {
    take(by_b[j]);
    take(by_p[plan.size() - 1 - j]);
  }
  for (int q = 0; static_cast<int>(out.size()) < std::min<int>(n, plan.size()); ++q) {
    const int slots = std::max(1, n - 2 * edge);
    const size_t at = static_cast<size_t>((q % slots + 0.5) / slots * plan.size());
    size_t i = std::min(at, plan.size() - 1);
    while (taken[by_p[i]] && i + 1 < plan.size()) ++i;
    take(by_p[i]);
    if (q > 4 * n) break;
  }
  std::vector<TrialConfig> sub;
  for (size_t i : out) sub.push_back(plan[i]);
  return sub;
}

struct Run {
  std::string name;
  int trials = 0;
  double seconds = 0, flop = 0;
  PackedStats st;
};

Run run(Backend& b, const std::string& name, const std::vector<TrialConfig>& trials,
        const DatasetView& fit, const DatasetView& val, int epochs, bool balance, bool lpt) {
  PackedOptions o;
  o.fixed_epochs = epochs;
  o.balance_steps = balance;
  o.longest_first = lpt;
  int failed = 0;
  o.on_finish = [&](const TrialConfig& c, const TrialResult&, const std::string& e) {
    if (!e.empty()) ++failed, std::fprintf(stderr, "trial %d failed: %s\n", c.index, e.c_str());
  };
  const auto t0 = std::chrono::steady_clock::now();
  Run r;
  r.st = b.packed()->run(trials, fit, val, o);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.name = name;
  r.trials = static_cast<int>(trials.size());
  for (const TrialConfig& c : trials) {
    const double P = static_cast<double>(c.parameter_count(fit.dim, fit.classes));
    const double train = static_cast<double>(fit.n) * epochs,
                 eval = static_cast<double>(val.n) * epochs;
    r.flop += 6 * P * train + 2 * P * eval;
  }
  if (failed) throw Error(name + ": " + std::to_string(failed) + " trials failed");
  std::printf(
      "%-36s %3d trials %8.2f s %12.0f samples/s %8.2f TFLOP/s %7lld rounds %8lld launches "
      "%8lld steps %8lld graph replays peak %d\n",
      name.c_str(), r.trials, r.seconds, r.st.train_samples / r.seconds, r.flop / r.seconds / 1e12,
      static_cast<long long>(r.st.rounds), static_cast<long long>(r.st.launches),
      static_cast<long long>(r.st.steps), static_cast<long long>(r.st.graph_replays),
      r.st.peak_resident);
  std::fflush(stdout);
  return r;
}

std::string trial_json(const TrialConfig& c, int dim, int classes) {
  std::string s = "{\"index\": " + std::to_string(c.index) + ", \"widths\": [";
  const std::vector<int> w = c.widths(dim, classes);
  for (size_t i = 0; i < w.size(); ++i) s += (i ? ", " : "") + std::to_string(w[i]);
  s += "], \"activation\": \"" + std::string(activation_name(c.activation)) + "\", \"dropout\": [";
  for (int k = 0; k < c.hidden_layers; ++k)
    s += (k ? ", " : "") + std::to_string(c.dropout[k] ? c.dropout_rate[k] : 0.0);
  s += "], \"learning_rate\": " + std::to_string(c.learning_rate) +
       ", \"momentum\": " + std::to_string(c.momentum) +
       ", \"batch_size\": " + std::to_string(c.batch_size) +
       ", \"parameters\": " + std::to_string(c.parameter_count(dim, classes)) + "}";
  return s;
}

int main_impl(int argc, char** argv) {
  const Args a = parse(argc, argv);
  SearchSpace space = parse_space_file(a.space);
  if (!a.data_dir.empty()) space.data.dir = a.data_dir;
  const DataSplits data = load_data(space.data);
  const DatasetView all = data.train.view();
  const int val_rows = std::min(a.val_rows, data.validation);
  const int train_rows = std::min(a.train_rows, all.n - data.validation);
  const DatasetView val = all.rows(0, val_rows);
  const DatasetView fit = all.rows(data.validation, train_rows);
  const std::vector<TrialConfig> plan = make_plan(space);
  std::vector<TrialConfig> sub = pick(plan, a.subset, fit.dim, fit.classes);
  std::sort(sub.begin(), sub.end(), [&](const TrialConfig& x, const TrialConfig& y) {
    return x.parameter_count(fit.dim, fit.classes) < y.parameter_count(fit.dim, fit.classes);
  });
  {
    std::ofstream f(a.subset_out);
    f << "{\"space\": \"" << a.space << "\", \"epochs\": " << a.epochs
      << ", \"train_rows\": " << train_rows << ", \"val_rows\": " << val_rows
      << ", \"validation\": " << data.validation << ", \"tf32\": " << (a.tf32 ? "true" : "false")
      << ", \"trials\": [\n";
    for (size_t i = 0; i < sub.size(); ++i)
      f << "  " << trial_json(sub[i], fit.dim, fit.classes) << (i + 1 < sub.size() ? ",\n" : "\n");
    f << "]}\n";
  }
  CudaExecutorOptions eo;
  eo.math = a.tf32 ? GemmMath::kTf32 : GemmMath::kFp32;
  std::unique_ptr<Backend> b = make_cuda_backend_with(eo);
  eo.graphs = false;
  std::unique_ptr<Backend> direct = make_cuda_backend_with(eo);  // every op its own launch
  std::printf(
      "qrsweep_bench_packed: %zu of %zu plan trials, %d epoch(s) on %d rows, %d val rows, "
      "%s, %s\n",
      sub.size(), plan.size(), a.epochs, fit.n, val.n, a.tf32 ? "TF32" : "FP32",
      b->device().c_str());
  // Warm-up: kernels loaded, allocator and staging arenas grown.
  {
    std::vector<TrialConfig> w(sub.begin(), sub.begin() + std::min<size_t>(4, sub.size()));
    run(*b, "warm-up", w, fit.rows(0, std::min(fit.n, 2000)), val, 1, true, true);
    run(*direct, "warm-up", w, fit.rows(0, std::min(fit.n, 2000)), val, 1, true, true);
  }
  std::vector<Run> runs;
  runs.push_back(run(*b, "all, balanced + longest-first", sub, fit, val, a.epochs, true, true));
  runs.push_back(run(*b, "all, one step/round, plan order", sub, fit, val, a.epochs, false, false));
  runs.push_back(run(*b, "all, balanced, plan order", sub, fit, val, a.epochs, true, false));
  runs.push_back(run(*direct, "all, balanced + longest-first, no graphs", sub, fit, val, a.epochs,
                     true, true));
  if (a.halves && sub.size() >= 2) {
    const size_t half = sub.size() / 2;  // sub is sorted by P
    std::vector<TrialConfig> lo(sub.begin(), sub.begin() + half), hi(sub.begin() + half, sub.end());
    runs.push_back(run(*b, "launch-bound half (P < median)", lo, fit, val, a.epochs, true, true));
    runs.push_back(run(*b, "compute-bound half", hi, fit, val, a.epochs, true, true));
  }
  std::ofstream f(a.json_out);
  f << "{\"device\": \"" << b->device() << "\", \"runs\": [\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const Run& r = runs[i];
    f << "  {\"name\": \"" << r.name << "\", \"trials\": " << r.trials
      << ", \"seconds\": " << r.seconds << ", \"train_samples\": " << r.st.train_samples
      << ", \"eval_samples\": " << r.st.eval_samples << ", \"flop\": " << r.flop
      << ", \"rounds\": " << r.st.rounds << ", \"launches\": " << r.st.launches
      << ", \"steps\": " << r.st.steps << ", \"graph_replays\": " << r.st.graph_replays
      << ", \"graph_captures\": " << r.st.graph_captures
      << ", \"peak_resident\": " << r.st.peak_resident << "}"
      << (i + 1 < runs.size() ? ",\n" : "\n");
  }
  f << "]}\n";
  return 0;
}

}  // namespace
}  // namespace qrsweep

int main(int argc, char** argv) {
  try {
    return qrsweep::main_impl(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qrsweep_bench_packed: %s\n", e.what());
    return 1;
  }
}
