"""Reading and writing safetensors files (8-byte little-endian header length, JSON header with '__metadata__' and
per-tensor dtype/shape/data_offsets, then the bytes), atomically, without the safetensors package (Debian has
none). The header layout and tensor order are those of src/models/safetensors.ts (larger dtypes first, then
names bytewise; header padded with spaces to 8 bytes).
"""

import hashlib
import json
import os
import struct
import tempfile

import torch

DTYPES = {
    "BOOL": torch.bool, "U8": torch.uint8, "I8": torch.int8, "I16": torch.int16, "F16": torch.float16,
    "BF16": torch.bfloat16, "I32": torch.int32, "F32": torch.float32, "I64": torch.int64, "F64": torch.float64,
}
NAMES = {v: k for k, v in DTYPES.items()}
MAX_HEADER_BYTES = 100_000_000


class SafetensorsError(ValueError):
    pass


DIGEST_KEY = "batch_shaping.sha256"


def read_safetensors(path: str):
    """Returns (tensors by name, metadata dict). Validates the header and every offset before building tensors."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise SafetensorsError(f"{path}: not a safetensors file (shorter than the 8-byte header length)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise SafetensorsError(f"{path}: header length {n} runs past the end of the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SafetensorsError(f"{path}: header is not valid JSON ({err})") from err
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: header must be a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    body = memoryview(data)[8 + n:]
    tensors = {}
    for name, entry in header.items():
        dtype = DTYPES.get(entry.get("dtype")) if isinstance(entry, dict) else None
        if dtype is None:
            raise SafetensorsError(f"{path}: tensor {name!r}: unsupported or missing dtype in {entry!r}")
        shape = entry.get("shape")
        begin, end = entry.get("data_offsets", [None, None])
        numel = 1
        for d in shape:
            numel *= d
        size = numel * torch.empty((), dtype=dtype).element_size()
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= len(body)
                and end - begin == size):
            raise SafetensorsError(f"{path}: tensor {name!r}: data_offsets {[begin, end]} do not hold {shape} "
                                   f"{entry['dtype']} inside the {len(body)}-byte body")
        raw = bytearray(body[begin:end])
        t = torch.frombuffer(raw, dtype=dtype) if size > 0 else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(shape)
    return tensors, metadata


def content_digest(metadata: dict, layout: list, chunks) -> str:
    """The library's checkpoint digest (src/models/checkpoint_digest.ts): SHA-256 of the JSON of the metadata items
    but the digest, sorted by key, a newline, the JSON of [[name, dtype, shape, [begin, end]], ...] in data order,
    a newline, then the data bytes."""
    items = sorted([k, v] for k, v in metadata.items() if k != DIGEST_KEY)
    h = hashlib.sha256()
    h.update(json.dumps(items, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n")
    h.update(json.dumps(layout, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n")
    for c in chunks:
        h.update(c)
    return h.hexdigest()


def verify_digest(path: str) -> bool:
    """True when the file's recorded digest matches its contents, False when it records none; raises
    SafetensorsError naming the file when it is damaged."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", None) or {}
    recorded = metadata.get(DIGEST_KEY)
    if recorded is None:
        return False
    layout = sorted(([k, v["dtype"], v["shape"], v["data_offsets"]] for k, v in header.items()),
                    key=lambda e: e[3][0])
    actual = content_digest(metadata, layout, [data[8 + n:]])
    if actual != recorded:
        raise SafetensorsError(f"{path} is damaged: its contents do not match the SHA-256 digest recorded when it "
                               f"was written (recorded {recorded[:12]}..., now {actual[:12]}...)")
    return True


def encode_safetensors(tensors: dict, metadata: dict | None = None, digest: bool = False) -> list:
    """Chunks (header, then each tensor's bytes) of a safetensors file; with ``digest`` the metadata gets the
    library's integrity digest (``batch_shaping.sha256``), which loadCheckpoint verifies."""
    metadata = dict(metadata or {})
    for k, v in metadata.items():
        if not isinstance(v, str):
            raise SafetensorsError(f"__metadata__[{k!r}] must be a string; got {type(v).__name__}")
    prepared = {}
    for name, t in tensors.items():
        if t.dtype not in NAMES:
            raise SafetensorsError(f"tensor {name!r}: dtype {t.dtype} cannot be stored")
        prepared[name] = t.detach().to("cpu").contiguous()
    rank = {d: i for i, d in enumerate(DTYPES)}
    order = sorted(prepared, key=lambda k: (-rank[NAMES[prepared[k].dtype]], k.encode("utf-8")))
    offset = 0
    chunks = []
    layout = []
    for name in order:
        t = prepared[name]
        raw = t.view(torch.uint8).numpy().tobytes() if t.numel() > 0 and t.dtype != torch.bool else (
            t.to(torch.uint8).numpy().tobytes())
        layout.append([name, NAMES[t.dtype], list(t.shape), [offset, offset + len(raw)]])
        offset += len(raw)
        chunks.append(raw)
    if digest:
        metadata[DIGEST_KEY] = content_digest(metadata, layout, chunks)
    fields = []
    if metadata:
        fields.append('"__metadata__":' + json.dumps(metadata, separators=(",", ":")))
    for name, dtype, shape, (begin, end) in layout:
        fields.append(json.dumps(name) + ':{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}' % (
            dtype, json.dumps(shape, separators=(",", ":")), begin, end))
    js = ("{" + ",".join(fields) + "}").encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    return [struct.pack("<Q", len(js)) + js, *chunks]


def atomic_write(path: str, chunks) -> int:
    """Temporary file in the same folder, fsync, rename over ``path``, fsync of the folder; returns bytes written."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    total = 0
    try:
        with os.fdopen(fd, "wb") as f:
            for c in chunks:
                f.write(c)
                total += len(c)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    return total


def write_safetensors(path: str, tensors: dict, metadata: dict | None = None, digest: bool = False) -> int:
    return atomic_write(path, encode_safetensors(tensors, metadata, digest))
