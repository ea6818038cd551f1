#!/usr/bin/env python3
"""Recomputes the scrambled Sobol known answers of tests/test_plan_known_answers.cpp
without qrsweep's code: the unscrambled points come from scipy (qmc.Sobol with
scramble=False, Joe & Kuo's direction numbers as scipy ships them), the scramble seeds
from Philox4x32-10 written here from its paper (checked against Random123's known
answer), and the scramble itself from the hash documented in host/sampler/sobol.cpp.

    python3 tests/known_answers/sobol_reference.py    # prints the C++ table rows

Needs numpy and scipy (Debian's python3-scipy). Any difference from the table in the
test means the plan changed: see docs/space.md ("The plan is versioned").
"""
from scipy.stats import qmc

MASK = 0xFFFFFFFF


def philox4x32_10(ctr, key):
    m0, m1 = 0xD2511F53, 0xCD9E8D57
    w0, w1 = 0x9E3779B9, 0xBB67AE85
    c = list(ctr)
    k0, k1 = key
    for _ in range(10):
        p0 = m0 * c[0]
        p1 = m1 * c[2]
        hi0, lo0 = p0 >> 32, p0 & MASK
        hi1, lo1 = p1 >> 32, p1 & MASK
        c = [hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0]
        k0 = (k0 + w0) & MASK
        k1 = (k1 + w1) & MASK
    return c


assert philox4x32_10([0, 0, 0, 0], (0, 0)) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]


def stream_word(seed, trial, purpose, n):
    block = n >> 2
    ctr = [block & MASK, block >> 32, trial, purpose]
    return philox4x32_10(ctr, (seed & MASK, seed >> 32))[n & 3]


def reverse_bits(x):
    return int(f"{x:032b}"[::-1], 2)


def owen_scramble(x, seed):
    x = reverse_bits(x)
    x ^= (x * 0x3D20ADEA) & MASK
    x = (x + seed) & MASK
    x = (x * ((seed >> 16) | 1)) & MASK
    x ^= (x * 0x05526C56) & MASK
    x ^= (x * 0x53A22864) & MASK
    return reverse_bits(x)


def unscrambled_bits(index, dim):
    s = qmc.Sobol(d=dim + 1, scramble=False, bits=32)
    if index:
        s.fast_forward(index)
    return int(round(s.random(1)[0][dim] * 2**32))


KSAMPLER = 4
CASES = [  # (sweep seed, stream, dimension, index)
    (0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 1, 2), (0, 0, 4, 7), (0, 0, 7, 1000),
    (1, 0, 2, 5), (1, 3, 5, 123), (12345, 1, 3, 299), (12345, 2, 6, 4096),
    (2**63 + 7, 0, 7, 65535), (2**32 - 1, 5, 1, 2**31 + 3), (987654321, 4, 0, 77),
]
for seed, stream, dim, index in CASES:
    purpose = (KSAMPLER << 24) | stream
    word = stream_word(seed, 0, purpose, dim)
    u = unscrambled_bits(index, dim)
    print(f"    {{{seed}ull, {stream}, {dim}, {index}u, 0x{u:08X}u, 0x{word:08X}u, "
          f"0x{owen_scramble(u, word):08X}u}},")
