// The paused-trial file (pause_file.h). Layout, little-endian: "QRSPAUSE", u32 format (1),
// i32 trial, i64 steps, u32 epochs, then per epoch i32 epoch and five f64 (loss, accuracy,
// val_loss, val_accuracy, seconds); u32 widths count and i32 widths; u64 count and f32
// parameters (per layer the kernel then the bias); u64 count and f32 optimizer state; and
// last the XXH64 of everything before it.
#include "sweep/pause_file.h"

#include <xxhash.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "io/atomic_file.h"
#include "qrsweep/common.h"

namespace qrsweep::sweep_detail {

namespace {

constexpr char kMagic[8] = {'Q', 'R', 'S', 'P', 'A', 'U', 'S', 'E'};
constexpr uint32_t kFormat = 1;

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

void put_floats(std::string& out, const std::vector<float>& v) {
  put<uint64_t>(out, v.size());
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

// Reads from a byte string; any read past its end sets `short_`.
class Reader {
 public:
  Reader(const std::string& s, size_t end) : s_(s), end_(end) {}
  template <typename T>
  T get() {
    T v{};
    if (pos_ + sizeof(T) > end_) {
      short_ = true;
      return v;
    }
    std::memcpy(&v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  // `expect`: the count there must be (UINT64_MAX: any).
  bool floats(std::vector<float>* v, uint64_t expect) {
    const uint64_t n = get<uint64_t>();
    if (short_ || (expect != UINT64_MAX && n != expect) || (end_ - pos_) / sizeof(float) < n)
      return false;
    v->resize(n);
    std::memcpy(v->data(), s_.data() + pos_, n * sizeof(float));
    pos_ += n * sizeof(float);
    return true;
  }
  bool short_read() const { return short_; }
  bool at_end() const { return pos_ == end_; }

 private:
  const std::string& s_;
  size_t end_, pos_ = 0;
  bool short_ = false;
};

}  // namespace

std::string paused_path(const std::string& sweep_dir, int trial) {
  return sweep_dir + "/paused/trial-" + std::to_string(trial) + ".bin";
}

void write_paused(const std::string& sweep_dir, const PausedTrial& p) {
  std::error_code ec;
  std::filesystem::create_directories(sweep_dir + "/paused", ec);
  if (ec) throw Error("cannot create " + sweep_dir + "/paused: " + ec.message());
  std::string out(kMagic, sizeof kMagic);
  put<uint32_t>(out, kFormat);
  put<int32_t>(out, p.trial);
  put<int64_t>(out, p.so_far.steps);
  put<uint32_t>(out, static_cast<uint32_t>(p.so_far.history.size()));
  for (const EpochMetrics& m : p.so_far.history) {
    put<int32_t>(out, m.epoch);
    for (double d : {m.loss, m.accuracy, m.val_loss, m.val_accuracy, m.seconds})
      put<double>(out, d);
  }
  const std::vector<int> widths = p.weights.widths();
  put<uint32_t>(out, static_cast<uint32_t>(widths.size()));
  for (int w : widths) put<int32_t>(out, w);
  std::vector<float> params;
  for (const DenseLayer& l : p.weights.layers) {
    params.insert(params.end(), l.w.begin(), l.w.end());
    params.insert(params.end(), l.b.begin(), l.b.end());
  }
  put_floats(out, params);
  put_floats(out, p.optimizer);
  put<uint64_t>(out, XXH64(out.data(), out.size(), 0));
  write_file_atomic(paused_path(sweep_dir, p.trial), out);
}

std::optional<PausedTrial> read_paused(const std::string& sweep_dir, int trial,
                                       const std::vector<int>& widths, std::string* problem) {
  const std::string path = paused_path(sweep_dir, trial);
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    if (errno != ENOENT && problem) *problem = path + ": cannot be read: " + std::strerror(errno);
    return std::nullopt;
  }
  const std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto bad = [&](const std::string& why) -> std::optional<PausedTrial> {
    if (problem) *problem = path + " is damaged (" + why + ")";
    return std::nullopt;
  };
  if (s.size() < sizeof kMagic + sizeof(uint64_t) || std::memcmp(s.data(), kMagic, sizeof kMagic))
    return bad("not a paused-trial file");
  const size_t body = s.size() - sizeof(uint64_t);
  uint64_t sum = 0;
  std::memcpy(&sum, s.data() + body, sizeof sum);
  if (sum != XXH64(s.data(), body, 0)) return bad("its checksum does not match");
  Reader r(s, body);
  for (size_t i = 0; i < sizeof kMagic; ++i) r.get<char>();
  if (r.get<uint32_t>() != kFormat) return bad("another format");
  PausedTrial p;
  p.trial = r.get<int32_t>();
  if (p.trial != trial) {
    if (problem) *problem = path + " holds trial " + std::to_string(p.trial);
    return std::nullopt;
  }
  p.so_far.steps = r.get<int64_t>();
  const uint32_t epochs = r.get<uint32_t>();
  if (r.short_read() || epochs > (body / (sizeof(int32_t) + 5 * sizeof(double))))
    return bad("its epoch count");
  for (uint32_t e = 0; e < epochs; ++e) {
    EpochMetrics m;
    m.epoch = r.get<int32_t>();
    m.loss = r.get<double>();
    m.accuracy = r.get<double>();
    m.val_loss = r.get<double>();
    m.val_accuracy = r.get<double>();
    m.seconds = r.get<double>();
    if (m.epoch != static_cast<int>(e) + 1) return bad("its epochs are out of order");
    p.so_far.history.push_back(m);
  }
  const uint32_t nw = r.get<uint32_t>();
  if (r.short_read() || nw != widths.size()) return bad("its layer widths");
  for (uint32_t i = 0; i < nw; ++i)
    if (r.get<int32_t>() != widths[i]) return bad("its layer widths");
  uint64_t total = 0;
  for (size_t k = 0; k + 1 < widths.size(); ++k)
    total += static_cast<uint64_t>(widths[k]) * widths[k + 1] + widths[k + 1];
  std::vector<float> params;
  if (!r.floats(&params, total)) return bad("its parameters");
  if (!r.floats(&p.optimizer, UINT64_MAX)) return bad("its optimizer state");
  if (r.short_read() || !r.at_end()) return bad("its length");
  size_t at = 0;
  for (size_t k = 0; k + 1 < widths.size(); ++k) {
    DenseLayer l;
    l.in = widths[k];
    l.out = widths[k + 1];
    l.w.assign(params.begin() + at, params.begin() + at + size_t(l.in) * l.out);
    at += size_t(l.in) * l.out;
    l.b.assign(params.begin() + at, params.begin() + at + l.out);
    at += l.out;
    p.weights.layers.push_back(std::move(l));
  }
  summarize_history(p.so_far);
  return p;
}

void remove_paused(const std::string& sweep_dir, int trial) {
  std::error_code ec;
  std::filesystem::remove(paused_path(sweep_dir, trial), ec);
}

int tidy_paused(const std::string& sweep_dir, const std::vector<TrialRecord>& trials) {
  std::set<int> mine;
  int paused = 0;
  for (const TrialRecord& t : trials) {
    mine.insert(t.config.index);
    if (is_finished(t.status))
      remove_paused(sweep_dir, t.config.index);
    else
      paused += std::filesystem::is_regular_file(paused_path(sweep_dir, t.config.index));
  }
  std::error_code ec;
  std::vector<std::filesystem::path> stale;
  for (const auto& e : std::filesystem::directory_iterator(sweep_dir + "/paused", ec)) {
    const std::string name = e.path().filename().string();
    const size_t tmp = name.find(".bin.tmp.");
    if (name.rfind("trial-", 0) != 0 || tmp == std::string::npos || tmp <= 6) continue;
    const std::string digits = name.substr(6, tmp - 6);
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (mine.count(std::stoi(digits))) stale.push_back(e.path());
  }
  for (const auto& p : stale) std::filesystem::remove(p, ec);
  return paused;
}

}  // namespace qrsweep::sweep_detail
