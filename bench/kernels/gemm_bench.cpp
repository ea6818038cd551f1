// Kernel benchmark: the project's grouped GEMM (FP32 SIMT and TF32) against
// cublasSgemmGroupedBatched on the GEMM shapes of a 300-trial plan (every trial's forward and
// backward products at its batch size, one grouped launch per phase). Validates the two
// against each other, then times them with events (warm-up, median of repeats) and reports
// achieved TFLOP/s as Markdown and JSON.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <curand.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cuda/cublas_grouped.h"
#include "cuda/cuda_raii.h"
#include "device/executor.h"
#include "grouped_gemm.cuh"
#include "qrsweep/philox.h"

namespace qrsweep::bench {
namespace {

struct Args {
  std::string plan;       // a plan CSV (`qrsweep plan`); empty: the built-in approximation
  std::string out = ".";  // where gemm_bench.md / gemm_bench.json go
  int trials = 300;
  int warmup = 3;
  int repeats = 15;
  double max_gib = 24.0;  // device memory for operands; trials past it are dropped
  int inputs = 784, classes = 10;
  bool dry_run = false;  // build and summarize the shape mix only (no GPU needed)
};

struct Trial {
  std::vector<int> sizes;  // hidden layer widths
  int batch = 0;
};

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "gemm_bench: %s\n", msg.c_str());
  std::exit(2);
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char ch : line) {
    if (ch == '"')
      quoted = !quoted;
    else if (ch == ',' && !quoted)
      out.push_back(cur), cur.clear();
    else if (ch != '\r')
      cur += ch;
  }
  out.push_back(cur);
  return out;
}

// The notebook's columns (docs/sweep.md#qrsweep-export): "Number of hidden layers", L1N..L5N,
// "Batch size".
std::vector<Trial> read_plan(const std::string& path) {
  std::ifstream f(path);
  if (!f) die("cannot read plan " + path);
  std::string line;
  std::getline(f, line);
  const std::vector<std::string> head = split_csv(line);
  auto col = [&](const std::string& name) {
    auto it = std::find(head.begin(), head.end(), name);
    if (it == head.end()) die(path + ": no column '" + name + "'");
    return static_cast<size_t>(it - head.begin());
  };
  const size_t c_layers = col("Number of hidden layers"), c_batch = col("Batch size");
  size_t c_size[5];
  for (int k = 0; k < 5; ++k) c_size[k] = col("L" + std::to_string(k + 1) + "N");
  std::vector<Trial> trials;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> v = split_csv(line);
    Trial t;
    const int layers = std::stoi(v.at(c_layers));
    for (int k = 0; k < layers; ++k) t.sizes.push_back(std::stoi(v.at(c_size[k])));
    t.batch = static_cast<int>(std::lround(std::stod(v.at(c_batch))));
    trials.push_back(t);
  }
  return trials;
}

// Without a plan: the notebook's space (docs/semantics.md#search) with Philox uniforms in place of
// scrambled Sobol points: balanced structures (the 10-item list) and layer counts (2-5),
// seed size s in [20, 1500], batch in [5, 600]. Same ranges and structure rules, so the same
// kind of shape mix; not the same trials as `qrsweep plan`.
std::vector<Trial> approximate_plan(int n) {
  // The structure list of docs/semantics.md#forced-diversification.
  static const int kStructures[10] = {0, 0, 1, 2, 3, 4, 5, 5, 5, 5};
  PhiloxStream s{20240601, 0, 0xBE7C4u};
  uint64_t w = 0;
  auto uni = [&](double lo, double hi) {
    const uint32_t hi_word = s.word(w++);
    const uint32_t lo_word = s.word(w++);
    return lo + (hi - lo) * uniform01_53(hi_word, lo_word);
  };
  auto rnd = [](double x) { return std::max(1, static_cast<int>(std::lround(x))); };
  std::vector<Trial> trials;
  for (int i = 0; i < n; ++i) {
    const int layers = 2 + i % 4, structure = kStructures[(i * 7) % 10];
    const double seed_size = uni(20, 1500);
    Trial t;
    for (int k = 1; k <= layers; ++k) {
      int size = 0;
      switch (structure) {
        case 0:
          size = rnd(seed_size);
          break;  // Uniform
        case 1:
          size = rnd(seed_size) * k;
          break;  // Ascending min
        case 2:
          size = rnd(seed_size / (1 << (layers - k)));
          break;  // Ascending max
        case 3:
          size = rnd(seed_size) * (1 << (layers - k));
          break;  // Descending min
        case 4:
          size = rnd(seed_size / k);
          break;  // Descending max
        default:
          size = rnd(uni(20, 1500));
          break;  // Random
      }
      t.sizes.push_back(size);
    }
    t.batch = rnd(uni(5, 600));
    trials.push_back(t);
  }
  return trials;
}

struct Phase {
  std::string name;
  std::vector<GemmProblem> problems;
  size_t c_begin = 0, c_end = 0;  // the phase's outputs: one contiguous range of the pool
  double flops = 0;
};

// Times `launch` with events: warm-up, then the median of `repeats` timed runs (ms).
template <typename F>
double median_ms(cudaStream_t stream, int warmup, int repeats, F launch) {
  for (int i = 0; i < warmup; ++i) launch();
  CUDA_CHECK(cudaStreamSynchronize(stream));
  CudaEvent start, stop;
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    CUDA_CHECK(cudaEventRecord(start.get(), stream));
    launch();
    CUDA_CHECK(cudaEventRecord(stop.get(), stream));
    CUDA_CHECK(cudaEventSynchronize(stop.get()));
    float t = 0;
    CUDA_CHECK(cudaEventElapsedTime(&t, start.get(), stop.get()));
    ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

int run(const Args& a) {
  std::vector<Trial> trials = a.plan.empty() ? approximate_plan(a.trials) : read_plan(a.plan);
  if (trials.empty()) die("no trials");
  const std::string source =
      a.plan.empty() ? "built-in approximation of the notebook's space" : "plan " + a.plan;

  // Lay every operand out in one pool: per trial W_k, X_k (layer inputs), dZ_k (inputs);
  // then every output, phase by phase, so each phase's outputs are one contiguous range.
  size_t used = 0;
  auto take = [&](size_t n) {
    size_t at = used;
    used += (n + 63) / 64 * 64;  // 256-byte aligned sub-buffers
    return at;
  };
  struct TrialBufs {
    std::vector<int> widths;
    std::vector<size_t> w, x, dz;
  };
  std::vector<TrialBufs> bufs;
  const double max_floats = a.max_gib * (1ull << 30) / sizeof(float);
  size_t kept = 0;
  for (const Trial& t : trials) {
    TrialBufs b;
    b.widths.push_back(a.inputs);
    for (int s : t.sizes) b.widths.push_back(s);
    b.widths.push_back(a.classes);
    // Inputs and outputs of this trial (outputs: y, dW, dX, about inputs' size again).
    double need = 0;
    for (size_t k = 0; k + 1 < b.widths.size(); ++k)
      need += 2.0 * (double(b.widths[k]) * b.widths[k + 1] + double(t.batch) * b.widths[k] +
                     double(t.batch) * b.widths[k + 1]);
    if (used + need > max_floats) break;
    for (size_t k = 0; k + 1 < b.widths.size(); ++k) {
      b.w.push_back(take(size_t(b.widths[k]) * b.widths[k + 1]));
      b.x.push_back(take(size_t(t.batch) * b.widths[k]));
      b.dz.push_back(take(size_t(t.batch) * b.widths[k + 1]));
    }
    bufs.push_back(b);
    ++kept;
  }
  if (kept == 0) die("the first trial does not fit in --max-gib");
  const size_t inputs_end = used;

  Phase fwd, bwd;
  fwd.name = "forward (Y = X W)";
  bwd.name = "backward (dW = X^T dZ, dX = dZ W^T)";
  auto add = [&](Phase& ph, GemmProblem p, size_t c_off) {
    p.c = reinterpret_cast<float*>(c_off);  // an offset for now; rebased after allocation
    p.ldc = p.n;
    p.epilogue = kStore;
    p.a_ones_row = -1;
    ph.flops += 2.0 * p.m * p.n * p.k;
    ph.problems.push_back(p);
  };
  for (Phase* ph : {&fwd, &bwd}) {
    ph->c_begin = used;
    for (size_t t = 0; t < kept; ++t) {
      const TrialBufs& b = bufs[t];
      const int batch = trials[t].batch;
      for (size_t k = 0; k + 1 < b.widths.size(); ++k) {
        const int in = b.widths[k], out = b.widths[k + 1];
        GemmProblem p{};
        p.b = reinterpret_cast<const float*>(b.w[k]);
        if (ph == &fwd) {
          p.m = batch, p.n = out, p.k = in;
          p.a_mode = kARow, p.a = reinterpret_cast<const float*>(b.x[k]), p.lda = in;
          p.b_mode = kBRow, p.ldb = out;
          add(*ph, p, take(size_t(batch) * out));
        } else {
          p.m = in, p.n = out, p.k = batch;  // dW = X^T dZ
          p.a_mode = kACol, p.a = reinterpret_cast<const float*>(b.x[k]), p.lda = in;
          p.b_mode = kBRow, p.b = reinterpret_cast<const float*>(b.dz[k]), p.ldb = out;
          add(*ph, p, take(size_t(in) * out));
          if (k > 0) {  // dX = dZ W^T
            GemmProblem x{};
            x.m = batch, x.n = in, x.k = out;
            x.a_mode = kARow, x.a = reinterpret_cast<const float*>(b.dz[k]), x.lda = out;
            x.b_mode = kBCol, x.b = reinterpret_cast<const float*>(b.w[k]), x.ldb = out;
            add(*ph, x, take(size_t(batch) * in));
          }
        }
      }
    }
    ph->c_end = used;
  }

  std::printf(
      "gemm_bench: %zu of %zu trials (%s): forward %zu problems %.1f GFLOP, backward "
      "%zu problems %.1f GFLOP, %.2f GiB of operands\n",
      kept, trials.size(), source.c_str(), fwd.problems.size(), fwd.flops / 1e9,
      bwd.problems.size(), bwd.flops / 1e9, used * 4.0 / (1ull << 30));
  if (a.dry_run) return 0;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    cudaGetLastError();
    std::printf("gemm_bench: no GPU: nothing to time\n");
    return 3;
  }
  int device = 0;
  CUDA_CHECK(cudaSetDevice(device));
  cudaDeviceProp prop;
  CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  int driver = 0;
  CUDA_CHECK(cudaDriverGetVersion(&driver));
  std::printf("gemm_bench: timing on %s\n", prop.name);

  DeviceMemory pool(used * sizeof(float)),
      ref((std::max(fwd.c_end - fwd.c_begin, bwd.c_end - bwd.c_begin)) * sizeof(float));
  float* base = pool.get<float>();
  auto rebase = [&](const float* off) { return base + reinterpret_cast<size_t>(off); };
  for (Phase* ph : {&fwd, &bwd})
    for (GemmProblem& p : ph->problems) {
      p.a = rebase(p.a);
      p.b = rebase(p.b);
      p.c = rebase(p.c);
      check_problem(p);
    }
  // Random inputs in (0, 1]: never timing or validating on zeros.
  {
    curandGenerator_t gen;
    if (curandCreateGenerator(&gen, CURAND_RNG_PSEUDO_PHILOX4_32_10) != CURAND_STATUS_SUCCESS)
      die("curandCreateGenerator failed");
    curandSetPseudoRandomGeneratorSeed(gen, 1234);
    const size_t n = (inputs_end + 1) / 2 * 2;
    if (curandGenerateUniform(gen, base, n) != CURAND_STATUS_SUCCESS)
      die("curandGenerateUniform failed");
    curandDestroyGenerator(gen);
    CUDA_CHECK(cudaDeviceSynchronize());
  }

  CudaStream stream;
  CublasHandle cublas;
  CUBLAS_CHECK(cublasSetStream(cublas.get(), stream.get()));
  CUBLAS_CHECK(cublasSetPointerMode(cublas.get(), CUBLAS_POINTER_MODE_DEVICE));  // for nrm2

  struct PhaseDevice {
    DeviceMemory problems, offsets, pa, pb, pc;
    int count = 0, tiles = 0;
    CublasGroupedCall call;
  };
  auto upload = [&](const Phase& ph) {
    PhaseDevice d;
    std::vector<int> tiles;
    for (const auto& p : ph.problems) tiles.push_back(gemm_tiles(p));
    const std::vector<int> off = prefix_offsets(tiles);
    d.count = static_cast<int>(ph.problems.size());
    d.tiles = off.back();
    d.problems = DeviceMemory(ph.problems.size() * sizeof(GemmProblem));
    d.offsets = DeviceMemory(off.size() * sizeof(int));
    CUDA_CHECK(cudaMemcpy(d.problems.get(), ph.problems.data(), d.problems.bytes(),
                          cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d.offsets.get(), off.data(), d.offsets.bytes(), cudaMemcpyHostToDevice));
    d.call = make_cublas_grouped_call(ph.problems);
    const size_t pb = d.call.a.size() * sizeof(float*);
    d.pa = DeviceMemory(pb);
    d.pb = DeviceMemory(pb);
    d.pc = DeviceMemory(pb);
    CUDA_CHECK(cudaMemcpy(d.pa.get(), d.call.a.data(), pb, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d.pb.get(), d.call.b.data(), pb, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d.pc.get(), d.call.c.data(), pb, cudaMemcpyHostToDevice));
    return d;
  };

  struct Row {
    std::string phase, impl;
    int problems = 0;
    double flops = 0, ms = 0, tflops = 0, rel_err = 0;
  };
  std::vector<Row> rows;
  bool valid = true;
  DeviceMemory d_norm(2 * sizeof(float));
  for (const Phase* ph : {&fwd, &bwd}) {
    PhaseDevice d = upload(*ph);
    const size_t n_out = ph->c_end - ph->c_begin;
    float* out = base + ph->c_begin;
    auto ours = [&](GemmMath m) {
      return [&, m] {
        launch_grouped_gemm(d.problems.get<GemmProblem>(), d.offsets.get<int>(), d.count, d.tiles,
                            m, stream.get());
      };
    };
    auto theirs = [&] {
      run_cublas_grouped(cublas.get(), d.call, d.pa.get<const float*>(), d.pb.get<const float*>(),
                         d.pc.get<float*>());
    };
    // Validate first: cuBLAS FP32 is the reference; relative Frobenius error of each path.
    auto rel_error = [&](auto launch) {
      CUDA_CHECK(cudaMemsetAsync(out, 0xFF, n_out * sizeof(float), stream.get()));  // NaN
      launch();
      const float minus_one = -1.0f;
      CUBLAS_CHECK(cublasSetPointerMode(cublas.get(), CUBLAS_POINTER_MODE_HOST));
      CUBLAS_CHECK(cublasSaxpy_64(cublas.get(), static_cast<int64_t>(n_out), &minus_one,
                                  ref.get<float>(), 1, out, 1));
      CUBLAS_CHECK(cublasSetPointerMode(cublas.get(), CUBLAS_POINTER_MODE_DEVICE));
      CUBLAS_CHECK(
          cublasSnrm2_64(cublas.get(), static_cast<int64_t>(n_out), out, 1, d_norm.get<float>()));
      CUBLAS_CHECK(cublasSnrm2_64(cublas.get(), static_cast<int64_t>(n_out), ref.get<float>(), 1,
                                  d_norm.get<float>() + 1));
      float norms[2];
      CUDA_CHECK(
          cudaMemcpyAsync(norms, d_norm.get(), sizeof norms, cudaMemcpyDeviceToHost, stream.get()));
      CUDA_CHECK(cudaStreamSynchronize(stream.get()));
      return std::isfinite(norms[0]) && norms[1] > 0 ? double(norms[0]) / norms[1] : INFINITY;
    };
    CUBLAS_CHECK(cublasSetMathMode(cublas.get(), CUBLAS_DEFAULT_MATH));
    CUDA_CHECK(cudaMemsetAsync(out, 0xFF, n_out * sizeof(float), stream.get()));
    theirs();
    CUDA_CHECK(cudaMemcpyAsync(ref.get(), out, n_out * sizeof(float), cudaMemcpyDeviceToDevice,
                               stream.get()));
    struct Impl {
      std::string name;
      std::function<void()> launch;
      cublasMath_t cublas_math;
      double tol;
    } impls[] = {
        {"qrsweep FP32 (SIMT)", ours(GemmMath::kFp32), CUBLAS_DEFAULT_MATH, 1e-5},
        {"cuBLAS FP32 grouped", theirs, CUBLAS_DEFAULT_MATH, 1e-6},
        {"qrsweep TF32 (wmma)", ours(GemmMath::kTf32), CUBLAS_DEFAULT_MATH, 5e-3},
        {"cuBLAS TF32 grouped", theirs, CUBLAS_TF32_TENSOR_OP_MATH, 5e-3},
    };
    for (Impl& im : impls) {
      CUBLAS_CHECK(cublasSetMathMode(cublas.get(), im.cublas_math));
      Row r;
      r.phase = ph->name;
      r.impl = im.name;
      r.problems = d.count;
      r.flops = ph->flops;
      r.rel_err = rel_error(im.launch);
      if (!(r.rel_err <= im.tol)) {
        std::printf("VALIDATION FAILED: %s, %s: relative error %.3g > %.1g\n", r.phase.c_str(),
                    r.impl.c_str(), r.rel_err, im.tol);
        valid = false;
      }
      r.ms = median_ms(stream.get(), a.warmup, a.repeats, im.launch);
      r.tflops = r.flops / (r.ms * 1e-3) / 1e12;
      rows.push_back(r);
    }
    CUBLAS_CHECK(cublasSetMathMode(cublas.get(), CUBLAS_DEFAULT_MATH));
  }

  // Reports.
  std::ostringstream md, js;
  md << "# Grouped GEMM benchmark\n\n"
     << "- card: " << prop.name << " (sm_" << prop.major << prop.minor << ", "
     << prop.multiProcessorCount << " SMs), driver " << driver / 1000 << "." << driver % 1000 / 10
     << "\n- shapes: " << kept << " of " << trials.size() << " trials, " << source << "\n"
     << "- timing: median of " << a.repeats << " runs after " << a.warmup
     << " warm-ups, CUDA events; validation: relative Frobenius error vs cuBLAS FP32\n\n"
     << "| phase | implementation | problems | GFLOP | ms | TFLOP/s | rel. error |\n"
     << "| --- | --- | ---: | ---: | ---: | ---: | ---: |\n";
  js << "{\n  \"card\": \"" << prop.name << "\",\n  \"trials\": " << kept << ",\n  \"source\": \""
     << source << "\",\n  \"valid\": " << (valid ? "true" : "false") << ",\n  \"rows\": [\n";
  char line[512];
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::snprintf(line, sizeof line, "| %s | %s | %d | %.1f | %.3f | %.2f | %.2e |\n",
                  r.phase.c_str(), r.impl.c_str(), r.problems, r.flops / 1e9, r.ms, r.tflops,
                  r.rel_err);
    md << line;
    std::snprintf(line, sizeof line,
                  "    {\"phase\": \"%s\", \"impl\": \"%s\", \"problems\": %d, \"gflop\": %.3f, "
                  "\"ms\": %.4f, \"tflops\": %.3f, \"rel_err\": %.3e}%s\n",
                  r.phase.c_str(), r.impl.c_str(), r.problems, r.flops / 1e9, r.ms, r.tflops,
                  r.rel_err, i + 1 < rows.size() ? "," : "");
    js << line;
  }
  js << "  ]\n}\n";
  std::ofstream(a.out + "/gemm_bench.md") << md.str();
  std::ofstream(a.out + "/gemm_bench.json") << js.str();
  std::printf("%s", md.str().c_str());
  return valid ? 0 : 1;
}

}  // namespace
}  // namespace qrsweep::bench

int main(int argc, char** argv) {
  qrsweep::bench::Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) qrsweep::bench::die("missing value after " + k);
      return argv[++i];
    };
    if (k == "--plan")
      a.plan = val();
    else if (k == "--out")
      a.out = val();
    else if (k == "--trials")
      a.trials = std::stoi(val());
    else if (k == "--warmup")
      a.warmup = std::stoi(val());
    else if (k == "--repeats")
      a.repeats = std::stoi(val());
    else if (k == "--max-gib")
      a.max_gib = std::stod(val());
    else if (k == "--dry-run")
      a.dry_run = true;
    else if (k == "--help" || k == "-h") {
      std::printf(
          "usage: qrsweep_bench_gemm [--plan plan.csv] [--trials N] [--warmup N] "
          "[--repeats N] [--max-gib G] [--out DIR] [--dry-run]\n");
      return 0;
    } else {
      qrsweep::bench::die("unknown option " + k);
    }
  }
  if (a.repeats < 1 || a.warmup < 0 || a.trials < 1) qrsweep::bench::die("bad counts");
  try {
    return qrsweep::bench::run(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gemm_bench: %s\n", e.what());
    return 1;
  }
}
