// NumPy .npy reader (dataset.h): the magic "\x93NUMPY", a version byte pair (1.0, 2.0 or
// 3.0), the header's length (2 bytes little-endian in 1.0, 4 bytes after), the header (a
// Python dict literal: 'descr', 'fortran_order', 'shape'), then the array's bytes. Every
// size is checked against the file before it is read; every fault is a DataError naming
// the file.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/echo.h"
#include "qrsweep/common.h"
#include "qrsweep/dataset.h"

namespace qrsweep {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
constexpr size_t kMaxDims = 32;  // NumPy's own bound on an array's dimensions

struct NpyArray {
  char order = '<';  // '<' little-endian, '>' big-endian, '|' not applicable (1 byte)
  char kind = 0;     // 'f' float, 'i' signed, 'u' unsigned, 'b' bool
  size_t item = 0;   // bytes per element
  std::vector<uint64_t> shape;
  uint64_t count = 1;  // elements
  const uint8_t* data = nullptr;
};

[[noreturn]] void bad(const std::string& name, const std::string& what) {
  throw DataError(name + ": " + what);
}

std::string_view skip_space(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'))
    s.remove_prefix(1);
  return s;
}

// A quoted string ('...' or "...") at the front of `s`, consumed.
bool take_string(std::string_view& s, std::string& out) {
  s = skip_space(s);
  if (s.empty() || (s.front() != '\'' && s.front() != '"')) return false;
  const char q = s.front();
  const size_t end = s.find(q, 1);
  if (end == std::string_view::npos) return false;
  out = std::string(s.substr(1, end - 1));
  s.remove_prefix(end + 1);
  return true;
}

bool take(std::string_view& s, char c) {
  s = skip_space(s);
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

bool take_word(std::string_view& s, std::string_view word) {
  s = skip_space(s);
  if (s.substr(0, word.size()) != word) return false;
  s.remove_prefix(word.size());
  return true;
}

// A tuple of non-negative integers: (), (5,), (3, 4) or (3, 4,).
bool take_shape(std::string_view& s, std::vector<uint64_t>& shape) {
  if (!take(s, '(')) return false;
  for (;;) {
    if (take(s, ')')) return true;
    s = skip_space(s);
    uint64_t v = 0;
    size_t digits = 0;
    while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
      if (v > (UINT64_MAX - 9) / 10) return false;
      v = v * 10 + static_cast<uint64_t>(s.front() - '0');
      s.remove_prefix(1);
      ++digits;
    }
    if (digits == 0 || shape.size() == kMaxDims) return false;
    shape.push_back(v);
    if (!take(s, ',')) return take(s, ')');
  }
}

std::string shape_text(const std::vector<uint64_t>& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + (shape.size() == 1 ? ",)" : ")");
}

NpyArray parse_npy(const std::vector<uint8_t>& file, const std::string& name) {
  if (file.size() < kMagicSize + 4 || std::memcmp(file.data(), kMagic, kMagicSize) != 0)
    bad(name, "not an .npy file (it does not start with the magic \\x93NUMPY)");
  const uint8_t major = file[6], minor = file[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    bad(name, "unsupported .npy format version " + std::to_string(major) + "." +
                  std::to_string(minor) + " (expected 1.0, 2.0 or 3.0)");
  size_t at = 8;
  uint64_t header_len = uint64_t{file[8]} | uint64_t{file[9]} << 8;
  at += 2;
  if (major >= 2) {
    if (file.size() < 12) bad(name, "truncated .npy header");
    header_len |= uint64_t{file[10]} << 16 | uint64_t{file[11]} << 24;
    at += 2;
  }
  if (header_len > file.size() - at)
    bad(name, "truncated .npy header: it says " + std::to_string(header_len) +
                  " bytes, the file holds " + std::to_string(file.size() - at) + " after it");
  std::string_view h(reinterpret_cast<const char*>(file.data() + at), header_len);
  at += header_len;

  NpyArray a;
  std::string descr;
  bool have_descr = false, have_order = false, have_shape = false, fortran = false;
  const std::string malformed =
      "malformed .npy header (expected a dict with 'descr', "
      "'fortran_order' and 'shape')";
  if (!take(h, '{')) bad(name, malformed);
  while (!take(h, '}')) {
    std::string key;
    if (!take_string(h, key) || !take(h, ':')) bad(name, malformed);
    if (key == "descr" && !have_descr) {
      if (!take_string(h, descr)) bad(name, malformed + ": 'descr' is not a type string");
      have_descr = true;
    } else if (key == "fortran_order" && !have_order) {
      if (take_word(h, "True"))
        fortran = true;
      else if (!take_word(h, "False"))
        bad(name, malformed + ": 'fortran_order' is not True or False");
      have_order = true;
    } else if (key == "shape" && !have_shape) {
      if (!take_shape(h, a.shape)) bad(name, malformed + ": 'shape' is not a tuple of sizes");
      have_shape = true;
    } else {
      bad(name, malformed + ": unexpected key '" + clip_for_message(key, 30) + "'");
    }
    if (!take(h, ',')) {
      if (!take(h, '}')) bad(name, malformed);
      break;
    }
  }
  if (!have_descr || !have_order || !have_shape) bad(name, malformed);
  if (!skip_space(h).empty()) bad(name, malformed + ": text after the dict");
  if (fortran)
    bad(name,
        "the array is in Fortran (column-major) order; save it in C order, e.g. "
        "np.save(path, np.ascontiguousarray(a))");
  // A simple type: byte order, kind, size ("<f4", "|u1"); structured types are lists.
  if (descr.size() < 3 ||
      (descr[0] != '<' && descr[0] != '>' && descr[0] != '|' && descr[0] != '='))
    bad(name, "unsupported array type '" + clip_for_message(descr, 30) +
                  "' (expected float32, float64, uint8, or integer labels)");
  a.order = descr[0] == '=' ? '<' : descr[0];
  a.kind = descr[1];
  const std::string size_text = descr.substr(2);
  if (size_text != "1" && size_text != "2" && size_text != "4" && size_text != "8")
    bad(name, "unsupported array type '" + clip_for_message(descr, 30) + "'");
  a.item = static_cast<size_t>(size_text[0] - '0');
  if (a.kind != 'f' && a.kind != 'i' && a.kind != 'u' && a.kind != 'b')
    bad(name, "unsupported array type '" + clip_for_message(descr, 30) +
                  "' (expected float32, float64, uint8, or integer labels)");
  for (uint64_t d : a.shape) {
    if (d != 0 && a.count > UINT64_MAX / d) bad(name, "implausible shape " + shape_text(a.shape));
    a.count *= d;
  }
  const uint64_t avail = file.size() - at;
  if (a.count > avail / a.item || a.count * a.item != avail) {
    const std::string promised = std::to_string(a.count) + " elements of " +
                                 std::to_string(a.item) + " bytes (shape " + shape_text(a.shape) +
                                 ")";
    if (a.count > avail / a.item)
      bad(name, "truncated data: the header promises " + promised + ", the file holds " +
                    std::to_string(avail) + " bytes of data");
    bad(name, "trailing data: the header promises " + promised + ", the file holds " +
                  std::to_string(avail) + " bytes of data");
  }
  a.data = file.data() + at;
  return a;
}

// Element e as raw little-endian bytes, byte-swapped when the file is big-endian.
void element(const NpyArray& a, uint64_t e, uint8_t* out) {
  const uint8_t* p = a.data + e * a.item;
  for (size_t b = 0; b < a.item; ++b) out[b] = a.order == '>' ? p[a.item - 1 - b] : p[b];
}

double as_double(const NpyArray& a, uint64_t e) {
  uint8_t raw[8];
  element(a, e, raw);
  if (a.kind == 'f') {
    if (a.item == 4) {
      float f;
      std::memcpy(&f, raw, 4);
      return f;
    }
    if (a.item == 8) {
      double d;
      std::memcpy(&d, raw, 8);
      return d;
    }
  }
  return 0.0;  // other kinds are read by as_integer
}

// An integer element; false when it does not fit an int64.
bool as_integer(const NpyArray& a, uint64_t e, int64_t& v) {
  uint8_t raw[8];
  element(a, e, raw);
  uint64_t u = 0;
  for (size_t b = 0; b < a.item; ++b) u |= uint64_t{raw[b]} << (8 * b);
  if (a.kind == 'u' || a.kind == 'b') {
    if (u > uint64_t{INT64_MAX}) return false;
    v = static_cast<int64_t>(u);
    return true;
  }
  const unsigned bits = static_cast<unsigned>(8 * a.item);
  if (bits < 64 && (u >> (bits - 1)) & 1) u |= ~uint64_t{0} << bits;  // sign-extend
  std::memcpy(&v, &u, 8);
  return true;
}

}  // namespace

NpyFeatures read_npy_features(const std::vector<uint8_t>& file, const std::string& name) {
  const NpyArray a = parse_npy(file, name);
  const bool is_u8 = a.kind == 'u' && a.item == 1;
  if (!is_u8 && !(a.kind == 'f' && (a.item == 4 || a.item == 8)))
    bad(name, "features must be float32, float64 or uint8; this array holds " +
                  std::string(a.kind == 'f'   ? "float"
                              : a.kind == 'b' ? "bool"
                                              : "int") +
                  std::to_string(8 * a.item));
  if (a.shape.size() < 2)
    bad(name, "features must have 2 or more dimensions (rows, features...); the shape is " +
                  shape_text(a.shape));
  NpyFeatures f;
  uint64_t dim = 1;
  for (size_t i = 1; i < a.shape.size(); ++i) dim *= a.shape[i];  // no overflow: count fits
  if (a.shape[0] == 0) bad(name, "no rows (the shape is " + shape_text(a.shape) + ")");
  if (dim == 0) bad(name, "no features per row (the shape is " + shape_text(a.shape) + ")");
  if (a.shape[0] > INT_MAX) bad(name, "too many rows: " + std::to_string(a.shape[0]));
  if (dim > INT_MAX) bad(name, "too many features per row: " + std::to_string(dim));
  f.rows = static_cast<int64_t>(a.shape[0]);
  f.dim = static_cast<int>(dim);
  if (is_u8) {
    f.bytes.assign(a.data, a.data + a.count);
    return f;
  }
  f.floats.resize(a.count);
  for (uint64_t e = 0; e < a.count; ++e) {
    const double v = as_double(a, e);
    const float x = static_cast<float>(v);
    if (!std::isfinite(x))
      bad(name, "row " + std::to_string(e / dim) + ", feature " + std::to_string(e % dim) +
                    " (0-based) is " +
                    (std::isnan(v)   ? "NaN"
                     : std::isinf(v) ? "infinite"
                                     : "beyond float32's range") +
                    ": features must be finite numbers");
    f.floats[e] = x;
  }
  return f;
}

std::vector<uint8_t> read_npy_labels(const std::vector<uint8_t>& file, const std::string& name) {
  const NpyArray a = parse_npy(file, name);
  if (a.kind != 'i' && a.kind != 'u')
    bad(name, "labels must be integers; this array holds " +
                  std::string(a.kind == 'f' ? "float" : "bool") + std::to_string(8 * a.item));
  if (a.shape.size() != 1)
    bad(name, "labels must have 1 dimension (one per row); the shape is " + shape_text(a.shape));
  std::vector<uint8_t> y(a.count);
  for (uint64_t e = 0; e < a.count; ++e) {
    int64_t v = 0;
    if (!as_integer(a, e, v) || v < 0 || v > 255)
      bad(name, "label at row " + std::to_string(e) + " (0-based) is out of range 0..255" +
                    (as_integer(a, e, v) ? ": " + std::to_string(v) : ""));
    y[e] = static_cast<uint8_t>(v);
  }
  return y;
}

Dataset npy_dataset(NpyFeatures x, const std::string& x_name, std::vector<uint8_t> y,
                    const std::string& y_name, int classes) {
  if (classes > 256 || classes == 1)
    throw ConfigError("classes must be 2..256 (labels are bytes), or 0 to infer; got " +
                      std::to_string(classes));
  if (static_cast<uint64_t>(x.rows) != y.size())
    throw DataError("feature/label count mismatch: " + x_name + " holds " + std::to_string(x.rows) +
                    " rows but " + y_name + " holds " + std::to_string(y.size()) + " labels");
  Dataset d;
  d.n = static_cast<int>(x.rows);
  d.dim = x.dim;
  d.x = std::move(x.bytes);
  d.xf = std::move(x.floats);
  d.y = std::move(y);
  d.source = x_name;
  int top = 0;
  for (int i = 0; i < d.n; ++i) {
    if (classes > 0 && d.y[i] >= classes)
      throw DataError(y_name + ": label " + std::to_string(d.y[i]) + " at row " +
                      std::to_string(i) + " (0-based) is out of range: expected 0.." +
                      std::to_string(classes - 1) + " for " + std::to_string(classes) + " classes");
    top = std::max<int>(top, d.y[i]);
  }
  d.classes = classes > 0 ? classes : std::max(2, top + 1);
  return d;
}

}  // namespace qrsweep
