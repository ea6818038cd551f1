// safetensors for a model's dense layers (weights.h): an 8-byte little-endian header
// length, a JSON header padded with spaces to a multiple of 8, then raw little-endian F32.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "io/atomic_file.h"
#include "io/echo.h"
#include "io/input_file.h"
#include "qrsweep/common.h"
#include "qrsweep/weights.h"

namespace qrsweep {

std::vector<int> Weights::widths() const {
  std::vector<int> w;
  if (layers.empty()) return w;
  w.push_back(layers.front().in);
  for (const DenseLayer& l : layers) w.push_back(l.out);
  return w;
}

namespace {

using json = nlohmann::json;

// The deepest nesting a header may have: the header object, a tensor entry, its shape.
// Deeper input is refused while it is parsed, before anything would recurse into it.
constexpr int kMaxHeaderDepth = 3;

// A header value for a message: at most 64 characters of its JSON, so a message never
// echoes unbounded input.
std::string shown(const json& v) {
  return clip_for_message(v.is_string() ? printable_path(v.get<std::string>())
                                         : v.dump(-1, ' ', false, json::error_handler_t::replace),
                          64);
}

std::string tensor_name(size_t k, const char* kind) {
  return "dense_" + std::to_string(k) + "." + kind;
}

void put_u64_le(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_f32_le(std::string& out, const std::vector<float>& v) {
  for (float f : v) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
  }
}

float get_f32_le(const uint8_t* p) {
  uint32_t u =
      uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void check_layers(const Weights& w, const std::string& path) {
  const std::string where = "cannot save " + path + ": ";
  if (w.layers.empty()) throw Error(where + "the model has no layers");
  for (size_t k = 0; k < w.layers.size(); ++k) {
    const DenseLayer& l = w.layers[k];
    const std::string layer = "layer " + std::to_string(k + 1);
    if (l.in <= 0 || l.out <= 0)
      throw Error(where + layer + " is " + std::to_string(l.in) + " x " + std::to_string(l.out));
    if (l.w.size() != static_cast<size_t>(l.in) * l.out || l.b.size() != static_cast<size_t>(l.out))
      throw Error(where + layer + " holds " + std::to_string(l.w.size()) + " weights and " +
                  std::to_string(l.b.size()) + " biases for " + std::to_string(l.in) + " x " +
                  std::to_string(l.out));
    if (k > 0 && l.in != w.layers[k - 1].out)
      throw Error(where + layer + " takes " + std::to_string(l.in) + " inputs but layer " +
                  std::to_string(k) + " gives " + std::to_string(w.layers[k - 1].out));
  }
}

// One tensor of a parsed header, checked against the data section.
struct Tensor {
  std::vector<uint64_t> shape;
  const uint8_t* data = nullptr;
};

// Where a tensor's bytes lie in the data section.
struct Span {
  uint64_t begin, end;
  std::string name;
  bool operator<(const Span& o) const {
    return begin < o.begin || (begin == o.begin && end < o.end);
  }
};

class Reader {
 public:
  Reader(std::string path, json header, const uint8_t* data, uint64_t data_len)
      : path_(std::move(path)), header_(std::move(header)), data_(data), data_len_(data_len) {}

  [[noreturn]] void fail(const std::string& fault) const { throw DataError(path_ + ": " + fault); }

  bool has(const std::string& name) const { return header_.contains(name); }

  Tensor tensor(const std::string& name, size_t rank) {
    auto it = header_.find(name);
    if (it == header_.end()) fail("missing tensor " + name);
    used_.insert(name);
    const json& t = *it;
    const std::string what = "tensor " + name;
    if (!t.is_object()) fail(what + ": bad header entry " + shown(t) + " (expected an object)");
    auto dtype = t.find("dtype");
    if (dtype == t.end() || !dtype->is_string()) fail(what + ": missing dtype (expected \"F32\")");
    if (*dtype != "F32") fail(what + ": dtype " + shown(*dtype) + ", expected \"F32\"");
    auto shape = t.find("shape");
    if (shape == t.end() || !shape->is_array()) fail(what + ": missing shape (expected an array)");
    Tensor out;
    uint64_t numel = 1;
    for (const json& d : *shape) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() == 0 || d.get<uint64_t>() > INT_MAX)
        fail(what + ": bad shape " + shown(*shape) + " (expected sizes 1.." +
             std::to_string(INT_MAX) + ")");
      out.shape.push_back(d.get<uint64_t>());
      numel *= out.shape.back();
    }
    if (out.shape.size() != rank)
      fail(what + ": shape mismatch: " + shown(*shape) + " has rank " +
           std::to_string(out.shape.size()) + ", expected " + std::to_string(rank));
    auto offsets = t.find("data_offsets");
    if (offsets == t.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
      fail(what + ": bad data_offsets (expected [begin, end])");
    uint64_t begin = (*offsets)[0], end = (*offsets)[1];
    if (begin > end || end > data_len_)
      fail(what + ": data_offsets " + shown(*offsets) + " out of range of the " +
           std::to_string(data_len_) + " data bytes");
    if (end - begin != numel * 4)
      fail(what + ": data_offsets " + shown(*offsets) + " span " + std::to_string(end - begin) +
           " bytes but shape " + shown(*shape) + " needs " + std::to_string(numel * 4));
    out.data = data_ + begin;
    spans_.push_back({begin, end, name});
    return out;
  }

  // The format lays the tensors end to end: no byte of the data section is shared by two
  // tensors or left out.
  void check_spans() {
    std::sort(spans_.begin(), spans_.end());
    uint64_t at = 0;
    for (const Span& s : spans_) {
      if (s.begin < at)
        fail("tensor " + s.name + ": data_offsets [" + std::to_string(s.begin) + ", " +
             std::to_string(s.end) + "] overlap the tensor before it (which ends at byte " +
             std::to_string(at) + ")");
      if (s.begin > at)
        fail("tensor " + s.name + ": data_offsets [" + std::to_string(s.begin) + ", " +
             std::to_string(s.end) + "] leave a gap: bytes " + std::to_string(at) + ".." +
             std::to_string(s.begin) + " belong to no tensor");
      at = s.end;
    }
    if (at != data_len_)
      fail("the data section holds " + std::to_string(data_len_) +
           " bytes but the tensors end at " + std::to_string(at) +
           ": bytes after the last tensor belong to no tensor");
  }

  // Tensors in the header that no layer claimed.
  void check_all_used() const {
    for (auto it = header_.begin(); it != header_.end(); ++it)
      if (it.key() != "__metadata__" && !used_.count(it.key()))
        fail("unexpected tensor " + shown(it.key()) +
             " (expected dense_<k>.weight and .bias for k = 1.." +
             std::to_string(used_.size() / 2) + ")");
  }

 private:
  std::string path_;
  json header_;
  const uint8_t* data_;
  uint64_t data_len_;
  std::set<std::string> used_;
  std::vector<Span> spans_;
};

std::string shape_str(const std::vector<uint64_t>& s) { return json(s).dump(); }

}  // namespace

void save_safetensors(const std::string& path, const Weights& w,
                      const std::vector<std::pair<std::string, std::string>>& metadata) {
  check_layers(w, path);
  json header = json::object();
  uint64_t offset = 0;
  auto add = [&](const std::string& name, json shape, size_t count) {
    header[name] = {{"dtype", "F32"},
                    {"shape", std::move(shape)},
                    {"data_offsets", {offset, offset + 4 * count}}};
    offset += 4 * count;
  };
  for (size_t k = 0; k < w.layers.size(); ++k) {
    const DenseLayer& l = w.layers[k];
    add(tensor_name(k + 1, "weight"), json::array({l.in, l.out}), l.w.size());
    add(tensor_name(k + 1, "bias"), json::array({l.out}), l.b.size());
  }
  if (!metadata.empty()) {
    json meta = json::object();
    for (const auto& [key, value] : metadata) meta[key] = value;
    header["__metadata__"] = std::move(meta);
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {
    throw Error("cannot save " + path + ": metadata is not valid UTF-8 (" + e.what() + ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned

  std::string bytes;
  bytes.reserve(8 + text.size() + offset);
  put_u64_le(bytes, text.size());
  bytes += text;
  // Layer order matches the offsets handed out above.
  for (const DenseLayer& l : w.layers) {
    put_f32_le(bytes, l.w);
    put_f32_le(bytes, l.b);
  }
  write_file_atomic(path, bytes);  // durable: the best weights survive a power cut
}

namespace {

// The first value of `v` that is not a finite number, as "element (i, j) is NaN".
void check_finite(const std::vector<float>& v, int cols, const std::string& tensor,
                  const std::string& shape, const std::string& path) {
  for (size_t e = 0; e < v.size(); ++e) {
    if (std::isfinite(v[e])) continue;
    const std::string at =
        cols > 0 ? "(" + std::to_string(e / cols) + ", " + std::to_string(e % cols) + ")"
                 : "(" + std::to_string(e) + ")";
    throw DataError(path + ": tensor " + tensor + " " + shape + ": element " + at + " is " +
                    (std::isnan(v[e]) ? "NaN" : "infinite") +
                    ": initial weights must be finite numbers");
  }
}

}  // namespace

void check_initial_weights(const Weights& w, const std::vector<int>& widths,
                           const std::string& path) {
  for (size_t k = 0; k < w.layers.size(); ++k) {
    const DenseLayer& l = w.layers[k];
    check_finite(l.w, l.out, tensor_name(k + 1, "weight"),
                 "[" + std::to_string(l.in) + ", " + std::to_string(l.out) + "]", path);
    check_finite(l.b, 0, tensor_name(k + 1, "bias"), "[" + std::to_string(l.out) + "]", path);
  }
  if (w.widths() == widths) return;
  auto chain = [](const std::vector<int>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? " -> " : "") + std::to_string(v[i]);
    return s;
  };
  std::string shapes;
  for (size_t k = 0; k < w.layers.size(); ++k)
    shapes += (k ? ", " : "") + tensor_name(k + 1, "weight") + " [" +
              std::to_string(w.layers[k].in) + ", " + std::to_string(w.layers[k].out) + "]";
  throw DataError(path + ": the weights do not fit the model: they have " +
                  std::to_string(w.layers.size()) + " layers (" + shapes + ", widths " +
                  chain(w.widths()) + ") but the model has " + std::to_string(widths.size() - 1) +
                  " (widths " + chain(widths) + ": inputs, hidden sizes, classes)");
}

Weights load_safetensors(const std::string& path) { return load_safetensors(path, nullptr); }

Weights load_safetensors(const std::string& path,
                         std::vector<std::pair<std::string, std::string>>* metadata) {
  return load_safetensors_bytes(
      read_input_bytes(path, InputKind::kData, "the weights file", kDataFileLimit), path,
      metadata);
}

Weights load_safetensors_bytes(const std::vector<uint8_t>& bytes, const std::string& path,
                               std::vector<std::pair<std::string, std::string>>* metadata) {
  if (bytes.size() < 8)
    throw DataError(path + ": short file: " + std::to_string(bytes.size()) +
                    " bytes, expected at least 8 (the header length)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > bytes.size() - 8)
    throw DataError(path + ": header length " + std::to_string(n) + " runs beyond the file (" +
                    std::to_string(bytes.size()) + " bytes)");
  json header;
  try {
    const auto bounded = [&](int depth, json::parse_event_t event, json&) {
      if ((event == json::parse_event_t::object_start ||
           event == json::parse_event_t::array_start) &&
          depth >= kMaxHeaderDepth)
        throw DataError(path + ": bad JSON header: nested deeper than " +
                        std::to_string(kMaxHeaderDepth) +
                        " levels (the header is an object of tensor entries)");
      return true;
    };
    header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<ptrdiff_t>(n), bounded);
  } catch (const json::exception& e) {
    // The parser's message may quote the input near the fault: keep it short.
    throw DataError(path + ": bad JSON header: " + clip_for_message(e.what(), 160));
  }
  if (!header.is_object()) throw DataError(path + ": bad header: expected a JSON object");

  if (metadata) metadata->clear();
  if (auto m = header.find("__metadata__"); m != header.end()) {
    if (!m->is_object()) throw DataError(path + ": bad __metadata__: expected an object");
    for (auto it = m->begin(); it != m->end(); ++it) {
      if (!it->is_string())
        throw DataError(path + ": bad __metadata__: value of " + shown(it.key()) +
                        " is not a string");
      if (metadata) metadata->emplace_back(it.key(), it->get<std::string>());
    }
  }

  Reader r(path, std::move(header), bytes.data() + 8 + n, bytes.size() - 8 - n);
  Weights w;
  for (size_t k = 1; k == 1 || r.has(tensor_name(k, "weight")); ++k) {
    const std::string wname = tensor_name(k, "weight"), bname = tensor_name(k, "bias");
    Tensor kernel = r.tensor(wname, 2);
    Tensor bias = r.tensor(bname, 1);
    if (bias.shape[0] != kernel.shape[1])
      r.fail("shape mismatch: " + bname + " is " + shape_str(bias.shape) + " but " + wname +
             " is " + shape_str(kernel.shape));
    if (!w.layers.empty() && kernel.shape[0] != static_cast<uint64_t>(w.layers.back().out))
      r.fail("shape mismatch: " + wname + " is " + shape_str(kernel.shape) + " but " +
             tensor_name(k - 1, "weight") + " gives " + std::to_string(w.layers.back().out) +
             " outputs");
    DenseLayer l;
    l.in = static_cast<int>(kernel.shape[0]);
    l.out = static_cast<int>(kernel.shape[1]);
    l.w.resize(static_cast<size_t>(l.in) * l.out);
    l.b.resize(l.out);
    for (size_t i = 0; i < l.w.size(); ++i) l.w[i] = get_f32_le(kernel.data + 4 * i);
    for (size_t i = 0; i < l.b.size(); ++i) l.b[i] = get_f32_le(bias.data + 4 * i);
    w.layers.push_back(std::move(l));
  }
  r.check_all_used();
  r.check_spans();
  return w;
}

}  // namespace qrsweep
