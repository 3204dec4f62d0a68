"""Converts a CIFAR-10 binary folder (cifar-10-batches-bin: per record 1 label byte + 3072 bytes of R, G, B planes)
into torchvision's python layout (cifar-10-batches-py: pickled dicts with 'data' uint8 [N, 3072] and 'labels'), so
that a test can give the same images to `batch-shaping prepare cifar10` and to train_ddp.py.

    /usr/bin/python3 python/tests/cifar_bin_to_py.py <folder with cifar-10-batches-bin> <out root>
"""

import os
import pickle
import sys

import numpy as np


def convert(src_root: str, out_root: str) -> None:
    src = os.path.join(src_root, "cifar-10-batches-bin")
    dst = os.path.join(out_root, "cifar-10-batches-py")
    os.makedirs(dst, exist_ok=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        raw = np.fromfile(os.path.join(src, name + ".bin"), dtype=np.uint8).reshape(-1, 3073)
        batch = {"batch_label": name, "labels": raw[:, 0].astype(int).tolist(), "data": raw[:, 1:].copy(),
                 "filenames": [f"{name}_{i}.png" for i in range(len(raw))]}
        with open(os.path.join(dst, name), "wb") as f:
            pickle.dump(batch, f)
    with open(os.path.join(src, "batches.meta.txt")) as f:
        names = [line.strip() for line in f if line.strip()]
    with open(os.path.join(dst, "batches.meta"), "wb") as f:
        pickle.dump({"label_names": names, "num_cases_per_batch": 10000, "num_vis": 3072}, f)


if __name__ == "__main__":
    convert(sys.argv[1], sys.argv[2])
