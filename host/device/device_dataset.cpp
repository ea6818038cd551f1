// Datasets in executor memory (device_dataset.h).
#include "device/device_dataset.h"

#include <algorithm>
#include <string>

#include "qrsweep/common.h"

namespace qrsweep {

void check_labels(const DatasetView& v, int classes) {
  for (int i = 0; i < v.n; ++i)
    if (v.y[i] >= classes)
      throw DataError("label " + std::to_string(v.y[i]) + " of row " + std::to_string(i) +
                      " is not below the class count " + std::to_string(classes));
}

DeviceDataset upload_dataset(Executor* ex, const DatasetView& v) {
  const size_t nx = static_cast<size_t>(v.n) * static_cast<size_t>(std::max(v.dim, 0));
  const size_t ny = static_cast<size_t>(std::max(v.n, 0));
  DeviceDataset d;
  d.x = DeviceArray<uint8_t>(ex, v.xf ? 1 : std::max<size_t>(nx, 1));
  d.y = DeviceArray<uint8_t>(ex, std::max<size_t>(ny, 1));
  if (v.xf) {
    d.xf = DeviceArray<float>(ex, std::max<size_t>(nx, 1));
    if (nx) ex->copy_to_device(d.xf.get(), v.xf, nx * sizeof(float));
  } else if (nx) {
    ex->copy_to_device(d.x.get(), v.x, nx);
  }
  if (ny) ex->copy_to_device(d.y.get(), v.y, ny);
  return d;
}

}  // namespace qrsweep
