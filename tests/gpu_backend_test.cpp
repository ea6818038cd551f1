// The CUDA backend end to end: `--backend cuda` / `auto` without a GPU (runs everywhere), and
// with a GPU a trial trained 3 epochs on the GPU and on the CPU reference (synthetic data, and
// Fashion-MNIST when present): per-epoch losses within 1e-3 relative.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "cpu/cpu_backend.h"
#include "cuda/cuda_backend.h"
#include "gpu_support.h"
#include "qrsweep/philox.h"
#include "qrsweep/trainer.h"
#include "support/test_support.h"

namespace qrsweep::test {
namespace {

const char* kTinyConfig = R"(sizes = [24, 12]
activation = "relu"
dropout_rates = [0.2, 0.0]
learning_rate = 0.002
momentum = 0.3
batch_size = 50
seed = 3
trial = 0
max_epochs = 1
patience = 5
[data]
format = "csv"
validation = 40
)";

// A CSV train/test pair the `train` command can read, for the CLI checks.
std::string write_csv_config(const TempDir& dir) {
  const Dataset d = synthetic_dataset(200, 16, 3, 9);
  std::string csv;
  for (int i = 0; i < d.n; ++i) {
    csv += std::to_string(d.y[i]);
    for (int k = 0; k < d.dim; ++k) csv += "," + std::to_string(d.x[size_t(i) * d.dim + k]);
    csv += "\n";
  }
  write_file(dir.file("train.csv"), csv);
  write_file(dir.file("test.csv"), csv);
  const std::string cfg = std::string(kTinyConfig) + "train_csv = \"" + dir.file("train.csv") +
                          "\"\ntest_csv = \"" + dir.file("test.csv") + "\"\n";
  write_file(dir.file("tiny.toml"), cfg);
  return dir.file("tiny.toml");
}

TEST(CudaBackendCli, CudaSaysPlainlyWhenThereIsNoGpuAndAutoFallsBack) {
  TempDir dir;
  const std::string cfg = write_csv_config(dir);
  std::string why;
  const bool have_gpu = cuda_device_usable(&why);
  RunResult cuda = run_qrsweep("train --config '" + cfg + "' --backend cuda --steps 3");
  RunResult autob = run_qrsweep("train --config '" + cfg + "' --backend auto --steps 3");
  EXPECT_EQ(autob.status, 0) << autob.output;
  if (have_gpu) {
    EXPECT_EQ(cuda.status, 0) << cuda.output;
    EXPECT_EQ(autob.output.find("CPU thread"), std::string::npos) << "auto must pick the GPU";
  } else {
    EXPECT_NE(cuda.status, 0) << cuda.output;
    EXPECT_NE(cuda.output.find("no usable GPU"), std::string::npos) << cuda.output;
    EXPECT_NE(cuda.output.find(why), std::string::npos) << cuda.output;
    EXPECT_NE(autob.output.find("CPU thread"), std::string::npos) << autob.output;
  }
}

TEST(CudaBackendCli, MakeBackendNamesTheReason) {
  std::string why;
  if (cuda_device_usable(&why)) GTEST_SKIP() << "a GPU is present; the no-GPU path is moot";
  EXPECT_FALSE(why.empty());
  try {
    make_backend("cuda");
    FAIL() << "make_backend(\"cuda\") must throw without a GPU";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
  EXPECT_EQ(make_backend("auto")->name(), "cpu");
}

TrialConfig trial_config(Activation act, double momentum, int batch) {
  TrialConfig c;
  c.index = 11;
  c.seed = 77;
  c.hidden_layers = 2;
  c.activation = act;
  c.sizes[0] = 163;
  c.sizes[1] = 65;
  c.dropout[0] = true;
  c.dropout_rate[0] = 0.1726;
  c.learning_rate = 0.003;
  c.momentum = momentum;
  c.batch_size = batch;
  c.max_epochs = 3;
  return c;
}

void expect_gpu_matches_cpu(Backend& gpu, const TrialConfig& cfg, const DatasetView& fit,
                            const DatasetView& val, double rel) {
  SCOPED_TRACE(gpu.device() + ", activation " + activation_name(cfg.activation));
  auto cpu = make_cpu_backend(BackendOptions{});
  TrainOptions opt;
  opt.fixed_epochs = 3;
  auto s_cpu = cpu->open(cfg, fit);
  TrialResult r_cpu = train_trial(*s_cpu, cfg, fit, val, opt);
  auto s_gpu = gpu.open(cfg, fit);
  TrialResult r_gpu = train_trial(*s_gpu, cfg, fit, val, opt);
  ASSERT_EQ(r_gpu.history.size(), 3u);
  for (size_t e = 0; e < 3; ++e) {
    const auto& a = r_gpu.history[e];
    const auto& b = r_cpu.history[e];
    EXPECT_TRUE(std::isfinite(a.loss) && std::isfinite(a.val_loss));
    EXPECT_NEAR(a.loss, b.loss, rel * b.loss) << "epoch " << e + 1;
    EXPECT_NEAR(a.val_loss, b.val_loss, rel * b.val_loss) << "epoch " << e + 1;
    EXPECT_NEAR(a.val_accuracy, b.val_accuracy, 0.01) << "epoch " << e + 1;
  }
}

// The synthetic patterns with 30% of the labels redrawn: the loss stays well above zero, so
// per-epoch losses compare meaningfully. (On the clean set a batch-5 run drives the loss to
// ~1e-7, where two correct implementations differ by 100%.) These configurations were checked
// with the host reference executor, which rounds like the FP32 kernel: within 1.4e-6 of the
// CPU after 3 epochs. (Not every configuration is this stable: tanh without momentum at
// batch 50 drifts to 5e-3, from rounding alone.)
Dataset noisy_synthetic(int n, uint32_t seed) {
  Dataset d = synthetic_dataset(n, 784, 10, seed);
  PhiloxStream s{99, 0, 0x4015Eu};
  for (int i = 0; i < d.n; ++i)
    if (below(s.word(2 * i), 10) < 3) d.y[i] = static_cast<uint8_t>(below(s.word(2 * i + 1), 10));
  return d;
}

TEST(CudaBackend, ThreeEpochsMatchTheCpuOnSyntheticData) {
  QRS_REQUIRE_GPU();
  const Dataset data = noisy_synthetic(3000, 21);
  const DatasetView val = data.view().rows(0, 500), fit = data.view().rows(500, 2500);
  auto own = make_backend("cuda");
  CudaExecutorOptions o;
  o.engine = GemmEngine::kCublas;
  auto cublas = make_cuda_backend_with(o);
  for (Backend* b : {own.get(), cublas.get()}) {
    expect_gpu_matches_cpu(*b, trial_config(Activation::kSigmoid, 0.198, 544), fit, val, 1e-3);
    expect_gpu_matches_cpu(*b, trial_config(Activation::kRelu, 0.0, 5), fit, val, 1e-3);
    expect_gpu_matches_cpu(*b, trial_config(Activation::kTanh, 0.9, 600), fit, val, 1e-3);
  }
}

// Float features (real-valued data): the first layer gathers floats (kARowF32, kAColF32)
// on both engines, as the CPU backend's float gather reads them.
TEST(CudaBackend, FloatFeaturesMatchTheCpu) {
  QRS_REQUIRE_GPU();
  Dataset data = noisy_synthetic(3000, 23);
  for (uint8_t v : data.x) data.xf.push_back((static_cast<float>(v) - 127.5f) / 60.0f);
  data.x.clear();
  const DatasetView val = data.view().rows(0, 500), fit = data.view().rows(500, 2500);
  auto own = make_backend("cuda");
  CudaExecutorOptions o;
  o.engine = GemmEngine::kCublas;
  auto cublas = make_cuda_backend_with(o);
  for (Backend* b : {own.get(), cublas.get()}) {
    expect_gpu_matches_cpu(*b, trial_config(Activation::kTanh, 0.3, 128), fit, val, 1e-3);
    expect_gpu_matches_cpu(*b, trial_config(Activation::kRelu, 0.0, 37), fit, val, 1e-3);
  }
}

TEST(CudaBackend, Tf32TrainsCloseToTheCpu) {
  QRS_REQUIRE_GPU();
  const Dataset data = noisy_synthetic(3000, 22);
  const DatasetView val = data.view().rows(0, 500), fit = data.view().rows(500, 2500);
  BackendOptions bo;
  bo.tf32 = true;
  auto tf32 = make_backend("cuda", bo);
  expect_gpu_matches_cpu(*tf32, trial_config(Activation::kSigmoid, 0.198, 544), fit, val, 2e-2);
}

std::string fashion_mnist_dir() {
  if (const char* d = std::getenv("QRSWEEP_FASHION_MNIST_DIR")) return d;
  return have_fashion_mnist() ? kDefaultFashionMnistDir : "";
}

TEST(CudaBackend, ThreeEpochsMatchTheCpuOnFashionMnist) {
  QRS_REQUIRE_GPU();
  const std::string dir = fashion_mnist_dir();
  if (dir.empty() || !std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST not installed (dataset-fashion-mnist, or set "
                    "QRSWEEP_FASHION_MNIST_DIR)";
  DataSource src;
  src.dir = dir;
  const DataSplits splits = load_data(src);
  // The notebook's best trial's shape on a 12,000-row slice: 2,000 validate, 10,000 train.
  const DatasetView val = splits.train.view().rows(0, 2000);
  const DatasetView fit = splits.train.view().rows(2000, 10000);
  auto gpu = make_backend("cuda");
  expect_gpu_matches_cpu(*gpu, trial_config(Activation::kSigmoid, 0.198, 544), fit, val, 1e-3);
}

}  // namespace
}  // namespace qrsweep::test
