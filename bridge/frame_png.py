"""Writing an AI2-THOR frame (height x width x 3, uint8 RGB) as a PNG file.

ai2thor depends on Pillow and numpy, so on a machine with the real package Pillow writes the
file. Without Pillow (the tests, the fake controller) a small standard-library encoder does it:
8-bit RGB, no interlace, filter type 0 on every row, one zlib stream in one IDAT chunk.
"""
import os
import struct
import zlib


def _frame_geometry(frame):
    """(width, height, raw RGB bytes, row by row) of a numpy array or any object with `shape`
    and `tobytes()`; raises ValueError on anything else."""
    shape = getattr(frame, "shape", None)
    if shape is None or len(shape) != 3 or shape[2] != 3:
        raise ValueError(f"frame is not a height x width x 3 image (shape {shape!r})")
    height, width = int(shape[0]), int(shape[1])
    if height <= 0 or width <= 0:
        raise ValueError(f"frame is empty (shape {shape!r})")
    dtype = getattr(frame, "dtype", None)
    if dtype is not None and str(dtype) != "uint8":
        raise ValueError(f"frame has dtype {dtype}, expected uint8")
    try:
        import numpy  # only to lay out views and strided arrays contiguously
        if isinstance(frame, numpy.ndarray):
            frame = numpy.ascontiguousarray(frame)
    except ImportError:
        pass
    raw = frame.tobytes()
    if len(raw) != width * height * 3:
        raise ValueError(f"frame has {len(raw)} bytes, expected {width * height * 3}")
    return width, height, raw


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def encode_png(frame):
    """The PNG bytes of `frame` (standard library only)."""
    width, height, raw = _frame_geometry(frame)
    stride = width * 3
    rows = b"".join(b"\x00" + raw[y * stride:(y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 6))
            + _chunk(b"IEND", b""))


def write_png(frame, path):
    """Writes `frame` to `path` (directories created), through Pillow when it is importable.
    The file appears whole or not at all: it is written beside its final name and renamed."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    partial = path + ".partial"
    try:
        from PIL import Image
        import numpy
        Image.fromarray(numpy.asarray(frame, dtype=numpy.uint8)).save(partial, format="PNG")
    except ImportError:
        with open(partial, "wb") as handle:
            handle.write(encode_png(frame))
    os.replace(partial, path)
    return path


def side_by_side(frames, border=5):
    """The wrapper's observe picture: the three views left to right, the middle one framed by a
    black border `border` pixels wide on its left and right. Returns an object with `shape` and
    `tobytes()` (a numpy array when numpy is importable)."""
    parts = [_frame_geometry(f) for f in frames]
    height = parts[0][1]
    if any(p[1] != height for p in parts):
        raise ValueError("observe views differ in height")
    rows = []
    for y in range(height):
        row = b""
        for index, (width, _, raw) in enumerate(parts):
            line = raw[y * width * 3:(y + 1) * width * 3]
            if index == 1:
                line = b"\x00" * (border * 3) + line + b"\x00" * (border * 3)
            row += line
        rows.append(row)
    width = sum(p[0] for p in parts) + 2 * border
    data = b"".join(rows)
    try:
        import numpy
        return numpy.frombuffer(data, dtype=numpy.uint8).reshape(height, width, 3)
    except ImportError:
        return RawFrame(width, height, data)


class RawFrame:
    """An RGB image held as bytes, for machines without numpy."""

    def __init__(self, width, height, data):
        self.shape = (height, width, 3)
        self.dtype = "uint8"
        self._data = data

    def tobytes(self):
        return self._data
