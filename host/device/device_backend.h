// The CUDA backend's sessions, written against Executor: on CudaExecutor it trains on the
// GPU; on the reference executor the same code (buffers, descriptors, indexing, readbacks)
// runs on the host, which is how the tests check it where no GPU is present.
#pragma once
#include <memory>
#include <string>

#include "device/executor.h"
#include "qrsweep/backend.h"

namespace qrsweep {

// A backend over `ex`: name() the executor's name() ("cuda" on the GPU), device() `device`.
// Datasets are uploaded as uint8 once per backend (keyed by the view's pointers and shape) and
// shared by its sessions; a view's bytes must not change while the backend lives.
std::unique_ptr<Backend> make_device_backend(std::shared_ptr<Executor> ex, std::string device);

}  // namespace qrsweep
