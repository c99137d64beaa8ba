"""The safetensors format, read and written in pure Python (the package depends on torch alone).

A file is: 8 bytes little-endian header length N, N bytes of JSON ({name: {dtype, shape,
data_offsets: [begin, end]}}, plus an optional "__metadata__" map of strings), then the raw
little-endian tensor bytes, offsets relative to the end of the header. Files written here load with
the `safetensors` library and the other way round.
"""
import ctypes
import json
import struct
import sys

import torch

_DTYPES = {
    'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16,
    'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8, 'BOOL': torch.bool,
}
_NAMES = {v: k for k, v in _DTYPES.items()}
# A header larger than this is not a weight file of this project's models (and may be hostile).
MAX_HEADER_BYTES = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    """A file that is not valid safetensors; the message names the file and the problem."""


def _check_host():
    if sys.byteorder != 'little':
        raise RuntimeError('safetensors data is little-endian; this reader supports little-endian hosts only')


def save_file(tensors, path, metadata=None):
    """Writes {name: tensor} (any device; copied to contiguous CPU memory) to `path`."""
    _check_host()
    header = {}
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().to('cpu').contiguous()
        if t.dtype not in _NAMES:
            raise TypeError(f'{name}: dtype {t.dtype} has no safetensors name')
        nbytes = t.numel() * t.element_size()
        header[name] = {'dtype': _NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + nbytes]}
        # ctypes reads the tensor's memory directly: no numpy needed.
        blobs.append(ctypes.string_at(t.data_ptr(), nbytes) if nbytes else b'')
        offset += nbytes
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)  # the data starts 8-byte aligned, as the reference writer does
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_header(path):
    """(header dict without __metadata__, metadata dict, data start offset, file size)."""
    with open(path, 'rb') as f:
        data = f.read(8)
        if len(data) < 8:
            raise SafetensorsError(f'{path}: not a safetensors file (shorter than 8 bytes)')
        (n,) = struct.unpack('<Q', data)
        f.seek(0, 2)
        size = f.tell()
        if n > MAX_HEADER_BYTES or 8 + n > size:
            raise SafetensorsError(f'{path}: not a safetensors file (header length {n}, file size {size})')
        f.seek(8)
        raw = f.read(n)
    try:
        header = json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f'{path}: not a safetensors file (header is not JSON: {e})') from None
    if not isinstance(header, dict):
        raise SafetensorsError(f'{path}: not a safetensors file (header is not a JSON object)')
    meta = header.pop('__metadata__', None) or {}
    return header, meta, 8 + n, size


def load_file(path, with_metadata=False):
    """{name: tensor} of `path` (CPU tensors); with_metadata=True also returns the metadata map."""
    _check_host()
    header, meta, start, size = read_header(path)
    out = {}
    with open(path, 'rb') as f:
        for name, e in header.items():
            dtype = _DTYPES.get(e.get('dtype')) if isinstance(e, dict) else None
            shape = e.get('shape') if isinstance(e, dict) else None
            offs = e.get('data_offsets') if isinstance(e, dict) else None
            if dtype is None or not isinstance(shape, list) or not isinstance(offs, list) or len(offs) != 2:
                raise SafetensorsError(f'{path}: tensor {name}: bad header entry {e!r}')
            count = 1
            for d in shape:
                count *= int(d)
            begin, end = int(offs[0]), int(offs[1])
            itemsize = torch.empty((), dtype=dtype).element_size()
            if begin < 0 or end < begin or start + end > size or end - begin != count * itemsize:
                raise SafetensorsError(f'{path}: tensor {name}: data_offsets {offs} do not fit shape {shape} ({e["dtype"]}) in a {size}-byte file')
            f.seek(start + begin)
            buf = bytearray(f.read(end - begin))
            t = torch.frombuffer(buf, dtype=dtype) if count else torch.empty(0, dtype=dtype)
            out[name] = t.reshape(shape).clone()
    return (out, meta) if with_metadata else out
