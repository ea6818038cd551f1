// Tests of the safetensors weight format: bit-exact round trips, the on-disk layout (read
// back by a hand-written Python parser), atomic writes, and every malformed-file fault.
#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "qrsweep/common.h"
#include "qrsweep/weights.h"
#include "support/expect_error.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

using test::expect_data_error;

using json = nlohmann::json;
using test::TempDir;
using Metadata = std::vector<std::pair<std::string, std::string>>;

// Values a Python script can recompute exactly: w[e] = ((7e) % 13 - 6) / 4 + k, b[j] = j/2 - k.
Weights formula_weights(const std::vector<int>& widths) {
  Weights w;
  for (size_t k = 1; k < widths.size(); ++k) {
    DenseLayer l;
    l.in = widths[k - 1];
    l.out = widths[k];
    for (int e = 0; e < l.in * l.out; ++e) l.w.push_back(((7 * e) % 13 - 6) * 0.25f + k);
    for (int j = 0; j < l.out; ++j) l.b.push_back(j * 0.5f - k);
    w.layers.push_back(l);
  }
  return w;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), 4 * a.size()) == 0;
}

std::string le64(uint64_t v) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

// A safetensors file from a header text and a data section, for the corrupt cases.
std::string raw_file(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

json tensor(const std::vector<int>& shape, uint64_t begin, uint64_t end,
            const char* dtype = "F32") {
  return {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {begin, end}}};
}

TEST(Weights, Widths) {
  EXPECT_EQ(formula_weights({5, 4, 3, 2}).widths(), (std::vector<int>{5, 4, 3, 2}));
  EXPECT_TRUE(Weights{}.widths().empty());
}

TEST(Safetensors, RoundTripIsBitExact) {
  TempDir tmp;
  Weights w = formula_weights({6, 5, 3});
  // Values a text format would mangle: signed zero, subnormals, extremes, NaN payloads.
  const float specials[] = {-0.0f,
                            1e-42f,
                            -std::numeric_limits<float>::denorm_min(),
                            std::numeric_limits<float>::max(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN(),
                            0.1f,
                            1.0f / 3.0f};
  for (size_t i = 0; i < std::size(specials); ++i) w.layers[0].w[i * 3] = specials[i];
  uint32_t payload_nan = 0x7fa12345;
  std::memcpy(&w.layers[1].b[2], &payload_nan, 4);
  const std::string path = tmp.file("model.safetensors");
  Metadata meta = {{"activation", "relu"}, {"trial", "17"}, {"note", "caf\xc3\xa9"}};
  save_safetensors(path, w, meta);
  Metadata got_meta;
  Weights r = load_safetensors(path, &got_meta);
  ASSERT_EQ(r.layers.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(r.layers[k].in, w.layers[k].in);
    EXPECT_EQ(r.layers[k].out, w.layers[k].out);
    EXPECT_TRUE(same_bits(r.layers[k].w, w.layers[k].w)) << "layer " << k + 1;
    EXPECT_TRUE(same_bits(r.layers[k].b, w.layers[k].b)) << "layer " << k + 1;
  }
  EXPECT_EQ(got_meta, (Metadata{{"activation", "relu"}, {"note", "caf\xc3\xa9"}, {"trial", "17"}}));
  EXPECT_EQ(load_safetensors(path).widths(), (std::vector<int>{6, 5, 3}));
}

TEST(Safetensors, Layout) {
  TempDir tmp;
  const std::string path = tmp.file("m.safetensors");
  save_safetensors(path, formula_weights({4, 3, 2}));
  const std::string bytes = test::read_file(path);
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  ASSERT_LE(8 + n, bytes.size());
  EXPECT_EQ((8 + n) % 8, 0u);
  const std::string text = bytes.substr(8, n);
  EXPECT_EQ(text.find_last_not_of(' ') + 1 + (8 - (text.find_last_not_of(' ') + 1) % 8) % 8,
            text.size());  // padded with spaces, and only as far as needed
  json h = json::parse(text);
  EXPECT_FALSE(h.contains("__metadata__"));  // none given
  EXPECT_EQ(h.size(), 4u);
  EXPECT_EQ(h["dense_1.weight"], tensor({4, 3}, 0, 48));
  EXPECT_EQ(h["dense_1.bias"], tensor({3}, 48, 60));
  EXPECT_EQ(h["dense_2.weight"], tensor({3, 2}, 60, 84));
  EXPECT_EQ(h["dense_2.bias"], tensor({2}, 84, 92));
  EXPECT_EQ(bytes.size(), 8 + n + 92);
  // dense_1.weight[0][1] = ((7 * 1) % 13 - 6) / 4 + 1 = 1.25 = 0x3fa00000, little-endian
  EXPECT_EQ(bytes.substr(8 + n + 4, 4), std::string("\x00\x00\xa0\x3f", 4));
}

TEST(Safetensors, PythonReadsOurFile) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  TempDir tmp;
  const std::string path = tmp.file("py.safetensors");
  const std::vector<int> widths = {7, 5, 4, 3};
  save_safetensors(path, formula_weights(widths), {{"activation", "tanh"}, {"trial", "3"}});
  // A parser written from the format's description, independent of ours; numpy when it is
  // there (as the reference loaders use it), struct otherwise.
  test::write_file(tmp.file("check.py"), R"PY(
import json, struct, sys
path, widths = sys.argv[1], [int(v) for v in sys.argv[2].split(",")]
data = open(path, "rb").read()
(n,) = struct.unpack("<Q", data[:8])
assert (8 + n) % 8 == 0, "data not 8-byte aligned"
header = json.loads(data[8:8 + n].decode("utf-8"))
assert header.pop("__metadata__") == {"activation": "tanh", "trial": "3"}
body = data[8 + n:]
try:
    import numpy as np
except ImportError:
    np = None
spans = []
for k in range(1, len(widths)):
    fan_in, fan_out = widths[k - 1], widths[k]
    for name, shape in (("weight", [fan_in, fan_out]), ("bias", [fan_out])):
        t = header.pop("dense_%d.%s" % (k, name))
        assert t["dtype"] == "F32", t
        assert t["shape"] == shape, (name, t["shape"], shape)
        b, e = t["data_offsets"]
        spans.append((b, e))
        count = 1
        for d in shape:
            count *= d
        assert e - b == 4 * count
        if np is not None:
            vals = np.frombuffer(body[b:e], dtype="<f4").reshape(shape).ravel().tolist()
        else:
            vals = list(struct.unpack("<%df" % count, body[b:e]))
        if name == "weight":
            want = [((7 * i) % 13 - 6) * 0.25 + k for i in range(count)]
        else:
            want = [j * 0.5 - k for j in range(count)]
        assert vals == want, (name, k, vals, want)
assert not header, "extra tensors: %r" % header
spans.sort()
assert spans[0][0] == 0 and spans[-1][1] == len(body), "data not covered exactly"
assert all(a[1] == b[0] for a, b in zip(spans, spans[1:])), "holes between tensors"
print("OK", "numpy" if np is not None else "struct")
)PY");
  test::RunResult r =
      test::run_command("/usr/bin/python3 '" + tmp.file("check.py") + "' '" + path + "' 7,5,4,3");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.rfind("OK", 0), 0u) << r.output;
}

// The names in `dir`, to check that no temporary file (m.safetensors.tmp.<pid>.<n>) is left.
std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  return out;
}

TEST(Safetensors, WritesAtomicallyAndOverwrites) {
  TempDir tmp;
  const std::string path = tmp.file("m.safetensors");
  save_safetensors(path, formula_weights({3, 2}));
  save_safetensors(path, formula_weights({4, 4, 2}));
  EXPECT_EQ(names_in(tmp.path()), std::vector<std::string>{"m.safetensors"});
  EXPECT_EQ(load_safetensors(path).widths(), (std::vector<int>{4, 4, 2}));
  const std::string nowhere = tmp.file("no/such/dir/m.safetensors");
  try {
    save_safetensors(nowhere, formula_weights({3, 2}));
    FAIL() << "saved into a missing directory";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write " + nowhere), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::strerror(ENOENT)), std::string::npos) << e.what();
  }
  EXPECT_EQ(names_in(tmp.path()), std::vector<std::string>{"m.safetensors"});
}

TEST(Safetensors, SaveRejectsInconsistentWeights) {
  TempDir tmp;
  const std::string path = tmp.file("bad.safetensors");
  EXPECT_THROW(save_safetensors(path, Weights{}), Error);
  Weights w = formula_weights({4, 3, 2});
  w.layers[1].in = 4;
  EXPECT_THROW(save_safetensors(path, w), Error);
  w = formula_weights({4, 3, 2});
  w.layers[0].b.pop_back();
  EXPECT_THROW(save_safetensors(path, w), Error);
  EXPECT_TRUE(names_in(tmp.path()).empty()) << "neither the file nor a temporary one";
}

class SafetensorsCorrupt : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string path = tmp.file("bad.safetensors");
  // One 2 -> 3 layer: weight at [0, 24), bias at [24, 36).
  json good = {{"dense_1.weight", tensor({2, 3}, 0, 24)}, {"dense_1.bias", tensor({3}, 24, 36)}};
  std::string data = std::string(36, '\0');
  void put(const json& header) { test::write_file(path, raw_file(header.dump(), data)); }
  void expect(const std::vector<std::string>& parts) {
    std::vector<std::string> all = parts;
    all.push_back(path);
    expect_data_error([&] { load_safetensors(path); }, all);
  }
};

TEST_F(SafetensorsCorrupt, GoodBaseLoads) {
  put(good);
  EXPECT_EQ(load_safetensors(path).widths(), (std::vector<int>{2, 3}));
}

TEST_F(SafetensorsCorrupt, MissingFile) { expect({"cannot open"}); }

TEST_F(SafetensorsCorrupt, ShortFile) {
  test::write_file(path, "abc");
  expect({"short file", "3 bytes"});
  test::write_file(path, "");
  expect({"short file", "0 bytes"});
}

TEST_F(SafetensorsCorrupt, HeaderLengthBeyondFile) {
  test::write_file(path, le64(1000) + "{}");
  expect({"header length 1000", "beyond"});
  test::write_file(path, le64(~uint64_t{0}) + "{}");
  expect({"header length", "beyond"});
}

TEST_F(SafetensorsCorrupt, BadJson) {
  test::write_file(path, raw_file("{\"dense_1.weight\": ", data));
  expect({"bad JSON header"});
  test::write_file(path, raw_file("[1, 2]", data));
  expect({"bad header", "object"});
  test::write_file(path, raw_file("", data));
  expect({"bad JSON header"});
}

TEST_F(SafetensorsCorrupt, MissingTensor) {
  put(json::object());
  expect({"missing tensor dense_1.weight"});
  json h = good;
  h.erase("dense_1.bias");
  put(h);
  expect({"missing tensor dense_1.bias"});
  h = good;
  h["dense_2.weight"] = tensor({3, 1}, 0, 12);
  put(h);
  expect({"missing tensor dense_2.bias"});
}

TEST_F(SafetensorsCorrupt, UnexpectedTensor) {
  json h = good;
  h["dense_3.weight"] = tensor({3, 1}, 0, 12);  // no dense_2: a gap
  put(h);
  expect({"unexpected tensor dense_3.weight"});
}

TEST_F(SafetensorsCorrupt, DtypeNotF32) {
  json h = good;
  h["dense_1.weight"] = tensor({2, 3}, 0, 12, "F16");
  put(h);
  expect({"dense_1.weight", "dtype F16", "F32"});
  h["dense_1.weight"].erase("dtype");
  put(h);
  expect({"dense_1.weight", "dtype"});
}

TEST_F(SafetensorsCorrupt, ShapeMismatch) {
  json h = good;
  h["dense_1.bias"] = tensor({4}, 24, 40);
  data.resize(40);
  put(h);
  expect({"shape mismatch", "dense_1.bias", "[4]", "[2,3]"});

  h = good;
  h["dense_2.weight"] = tensor({4, 1}, 0, 16);  // dense_1 gives 3
  h["dense_2.bias"] = tensor({1}, 16, 20);
  put(h);
  expect({"shape mismatch", "dense_2.weight", "[4,1]", "3 outputs"});

  h = good;
  h["dense_1.weight"] = tensor({6}, 0, 24);
  put(h);
  expect({"dense_1.weight", "shape mismatch", "rank 1", "expected 2"});

  h = good;
  h["dense_1.weight"] = tensor({0, 3}, 0, 0);
  put(h);
  expect({"dense_1.weight", "bad shape"});

  h = good;
  h["dense_1.weight"]["shape"] = {2, -3};
  put(h);
  expect({"dense_1.weight", "bad shape"});
}

TEST_F(SafetensorsCorrupt, DataOffsets) {
  json h = good;
  h["dense_1.bias"] = tensor({3}, 24, 48);
  put(h);
  expect({"dense_1.bias", "data_offsets", "out of range", "36 data bytes"});

  h = good;
  h["dense_1.bias"] = tensor({3}, 24, 32);
  put(h);
  expect({"dense_1.bias", "data_offsets", "span 8 bytes", "needs 12"});

  h = good;
  h["dense_1.bias"] = tensor({3}, 30, 24);
  put(h);
  expect({"dense_1.bias", "data_offsets", "out of range"});

  h = good;
  h["dense_1.bias"]["data_offsets"] = {24};
  put(h);
  expect({"dense_1.bias", "bad data_offsets"});
}

TEST_F(SafetensorsCorrupt, TruncatedData) {
  save_safetensors(path, formula_weights({5, 4, 2}));
  std::string bytes = test::read_file(path);
  test::write_file(path, bytes.substr(0, bytes.size() - 4));
  expect({"dense_2.bias", "out of range"});
}

TEST_F(SafetensorsCorrupt, BadMetadata) {
  json h = good;
  h["__metadata__"] = {{"activation", 3}};
  put(h);
  expect({"__metadata__", "activation", "not a string"});
  h["__metadata__"] = json::array({"relu"});
  put(h);
  expect({"__metadata__", "object"});
}

}  // namespace
}  // namespace qrsweep
