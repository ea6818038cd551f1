#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus, tests/fuzz/corpus/<parser>/ (fuzz_<parser>): small valid inputs and
damaged ones (truncated, wrong magic, bad values) for every parser. The committed corpus
is this script's output; rerun it after a format change:
    tests/fuzz/make_corpus.py [--qrsweep build/qrsweep]
The store seeds come from a real two-trial sweep run by the given qrsweep binary (left
as they are when no binary is given)."""
import argparse
import gzip
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def put(fuzzer, name, data):
    d = os.path.join(CORPUS, fuzzer)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def gz(data):
    return gzip.compress(data, mtime=0)


def space_and_config_seeds():
    for name in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        with open(os.path.join(ROOT, "examples", name), "rb") as f:
            text = f.read()
        put("space", name, text)
        put("train_config", name, text)
    put("space", "empty.toml", "")
    put("space", "csv-data.toml",
        'trials = 4\nseed = 7\nsampler = "random"\nactivations = ["tanh"]\n'
        '[layer_size]\nlow = 8\nhigh = 64\nscale = "log"\n'
        '[batch_size]\nlow = 1\nhigh = 32\n'
        '[data]\nformat = "csv"\ntrain_csv = "a \\"b\\".csv"\ntest_csv = "t.csv"\n'
        'validation = 2\nclasses = 0\n')
    put("space", "npz-data.toml",
        '[data]\nformat = "npz"\nfile = "d.npz"\nscale = "standardize"\nvalidation = 5\n')
    put("space", "bad-range.toml", "[dropout_rate]\nlow = 0.9\nhigh = 0.1\n")
    put("space", "bad-syntax.toml", "trials = [1, \n")
    put("space", "inline.toml", "momentum = { low = 0.5, high = 0.5 }\nseed = 9223372036854775807\n")
    put("train_config", "minimal.toml",
        'sizes = [4]\nactivation = "relu"\nlearning_rate = 0.1\nbatch_size = 2\n')
    put("train_config", "full.toml",
        'sizes = [8, 4, 2]\nactivation = "tanh"\ndropout_rates = [0.5, 0.0, 0.25]\n'
        'dropout = [true, false, true]\nlearning_rate = 1e-3\nmomentum = 0.9\n'
        'batch_size = 16\nseed = 3\ntrial = 12\nmax_epochs = 3\npatience = 1\n'
        'structure = "Given"\n[data]\nformat = "csv"\ntrain_csv = "a.csv"\ntest_csv = "b.csv"\n')
    put("train_config", "bad-type.toml", 'sizes = "wide"\nactivation = "relu"\n')
    put("train_config", "inf-rate.toml",
        'sizes = [4]\nactivation = "relu"\nlearning_rate = inf\nbatch_size = 2\n')


def idx(magic, dims, payload):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload


def pair(images, labels):
    return struct.pack("<I", len(images)) + images + labels


def idx_seeds():
    n, rows, cols = 3, 2, 2
    images = idx(0x803, [n, rows, cols], bytes(range(n * rows * cols)))
    labels = idx(0x801, [n], bytes([0, 9, 4]))
    put("idx", "raw", pair(images, labels))
    put("idx", "gzip", pair(gz(images), gz(labels)))
    put("idx", "gzip-two-members", pair(gz(images[:9]) + gz(images[9:]), labels))
    put("idx", "truncated-gzip", pair(gz(images)[:-6], labels))
    put("idx", "truncated-data", pair(images[:-1], labels))
    put("idx", "swapped-magic", pair(labels, images))
    put("idx", "count-mismatch", pair(images, idx(0x801, [2], bytes([1, 2]))))
    put("idx", "huge-dims", pair(idx(0x803, [0xFFFFFFFF, 0xFFFF, 0xFFFF], b""), labels))
    put("idx", "label-out-of-range", pair(images, idx(0x801, [n], bytes([0, 200, 1]))))


def csv_seeds():
    plain = "label,p1,p2,p3\n0,0,128,255\n9,1,2,3\r\n4, 5 ,6,+7\n"
    put("csv", "header.csv", plain)
    put("csv", "no-header.csv", "1,2,3\n0,4,5\n")
    put("csv", "bom.csv", "\ufeff3,0,0\n2,255,255\n")
    put("csv", "gzip.csv.gz", gz(plain.encode()))
    put("csv", "ragged.csv", "1,2,3\n0,4\n")
    put("csv", "out-of-range.csv", "1,256\n-1,3\n")
    put("csv", "big-numbers.csv", "99999999999999999999999,1\n1,-99999999999999999999\n")
    put("csv", "real-values.csv", "y,a,b\n1,0.5,-2e3\n0,3,+1.25e-7\n2,255,1e39\n")
    put("csv", "non-finite.csv", "1,nan,1\n0,inf,-Infinity\n")


def safetensors(header, data):
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text.encode() + data


def safetensors_seeds():
    def floats(*v):
        return struct.pack("<%df" % len(v), *v)

    two = {
        "dense_1.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
        "dense_1.bias": {"dtype": "F32", "shape": [3], "data_offsets": [24, 36]},
        "dense_2.weight": {"dtype": "F32", "shape": [3, 1], "data_offsets": [36, 48]},
        "dense_2.bias": {"dtype": "F32", "shape": [1], "data_offsets": [48, 52]},
        "__metadata__": {"trial": "3", "format": "qrsweep"},
    }
    data = floats(*[0.5 * i for i in range(13)])
    put("safetensors", "two-layers.safetensors", safetensors(two, data))
    one = {k: v for k, v in two.items() if k.startswith("dense_1")}
    put("safetensors", "one-layer.safetensors", safetensors(one, data[:36]))
    put("safetensors", "truncated.safetensors", safetensors(two, data)[:-7])
    bad = json.loads(json.dumps(two))
    bad["dense_1.weight"]["dtype"] = "F16"
    bad["dense_2.bias"]["shape"] = [2]
    put("safetensors", "bad-dtype.safetensors", safetensors(bad, data))
    put("safetensors", "short.safetensors", b"\x10\x00\x00")
    put("safetensors", "not-json.safetensors", struct.pack("<Q", 8) + b"{nope  }")


def npy(descr, shape, data, fortran=False, major=1):
    shape_text = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", shape_text)
    prefix = 10 if major == 1 else 12
    h += " " * ((64 - (prefix + len(h) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, 0]) + size + h.encode() + data


def npy_seeds():
    f32 = struct.pack("<6f", 0.5, -1.25, 3.0, 1e-8, 7.0, -0.0)
    put("npy", "float32", npy("<f4", (3, 2), f32))
    put("npy", "float64", npy("<f8", (2, 2), struct.pack("<4d", 0.1, 2.0, -3.5, 4e10)))
    put("npy", "uint8-3d", npy("|u1", (2, 2, 2), bytes(range(8))))
    put("npy", "big-endian", npy(">f4", (1, 2), struct.pack(">2f", 1.5, -2.0)))
    put("npy", "version-2", npy("<f4", (3, 2), f32, major=2))
    put("npy", "labels-int64", npy("<i8", (3,), struct.pack("<3q", 4, 9, 0)))
    put("npy", "labels-negative", npy("<i4", (2,), struct.pack("<2i", 1, -1)))
    put("npy", "fortran", npy("<f4", (3, 2), f32, fortran=True))
    put("npy", "nan", npy("<f4", (1, 1), struct.pack("<f", float("nan"))))
    put("npy", "truncated", npy("<f4", (3, 2), f32)[:-3])
    put("npy", "huge-shape", npy("<f4", (99999999999, 99999999999), b""))
    put("npy", "bad-header", b"\x93NUMPY\x01\x00\x10\x00{'descr': <f4'}  \n")


def store_seeds(qrsweep):
    with tempfile.TemporaryDirectory() as tmp:
        rows = "".join("%d,%s\n" % (i % 3, ",".join(str((i * 7 + j) % 256) for j in range(4)))
                       for i in range(24))
        for name in ("train.csv", "test.csv"):
            with open(os.path.join(tmp, name), "w") as f:
                f.write(rows)
        with open(os.path.join(tmp, "space.toml"), "w") as f:
            f.write('trials = 2\nmax_epochs = 2\npatience = 1\n[layer_size]\nlow = 2\nhigh = 4\n'
                    '[batch_size]\nlow = 4\nhigh = 8\n[data]\nformat = "csv"\n'
                    'train_csv = "%s/train.csv"\ntest_csv = "%s/test.csv"\nvalidation = 8\n'
                    'classes = 3\n' % (tmp, tmp))
        out = os.path.join(tmp, "sweep")
        subprocess.run([qrsweep, "sweep", "--space", os.path.join(tmp, "space.toml"),
                        "--out", out, "--backend", "cpu", "--quiet"], check=True,
                       stdout=subprocess.DEVNULL)
        store = os.path.join(out, "store.sqlite")
        with sqlite3.connect(store) as db:  # fold the -wal in: one self-contained file
            db.execute("PRAGMA journal_mode = DELETE")
            db.execute("PRAGMA page_size = 512")  # small seeds fuzz faster
            db.execute("VACUUM")
        with open(store, "rb") as f:
            put("store", "sweep.sqlite", f.read())
        # Damaged rows: values qrsweep never writes, as a hand edit or another tool leaves them.
        edits = {
            "bad-status.sqlite": "UPDATE trials SET status = 'exploded' WHERE trial = 0",
            "bad-activation.sqlite": "UPDATE trials SET activation = 'swish' WHERE trial = 1",
            "text-for-numbers.sqlite":
                "UPDATE trials SET hidden_layers = 'two', learning_rate = x'00ff' WHERE trial = 0",
            "huge-layers.sqlite": "UPDATE trials SET hidden_layers = 1000000 WHERE trial = 1",
            "empty-texts.sqlite": "UPDATE trials SET structure = '', seed = 'x', status = '' WHERE trial = 0",
            "no-sweep-row.sqlite": "DELETE FROM sweep",
        }
        for name, sql in edits.items():
            copy = os.path.join(tmp, name)
            shutil.copy(store, copy)
            with sqlite3.connect(copy) as db:
                db.execute("PRAGMA ignore_check_constraints = 1")
                db.execute(sql)
            with open(copy, "rb") as f:
                put("store", name, f.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qrsweep", help="a qrsweep binary, to make the store seeds")
    a = ap.parse_args()
    space_and_config_seeds()
    idx_seeds()
    csv_seeds()
    npy_seeds()
    safetensors_seeds()
    if a.qrsweep:
        store_seeds(os.path.abspath(a.qrsweep))


if __name__ == "__main__":
    main()
