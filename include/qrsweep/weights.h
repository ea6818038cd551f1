// A model's dense parameters on the host: per layer a kernel W[in, out] (row-major,
// tf.keras layout) and a bias b[out]. Read and written as safetensors.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qrsweep {

struct DenseLayer {
  int in = 0, out = 0;
  std::vector<float> w;  // [in * out]
  std::vector<float> b;  // [out]
};

struct Weights {
  std::vector<DenseLayer> layers;
  std::vector<int> widths() const;  // {in, out_1, ..., out_k}
};

// glorot_uniform kernels and zero biases from the trial's kInit Philox streams
// (one stream per layer; element e = i * out + j takes word e).
struct TrialConfig;
Weights init_weights(const TrialConfig& cfg, int inputs, int classes);

// What a reader needs beyond the tensors, for a safetensors file's "__metadata__": the
// layout ([in, out], y = x @ W + b), the preprocessing (x / 255), the hidden activation,
// that the outputs are logits, that inference uses no dropout, the widths, the trial, its
// seed and the qrsweep version (docs/train.md, "Using the best model").
std::vector<std::pair<std::string, std::string>> model_metadata(const TrialConfig& cfg);
// The preprocessing the model was trained on, from the data's [data] scale: the
// "preprocessing" key, and for standardize "feature_mean" and "feature_sd" (one number per
// feature, comma-separated, what x is centred by and divided by). Replaces the key
// model_metadata writes for bytes divided by 255 when `meta` holds it.
struct DataSplits;
void set_preprocessing_metadata(std::vector<std::pair<std::string, std::string>>& meta,
                                const DataSplits& data);

// safetensors: 8-byte little-endian header length, a JSON header, then raw F32 data.
// Tensor names "dense_<k>.weight" [in, out] and "dense_<k>.bias" [out], k = 1..layers.
// `metadata` goes into the header's "__metadata__" (string values only).
void save_safetensors(const std::string& path, const Weights& w,
                      const std::vector<std::pair<std::string, std::string>>& metadata = {});
// Throws DataError naming the file and the fault (short file, bad header, missing or
// misshaped tensor, dtype other than F32).
Weights load_safetensors(const std::string& path);
// The same, also handing back the header's "__metadata__" (sorted by key; empty when the
// file has none). Throws DataError when it is not an object of strings.
Weights load_safetensors(const std::string& path,
                         std::vector<std::pair<std::string, std::string>>* metadata);
// The same on a file's bytes in memory; `name` stands for the file in messages.
Weights load_safetensors_bytes(const std::vector<uint8_t>& bytes, const std::string& name,
                               std::vector<std::pair<std::string, std::string>>* metadata);
// Weights read from `path` to start training from: throws DataError naming `path` and the
// tensor when a value is NaN or infinite, and naming the file's layer shapes and the
// model's widths ({inputs, hidden sizes..., classes}) when they are not of that model.
void check_initial_weights(const Weights& w, const std::vector<int>& widths,
                           const std::string& path);

}  // namespace qrsweep
