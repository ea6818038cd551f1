// glorot_uniform initialisation from the trial's Philox streams (docs/semantics.md#init,
// #determinism): the same weights on every backend, shard and restart.
#include "qrsweep/philox.h"
#include "qrsweep/trial.h"
#include "qrsweep/weights.h"

namespace qrsweep {

Weights init_weights(const TrialConfig& cfg, int inputs, int classes) {
  Weights w;
  auto widths = cfg.widths(inputs, classes);
  for (size_t k = 0; k + 1 < widths.size(); ++k) {
    DenseLayer d;
    d.in = widths[k];
    d.out = widths[k + 1];
    const float a = glorot_limit(d.in, d.out);
    PhiloxStream s{cfg.seed, static_cast<uint32_t>(cfg.index),
                   purpose_word(Purpose::kInit, static_cast<uint32_t>(k))};
    const size_t n = static_cast<size_t>(d.in) * d.out;
    d.w.resize(n);
    for (size_t e = 0; e < n; e += 4) {
      Philox4 blk = s.block(e / 4);
      for (size_t q = 0; q < 4 && e + q < n; ++q) d.w[e + q] = glorot_value(a, blk.v[q]);
    }
    d.b.assign(d.out, 0.0f);
    w.layers.push_back(std::move(d));
  }
  return w;
}

}  // namespace qrsweep
