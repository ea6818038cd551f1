// A dataset's identity (dataset.h): its sizes and a content hash of the rows as loaded
// (their feature type and scale included), what the store records so that no resume or
// merge mixes results of different data.
#include <cstdio>
#include <string>

#include <xxhash.h>

#include "qrsweep/dataset.h"

namespace qrsweep {

namespace {

// XXH64 (Debian's libxxhash) of the features, then of the labels seeded with that hash.
uint64_t hash_rows(const Dataset& d, uint64_t seed) {
  const uint64_t h = d.float_features() ? XXH64(d.xf.data(), d.xf.size() * sizeof(float), seed)
                                        : XXH64(d.x.data(), d.x.size(), seed);
  return XXH64(d.y.data(), d.y.size(), h);
}

}  // namespace

DataIdentity data_identity(const DataSplits& data) {
  DataIdentity id;
  id.train_rows = data.train.n;
  id.test_rows = data.test.n;
  id.features = data.train.dim;
  id.classes = data.train.classes;
  // Bytes divided by 255 hash as they always have (a store from before float features
  // still matches); float features hash after their type and scale, so a resume with the
  // same file under another scale, or the same values stored another way, is refused.
  uint64_t seed = 0;
  if (data.train.float_features()) {
    const std::string kind = "float32 features, scale " + data.scale;
    seed = XXH64(kind.data(), kind.size(), 0);
  }
  id.content_hash = hash_rows(data.test, hash_rows(data.train, seed));
  return id;
}

std::string content_hash_hex(uint64_t hash) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

std::vector<std::string> data_differences(const DataIdentity& stored, const DataIdentity& now) {
  std::vector<std::string> out;
  auto field = [&](const char* name, int64_t a, int64_t b) {
    if (a != b)
      out.push_back(std::string(name) + ": " + std::to_string(a) + " -> " + std::to_string(b));
  };
  field("training rows", stored.train_rows, now.train_rows);
  field("test rows", stored.test_rows, now.test_rows);
  field("features per row", stored.features, now.features);
  field("classes", stored.classes, now.classes);
  if (stored.content_hash != now.content_hash)
    out.push_back(
        "content hash (XXH64 of the rows as loaded): " + content_hash_hex(stored.content_hash) +
        " -> " + content_hash_hex(now.content_hash));
  return out;
}

}  // namespace qrsweep
