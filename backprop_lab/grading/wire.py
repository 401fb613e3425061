"""What crosses the line between a notebook's test process and its student process.

A message is a JSON header and a list of raw byte buffers (array and tensor contents), framed on
a socket. The two directions are not alike:

- student -> test: **data only**. `DataEncoder` turns what student code returned into JSON nodes
  (numbers, strings, booleans, None, numeric arrays and tensors, bounded lists, tuples and dicts
  of these, references to objects the test process sent, opaque handles); `decode` checks every
  node and can build nothing else. No pickle reaches the test process.
- test -> student: pickle, written by the trusted test process (arguments are models, arrays and
  the like). Arrays and tensors travel as raw buffers under ids that stay the same for the whole
  test cell, so an array modified by student code can be written back into the test's own copy.
"""
import io
import json
import math
import pickle
import socket
import struct
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

FRAME = struct.Struct("!QII")      # bytes after the frame, header length, number of buffers
BUFFER = struct.Struct("!Q")
MAX_DEPTH = 24                     # nesting of containers in a value
MAX_ITEMS = 100_000                # elements of one container
MAX_STRING = 1 << 20               # characters of one string
MAX_MESSAGE = 256 << 20            # bytes of one message from the student process
MAX_BUFFERS = 1 << 20              # arrays in one message
MAX_INT_DIGITS = 400

NUMPY_DTYPES = {np.dtype(name).str for name in
                ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "float16", "float32", "float64", "complex64", "complex128")}
TORCH_DTYPES = {str(dtype).removeprefix("torch."): dtype for dtype in
                (torch.bool, torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8,
                 torch.float16, torch.float32, torch.float64, torch.complex64, torch.complex128)}


class WireError(Exception):
    """A message that breaks the protocol (from the student side: a forged or broken reply)."""


# ---------------------------------------------------------------- framing

_ENCODERS = {None: json.JSONEncoder(), repr: json.JSONEncoder(default=repr)}  # built once: a message is small


def send(sock: socket.socket, header: dict, buffers: list = (), default=None) -> None:
    encoder = _ENCODERS.get(default) or json.JSONEncoder(default=default)
    text = encoder.encode(header).encode()
    parts = [b"", text]
    for buffer in buffers:
        parts += [BUFFER.pack(len(buffer)), buffer]
    body = sum(map(len, parts))
    parts[0] = FRAME.pack(body, len(text), len(buffers))
    sock.sendall(b"".join(parts))


def receive(sock: socket.socket, limit: int = MAX_MESSAGE) -> tuple:
    """(header, buffers) of the next message; EOFError when the other side is gone. The frame
    gives the size of the rest, read at once."""
    body_size, size, count = FRAME.unpack(_exactly(sock, FRAME.size))
    if count > MAX_BUFFERS or body_size > limit + count * BUFFER.size:
        _too_big()
    if size > body_size:
        raise WireError("a message whose header is longer than its frame")
    body = _exactly(sock, body_size)
    text, offset, buffers = body[:size], size, []
    for _ in range(count):
        if offset + BUFFER.size > body_size:
            raise WireError("a message shorter than its frame says")
        (length,) = BUFFER.unpack_from(body, offset)
        offset += BUFFER.size
        buffers.append(body[offset:offset + length])
        offset += length
    if offset != body_size:
        raise WireError("a message whose parts do not add up to its frame")
    try:
        header = json.loads(text.decode())  # (from str: no guessing of the encoding)
    except (ValueError, RecursionError) as error:
        raise WireError(f"unreadable message ({type(error).__name__})") from None
    if not isinstance(header, dict):
        raise WireError("a message must be a JSON object")
    return header, buffers


def _too_big():
    raise WireError("a message larger than the grader accepts")


def _exactly(sock, size):
    data = sock.recv(size, socket.MSG_WAITALL)  # all of it at once, but for a signal or the end
    while len(data) < size:
        more = sock.recv(size - len(data), socket.MSG_WAITALL)
        if not more:
            raise EOFError("the other process closed the connection")
        data += more
    return data


# ---------------------------------------------------------------- student -> test: data only

class DataEncoder:
    """JSON nodes for values in the student process. `name_of(value)` is the reference of an
    object the other side knows (or None); `handle` turns anything that is not data into a
    handle node; `track`, if given, names each new array or tensor (the other side can then
    refer to it)."""

    def __init__(self, name_of, handle, track=None):
        self.name_of, self.handle, self.track, self.buffers = name_of, handle, track, []

    def value(self, value, depth=0):
        ref = self.name_of(value)
        if ref is not None and not isinstance(value, (bool, int, float, str, type(None))):
            return {"$": "ref", "r": ref}
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int):
            return int(value) if abs(value) < 10 ** MAX_INT_DIGITS else self.handle(value)
        if isinstance(value, float):
            return float(value) if math.isfinite(value) else {"$": "float", "v": repr(float(value))}
        if isinstance(value, str):
            return str(value) if len(value) <= MAX_STRING else self.handle(value)
        if isinstance(value, np.generic) and value.dtype.str in NUMPY_DTYPES:
            return {"$": "np", **self._array(np.asarray(value))}
        if isinstance(value, np.ndarray) and value.dtype.str in NUMPY_DTYPES:
            return self._tracked({"$": "nd", **self._array(value)}, value)
        if isinstance(value, torch.Tensor) and plain_tensor(value):
            return self._tracked(self.tensor(value), value)
        if depth < MAX_DEPTH and isinstance(value, (list, tuple)) and len(value) <= MAX_ITEMS:
            return {"$": "tuple" if isinstance(value, tuple) else "list",
                    "v": [self.value(item, depth + 1) for item in value]}
        if depth < MAX_DEPTH and isinstance(value, dict) and len(value) <= MAX_ITEMS:
            items = list(value.items())
            return {"$": "dict", "k": [self.value(k, depth + 1) for k, _ in items],
                    "v": [self.value(v, depth + 1) for _, v in items]}
        return self.handle(value)

    def tensor(self, tensor):
        plain = tensor.detach().cpu().resolve_conj().resolve_neg()
        return {"$": "pt", **self._array(plain.numpy(force=True)), "t": str(plain.dtype).removeprefix("torch."),
                "g": bool(tensor.requires_grad), "p": isinstance(tensor, torch.nn.Parameter)}

    def _tracked(self, node, value):
        if self.track is not None:
            node["id"] = self.track(value)
        return node

    def _array(self, array):
        array = np.asarray(array, order="C")
        self.buffers.append(array.tobytes())
        return {"b": len(self.buffers) - 1, "d": array.dtype.str, "s": list(array.shape)}


def plain_tensor(tensor: torch.Tensor) -> bool:
    return (tensor.layout == torch.strided and tensor.device.type == "cpu"
            and str(tensor.dtype).removeprefix("torch.") in TORCH_DTYPES)


def decode(node, buffers: list, refs: dict, handle: Callable, track: Callable | None = None, depth: int = 0) -> Any:
    """The test-side value of a node. `refs` maps references to the test's own objects; `handle`
    turns a handle node into a proxy; `track(key, value)` is told of every array or tensor that
    the student side named (it is then in `refs` too). Anything malformed raises WireError."""
    if node is None or isinstance(node, (bool, float, str)):
        return node
    if isinstance(node, int):
        if abs(node) >= 10 ** MAX_INT_DIGITS:
            raise WireError("integer too large")
        return node
    if not isinstance(node, dict) or depth > MAX_DEPTH + 1:
        raise WireError("malformed value")
    kind = node.get("$")
    if kind in ("list", "tuple"):
        items = _list(node, "v")
        values = [decode(item, buffers, refs, handle, track, depth + 1) for item in items]
        return tuple(values) if kind == "tuple" else values
    if kind == "dict":
        keys, values = _list(node, "k"), _list(node, "v")
        if len(keys) != len(values):
            raise WireError("malformed dict")
        result = {}
        for key, value in zip(keys, values):
            key = decode(key, buffers, refs, handle, track, depth + 1)
            try:
                hash(key)
            except TypeError:
                raise WireError("unhashable dict key") from None
            result[key] = decode(value, buffers, refs, handle, track, depth + 1)
        return result
    if kind == "float":
        if node.get("v") not in ("nan", "inf", "-inf"):
            raise WireError("malformed float")
        return float(node["v"])
    if kind == "nd":
        return _named(node, _decode_array(node, buffers), refs, track)
    if kind == "np":
        array = _decode_array(node, buffers)
        if array.shape != ():
            raise WireError("a NumPy scalar with a shape")
        return array[()]
    if kind == "pt":
        return _named(node, _decode_tensor(node, buffers), refs, track)
    if kind == "ref":
        try:
            return refs[_hashable(node.get("r"))]
        except (KeyError, TypeError, IndexError):
            raise WireError("a reference to nothing the test process sent") from None
    if kind == "h":
        return handle(node)
    raise WireError("unknown value kind")  # (not echoed: the student process chose it)


def _named(node, value, refs, track):
    if "id" in node:
        if track is None or type(node["id"]) is not int:
            raise WireError("an array named where no name was expected")
        refs[("s", node["id"])] = value
        track(("s", node["id"]), value)
    return value


def _list(node, key):
    value = node.get(key)
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise WireError("malformed container")
    return value


def _hashable(ref):
    return tuple(ref) if isinstance(ref, list) else ref


def _decode_array(node, buffers):
    index, dtype, shape = node.get("b"), node.get("d"), node.get("s")
    if dtype not in NUMPY_DTYPES or not isinstance(index, int) or not 0 <= index < len(buffers):
        raise WireError("malformed array")
    if not isinstance(shape, list) or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("malformed array shape")
    dtype = np.dtype(dtype)
    if math.prod(shape) * dtype.itemsize != len(buffers[index]):
        raise WireError("array size does not match its shape")
    return np.frombuffer(buffers[index], dtype=dtype).reshape(shape).copy()


def _decode_tensor(node, buffers):
    dtype = TORCH_DTYPES.get(node.get("t"))
    if dtype is None or not isinstance(node.get("g"), bool) or not isinstance(node.get("p"), bool):
        raise WireError("malformed tensor")
    tensor = torch.from_numpy(_decode_array(node, buffers))
    if tensor.dtype != dtype:
        raise WireError("tensor dtype does not match its contents")
    if node["p"]:
        return torch.nn.Parameter(tensor, requires_grad=node["g"])
    return tensor.requires_grad_(node["g"] and (tensor.is_floating_point() or tensor.is_complex()))


# ---------------------------------------------------------------- test -> student: pickle

def array_bytes(value) -> tuple:
    """(bytes, dtype str, shape) of an array or tensor's contents: together, what a change in
    place (of values, or of shape) changes."""
    if type(value) is np.ndarray:  # most of them, at every request: without asarray's checks
        return value.tobytes(), value.dtype.str, list(value.shape)
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().resolve_conj().resolve_neg().numpy(force=True)
    array = np.asarray(value, order="C")
    return array.tobytes(), array.dtype.str, list(array.shape)


def write_into(target, value) -> bool:
    """Make the array or tensor `target` hold `value` (same dtype), keeping its identity: its
    values, or its shape too where it was reshaped in place. False if that cannot be done."""
    if isinstance(target, torch.Tensor):
        value = torch.as_tensor(value)
        if value.dtype != target.dtype:
            return False
        with torch.no_grad():
            if tuple(value.shape) == tuple(target.shape):
                target.copy_(value)
            else:
                target.data = value.clone()
        return True
    value = np.asarray(value)
    if value.dtype != target.dtype or value.size != target.size or not target.flags.writeable:
        return False
    if value.shape != target.shape:
        try:
            target.shape = value.shape
        except AttributeError:  # not reshapeable in place (a non-contiguous view)
            return False
    np.copyto(target, value)
    return True


def dumps(value, persistent_id) -> tuple:
    """Pickle `value` for the student process: (bytes, memo) with memo {id(obj): (index, obj)},
    which the student side's unpickler memo mirrors index for index."""
    stream = io.BytesIO()
    pickler = pickle.Pickler(stream, protocol=5)
    pickler.persistent_id = persistent_id
    pickler.dump(value)
    return stream.getvalue(), pickler.memo.copy()


def loads(data: bytes, persistent_load) -> tuple:
    """(value, memo {index: obj}) in the student process."""
    unpickler = pickle.Unpickler(io.BytesIO(data))
    unpickler.persistent_load = persistent_load
    value = unpickler.load()
    return value, unpickler.memo.copy()
