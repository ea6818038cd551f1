// Emulated device memory: allocations carved from one reserved region, each surrounded by
// unaddressable red zones, so the emulator can tell an access inside an allocation from one
// that strays past it (a global out-of-bounds access). Freed memory stays unaddressable until
// every allocation is freed. Thread-safe.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace emu {

// `bytes` of device memory (256-byte aligned, contents unspecified); nullptr when the region
// is exhausted. bytes == 0 gives a valid pointer to an empty allocation.
void* device_malloc(size_t bytes);
void device_free(void* p);

// Whether [p, p + bytes) lies inside the region at all / entirely inside live allocations.
bool in_device_region(uintptr_t p);
bool device_addressable(uintptr_t p, size_t bytes);
// "N bytes past the end of the 64-byte allocation at 0x..." for an address in the region.
std::string describe_device_address(uintptr_t p);

}  // namespace emu
