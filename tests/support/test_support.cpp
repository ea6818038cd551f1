// Shared test helpers (see test_support.h).
#include "support/test_support.h"

#include <sys/wait.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "qrsweep/philox.h"

namespace qrsweep::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/qrsweep-test-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

RunResult run_command(const std::string& cmdline) {
  RunResult r;
  std::string full = "(" + cmdline + ") 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + cmdline);
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, got);
  int st = pclose(p);
  if (WIFEXITED(st))
    r.status = WEXITSTATUS(st);
  else if (WIFSIGNALED(st))
    r.status = 128 + WTERMSIG(st);
  return r;
}

TmpfsMount::TmpfsMount(const std::string& dir, const std::string& options) : dir_(dir) {
  run_command("mkdir -p '" + dir + "'");
  const RunResult r = run_command("mount -t tmpfs -o " + options + " tmpfs '" + dir + "'");
  mounted_ = r.status == 0;
  why_ = r.output;
}

TmpfsMount::~TmpfsMount() {
  if (mounted_) run_command("umount '" + dir_ + "' || umount -l '" + dir_ + "'");
}

bool TmpfsMount::remount(const std::string& options) {
  return run_command("mount -o remount," + options + " '" + dir_ + "'").status == 0;
}

RunResult run_qrsweep(const std::string& args) {
  return run_command(std::string("'") + QRSWEEP_BINARY + "' " + args);
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary);
  f << content;
  if (!f) throw std::runtime_error("cannot write " + path);
}

std::string gzip(const std::string& raw) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&zs, raw.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

TrialConfig small_trial_config() {
  TrialConfig c;
  c.hidden_layers = 2;
  c.sizes = {16, 8, 0, 0, 0};
  c.activation = Activation::kTanh;
  c.dropout = {true, false, false, false, false};
  c.dropout_rate = {0.2, 0, 0, 0, 0};
  c.learning_rate = 0.003;
  c.momentum = 0.3;
  c.batch_size = 37;
  c.max_epochs = 4;
  c.patience = 5;
  c.seed = 99;
  c.index = 4;
  return c;
}

std::string csv_text(const Dataset& d) {
  std::string csv;
  for (int i = 0; i < d.n; ++i) {
    csv += std::to_string(d.y[i]);
    for (int k = 0; k < d.dim; ++k) csv += "," + std::to_string(d.x[size_t(i) * d.dim + k]);
    csv += "\n";
  }
  return csv;
}

Dataset synthetic_dataset(int n, int dim, int classes, uint32_t seed) {
  Dataset d;
  d.n = n;
  d.dim = dim;
  d.classes = classes;
  d.source = "synthetic";
  d.x.resize(static_cast<size_t>(n) * dim);
  d.y.resize(n);
  PhiloxStream s{seed, 0, 0xABCDEFu};
  uint64_t w = 0;
  for (int i = 0; i < n; ++i) {
    int c = static_cast<int>(below(s.word(w++), classes));
    d.y[i] = static_cast<uint8_t>(c);
    for (int k = 0; k < dim; ++k) {
      // class c lights up the features k with k % classes == c, plus noise
      int base = (k % classes == c) ? 170 : 40;
      int noise = static_cast<int>(below(s.word(w++), 80));
      d.x[static_cast<size_t>(i) * dim + k] = static_cast<uint8_t>(base + noise);
    }
  }
  return d;
}

bool have_fashion_mnist() {
  return std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
}

}  // namespace qrsweep::test
