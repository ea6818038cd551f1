// The Joe & Kuo direction-number table (joe_kuo_table.cpp), private to the Sobol
// generator: only sobol.cpp turns it into direction vectors.
#pragma once
#include <cstdint>

namespace qrsweep::detail {

constexpr int kJoeKuoDims = 64;
constexpr int kJoeKuoMaxDegree = 9;  // the highest degree among the first 64 polynomials

struct JoeKuoRow {
  uint16_t poly;                 // primitive polynomial, leading and trailing bit included
  uint16_t m[kJoeKuoMaxDegree];  // initial direction integers m_1..m_degree
};

extern const JoeKuoRow kJoeKuo[kJoeKuoDims];

}  // namespace qrsweep::detail
