// How qrsweep writes a double as text everywhere (tables, the space file): the shortest
// decimal that reads back to the same bits, spelled as Python's repr, so the CSV looks
// like the notebook's pandas output and still round-trips exactly.
#pragma once
#include <string>

namespace qrsweep {

// "0.0005", "20.0", "1e-05", "1.2345678901234568e+17", "nan", "inf", "-inf".
std::string format_double(double x);

}  // namespace qrsweep
