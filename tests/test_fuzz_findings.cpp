// What the fuzzers (tests/fuzz, docs/fuzzing.md) found, each input kept here as a regular
// test, and the from-bytes entry points they call: the same readers as the files get.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "qrsweep/common.h"
#include "qrsweep/dataset.h"
#include "qrsweep/space.h"
#include "qrsweep/train_config.h"
#include "qrsweep/weights.h"
#include "support/expect_error.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

using test::expect_error;

const std::string kTrainKeys = "sizes = [4]\nactivation = \"relu\"\nbatch_size = 2\n";

// fuzz_train_config: `learning_rate = inf` parsed, and only the backend refused it later,
// naming neither the file nor the key.
TEST(FuzzFindings, InfiniteLearningRateIsRefusedNamingTheFileAndKey) {
  for (const char* v : {"inf", "+inf", "-inf", "nan"})
    expect_error<ConfigError>(
        [&] { parse_train_config_text(kTrainKeys + "learning_rate = " + v + "\n", "c.toml"); },
        {"c.toml", "learning_rate"});
  EXPECT_EQ(parse_train_config_text(kTrainKeys + "learning_rate = 1e300\n", "c.toml")
                .trial.learning_rate,
            1e300);
}

// Inputs on which toml++ 3.3.0 (Debian's, which qrsweep links) trips its own debug
// assertion or reaches a TOML_UNREACHABLE (non-ASCII characters where whitespace may
// be; upstream issues #190 and #295). The library qrsweep links must still answer each
// with a clean error naming the file, in the space file and the train config alike.
TEST(FuzzFindings, TomlInputsThatTripTomlPlusPlusGetCleanErrors) {
  const std::vector<std::string> inputs = {
      "[\nx = 1\n",                                       // a table header cut by a newline
      "[\nformat = \"cs\"v\ntrain_csv = \"a\"\n",          // the same, as found
      "a = [\xcc\x9c]\n",                                 // U+031C where a value may start
      "\"relu\"= [\xcc\x9c\nactivation = \"relu\"\n",     // as found in a train config
      "s = \"\"\"\\\n\xc2\xa7\"\"\"\n",                   // U+00A7 after a line-ending backslash
  };
  for (const std::string& text : inputs) {
    expect_error<ConfigError>([&] { parse_space_text(text, "space.toml"); }, {"space.toml"});
    expect_error<ConfigError>([&] { parse_train_config_text(text, "train.toml"); },
                              {"train.toml"});
  }
}

std::string be32(uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> gzip(const std::vector<uint8_t>& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<uint8_t> out(deflateBound(&zs, in.size()) + 32);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// The bytes entry points gunzip as the file readers do and name what the caller says.
TEST(FuzzFindings, BytesEntryPointsReadAsTheFileReadersDo) {
  const std::string images = be32(0x803) + be32(2) + be32(1) + be32(3) + "\x01\x02\x03\x04\x05\x06";
  const std::string labels = be32(0x801) + be32(2) + std::string("\x01\x00", 2);
  Dataset d = read_idx_bytes(gzip(bytes_of(images)), "i.gz", bytes_of(labels), "l", 0);
  EXPECT_EQ(d.n, 2);
  EXPECT_EQ(d.dim, 3);
  EXPECT_EQ(d.x, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(d.y, (std::vector<uint8_t>{1, 0}));
  expect_error<DataError>(
      [&] { read_idx_bytes(bytes_of(images), "i", bytes_of(labels.substr(0, 9)), "l", 0); },
      {"l: truncated data"});

  Dataset c = read_csv_bytes(gzip(bytes_of("1,7,8\n0,9,10\n")), "m.csv.gz", 0);
  EXPECT_EQ(c.n, 2);
  EXPECT_EQ(c.x, (std::vector<uint8_t>{7, 8, 9, 10}));
  expect_error<DataError>([&] { read_csv_bytes(bytes_of("1,2\n3,x\n"), "m.csv", 0); },
                          {"m.csv: line 2"});

  test::TempDir dir;
  Weights w;
  w.layers.push_back(DenseLayer{2, 1, {0.5f, -1.5f}, {0.25f}});
  save_safetensors(dir.file("w.safetensors"), w, {{"trial", "3"}});
  const std::string file = test::read_file(dir.file("w.safetensors"));
  std::vector<std::pair<std::string, std::string>> meta;
  Weights back = load_safetensors_bytes(bytes_of(file), "mem", &meta);
  ASSERT_EQ(back.layers.size(), 1u);
  EXPECT_EQ(back.layers[0].w, w.layers[0].w);
  EXPECT_EQ(back.layers[0].b, w.layers[0].b);
  EXPECT_EQ(meta, (std::vector<std::pair<std::string, std::string>>{{"trial", "3"}}));
  expect_error<DataError>([&] { load_safetensors_bytes(bytes_of(file.substr(0, 5)), "mem", nullptr); },
                          {"mem: short file"});
}

}  // namespace
}  // namespace qrsweep
