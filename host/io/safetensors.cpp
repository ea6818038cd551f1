// safetensors for a model's dense layers (weights.h): an 8-byte little-endian header
// length, a JSON header padded with spaces to a multiple of 8, then raw little-endian F32.
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "io/atomic_file.h"
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
    if (!t.is_object()) fail(what + ": bad header entry " + t.dump() + " (expected an object)");
    auto dtype = t.find("dtype");
    if (dtype == t.end() || !dtype->is_string()) fail(what + ": missing dtype (expected \"F32\")");
    if (*dtype != "F32") fail(what + ": dtype " + dtype->get<std::string>() + ", expected F32");
    auto shape = t.find("shape");
    if (shape == t.end() || !shape->is_array()) fail(what + ": missing shape (expected an array)");
    Tensor out;
    uint64_t numel = 1;
    for (const json& d : *shape) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() == 0 || d.get<uint64_t>() > INT_MAX)
        fail(what + ": bad shape " + shape->dump() + " (expected sizes 1.." +
             std::to_string(INT_MAX) + ")");
      out.shape.push_back(d.get<uint64_t>());
      numel *= out.shape.back();
    }
    if (out.shape.size() != rank)
      fail(what + ": shape mismatch: " + shape->dump() + " has rank " +
           std::to_string(out.shape.size()) + ", expected " + std::to_string(rank));
    auto offsets = t.find("data_offsets");
    if (offsets == t.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
      fail(what + ": bad data_offsets (expected [begin, end])");
    uint64_t begin = (*offsets)[0], end = (*offsets)[1];
    if (begin > end || end > data_len_)
      fail(what + ": data_offsets " + offsets->dump() + " out of range of the " +
           std::to_string(data_len_) + " data bytes");
    if (end - begin != numel * 4)
      fail(what + ": data_offsets " + offsets->dump() + " span " + std::to_string(end - begin) +
           " bytes but shape " + shape->dump() + " needs " + std::to_string(numel * 4));
    out.data = data_ + begin;
    return out;
  }

  // Tensors in the header that no layer claimed.
  void check_all_used() const {
    for (auto it = header_.begin(); it != header_.end(); ++it)
      if (it.key() != "__metadata__" && !used_.count(it.key()))
        fail("unexpected tensor " + it.key() + " (expected dense_<k>.weight and .bias for k = 1.." +
             std::to_string(used_.size() / 2) + ")");
  }

 private:
  std::string path_;
  json header_;
  const uint8_t* data_;
  uint64_t data_len_;
  std::set<std::string> used_;
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

Weights load_safetensors(const std::string& path) { return load_safetensors(path, nullptr); }

Weights load_safetensors(const std::string& path,
                         std::vector<std::pair<std::string, std::string>>* metadata) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw DataError(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw DataError(path + ": read error");
  return load_safetensors_bytes(bytes, path, metadata);
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
    header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<ptrdiff_t>(n));
  } catch (const json::exception& e) {
    throw DataError(path + ": bad JSON header: " + e.what());
  }
  if (!header.is_object()) throw DataError(path + ": bad header: expected a JSON object");

  if (metadata) metadata->clear();
  if (auto m = header.find("__metadata__"); m != header.end()) {
    if (!m->is_object()) throw DataError(path + ": bad __metadata__: expected an object");
    for (auto it = m->begin(); it != m->end(); ++it) {
      if (!it->is_string())
        throw DataError(path + ": bad __metadata__: value of " + it.key() + " is not a string");
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
  return w;
}

}  // namespace qrsweep
