// toml++'s implementation compiled into the fuzz build, so that the TOML parser the
// space and train-config fuzzers run is instrumented too: libFuzzer then sees how far
// into the grammar an input got. (The normal build links Debian's libtomlplusplus.)
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
