"""The student process's end of the line: answer the test process's requests about the objects
that student code defined.

The test process never runs student code. Where a test cell calls a student function, constructs
a student class or reads an attribute of a student object, its proxy (remote.py) sends a request
here; this side runs the student code and replies with data (wire.DataEncoder) or an opaque
handle. Everything in this module runs beside student code and is exactly as untrusted: the test
process checks every reply and decides pass or fail by itself.

Arrays and tensors that cross are named for the rest of the test cell (("t", n) when the test
sent them, ("s", n) when they came from here), so that a change made in place on either side is
written into the other side's copy before the next request and after each reply.
"""
import contextlib
import copy
import itertools
import signal
import types
import warnings
import weakref

import numpy as np
import torch

from . import wire
from ..checks import autograd_refused
from ..gradcheck import evaluate_here
from .kernel import CellOutputs

SYSTEM_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}
MAX_REPR = 10_000
NAME_DATA_BYTES = 8 << 20   # a notebook variable larger than this is sent as a handle, not as data
SENT_AHEAD_BYTES = 1 << 16  # of attribute values a reply sends before they are asked for
KEPT_AT_MOST = 48           # attributes the test side keeps: each is checked after every request
AHEAD_DEPTH = 3             # net.layers -> layer.linear -> linear.weight: attributes sent ahead


class TestCodeError(Exception):
    """The test's own code, called by student code, failed (its details stay on the test side)."""


class _NotData(Exception):
    pass


class TestObject:
    """An object of the test process handed to student code (a stand-in network, a callback):
    student code may read its public attributes and call its public methods, over the line."""

    __slots__ = ("_bpl_server", "_bpl_id", "__weakref__")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._bpl_server.callback("getattr", self._bpl_id, name=name)

    def __setattr__(self, name, value):
        self._bpl_server.callback("setattr", self._bpl_id, name=name, args=value)

    def __call__(self, *args, **kwargs):
        return self._bpl_server.callback("call", self._bpl_id, args=(args, kwargs))

    def __copy__(self):
        return self._bpl_server.callback("copy", self._bpl_id)

    def __deepcopy__(self, memo):
        return self._bpl_server.callback("deepcopy", self._bpl_id)

    def __reduce_ex__(self, protocol):
        raise TypeError("an object of the test cannot be pickled")

    def __repr__(self):
        return "<an object of the test>"


class _Context:
    """What one request needs: references the test side understands (the cell's, and those of
    this request's pickle), classes it must learn, and what the request received (held until
    its reply says what became of it)."""

    def __init__(self, server):
        self.server, self.refs, self.new_classes, self.received = server, {}, {}, []
        self.keep = False  # the test side may keep the attribute it read or set

    def name_of(self, value):
        ref = self.refs.get(id(value))
        return ref if ref is not None else self.server.name_of(value)


class _Tracked:
    """An array or tensor both sides know, held weakly: once student code lets go of it, the
    test side is told to stop watching it."""

    __slots__ = ("ref", "contents", "grad")

    def __init__(self, server, key, obj):
        self.ref = weakref.ref(obj, lambda _: server.dead.append(key))
        self.note(obj)

    def note(self, obj):
        self.contents, self.grad = wire.array_bytes(obj), _grad_bytes(obj)


class StudentServer:
    def __init__(self, kernel, sock, cell_timeout: float, output_bytes: int, integrity=None):
        self.kernel, self.sock = kernel, sock
        self.cell_timeout, self.output_bytes, self.integrity = cell_timeout, output_bytes, integrity
        self.handles, self.handle_ids = {}, {}       # handle -> object, id(object) -> handle
        self.class_ids, self.classes = {}, []        # id(class) -> class id; the classes, kept alive
        self.locked_classes = set()                  # ids of classes that locked cells defined
        self.locked_names = set()                    # names locked cells bound: the test side has its own
        self.counter = itertools.count(1)
        self.cell = None
        self.tracked = {}                            # ("t"|"s", n) -> _Tracked
        self.test_objects = {}                       # n -> TestObject
        self.known = {}                              # id() of those -> their name, for the test side
        self.dead = []                               # tracked arrays student code let go of
        self.sent_names = {}                         # name -> what was last sent for it
        self.kept = {}                               # (handle, name) -> value the test side keeps for it

    # -------------------------------------------------------------- the loop's entry points

    def after_locked_cell(self, namespace_before: dict) -> None:
        """Remember the names a locked cell bound (the test side ran it too and keeps its own) and
        the classes it defined (their instances pass the tests' isinstance)."""
        for name, value in self.kernel.namespace.items():
            if namespace_before.get(name) is not value:
                self.locked_names.add(name)
                if isinstance(value, type):
                    self.locked_classes.add(id(value))
                    self.classes.append(value)

    def serve_one(self) -> None:
        """Read one request from the test process and reply to it."""
        header, buffers = wire.receive(self.sock, limit=1 << 40)
        if "answer" in header:
            raise wire.WireError("an answer to a question never asked")
        self.handle(header, buffers)

    def handle(self, header, buffers):
        if header.get("cell") != self.cell:
            self.cell, self.tracked, self.test_objects, self.known = header.get("cell"), {}, {}, {}
            self.kept = {}
        self._forget(header)
        context = _Context(self)
        reply = {"seq": header.get("seq")}
        previous_outputs, outputs = self.kernel.outputs, CellOutputs(self.output_bytes)
        self.kernel.outputs = outputs
        encoder = self._encoder(context)
        outer_alarm = signal.setitimer(signal.ITIMER_REAL, self.cell_timeout)[0]
        try:
            self._sync(header.get("sync", ()), buffers)
            with _torch_modes(bool(header.get("grad", True)), bool(header.get("inference", False))), \
                    _autograd_refused(header.get("no_autograd")):
                if header.get("op") == "names":
                    with _Quiet():
                        reply["value"] = self._names(encoder, context, bool(header.get("check")))
                        reply["arrays"] = self._changed_arrays(encoder)
                else:
                    value, nodes = self._run(header, buffers, context)
                    with _Quiet():
                        reply["value"] = encoder.value(value)
                        reply["nodes"] = self._changed_nodes(nodes, encoder, context)
                        reply["stale"], reply["ahead"] = self._refresh(value, encoder)
                        reply["arrays"] = self._changed_arrays(encoder)
                    if context.keep:
                        reply["keep"] = True
            context.received.clear()
            reply["forgotten"] = self._bury()
        except BaseException as error:  # noqa: B036 - whatever student code raised goes back to the test
            reply.pop("value", None)
            reply.pop("ahead", None)
            reply["error"] = _describe(error)
        finally:
            signal.setitimer(signal.ITIMER_REAL, outer_alarm)
            self.kernel.outputs = previous_outputs
        # checked again last: a finalizer of student code the collector ran since may have rebound one
        reply["stale"] = reply.get("stale", []) + self._stale()
        reply["out"] = [item for item in outputs.items if item["output_type"] in ("stream", "display_data")]
        if outputs.truncated:
            reply["cut"] = True
        reply["classes"] = context.new_classes
        wire.send(self.sock, {key: value for key, value in reply.items() if value != []},  # (the test side reads [] for absent)
                  encoder.buffers, default=repr)

    # -------------------------------------------------------------- requests

    def _run(self, header, buffers, context):
        op, nodes, args = header.get("op"), [], ()
        if "payload" in header:
            args, memo = wire.loads(buffers[header["payload"]],
                                    lambda pid: self._persistent_load(pid, buffers, context))
            nodes = self._watch(memo, context)
        if op == "sync":  # nothing but the test's changes to arrays, written in by handle
            return None, nodes
        target = self.handles[header["h"]]
        if op in ("call", "each"):
            function = getattr(target, header["attr"]) if "attr" in header else target
            if op == "each":  # the same function at many points (gradcheck.evaluate_each)
                return evaluate_here(function, *args), nodes
            positional, keywords = args
            return function(*positional, **keywords), nodes
        if op == "getattr":
            value = getattr(target, header["name"])
            self._keep(header, value, context)
            return value, nodes
        if op == "setattr":
            setattr(target, header["name"], args)
            self._keep(header, args, context)
            return None, nodes
        if op == "delattr":
            delattr(target, header["name"])
            return None, nodes
        return _operator(header.get("name"), target, args), nodes

    def _names(self, encoder, context, check):
        """The notebook variables bound or changed since the last request, as data or handles
        (large arrays as handles); the names deleted; and what the integrity check found, if asked."""
        namespace, names = self.kernel.namespace, {}
        gone = [name for name in self.sent_names if name not in namespace]
        for name in gone:
            del self.sent_names[name]
        for name, value in list(namespace.items()):
            if name.startswith("_") or name in SYSTEM_NAMES or name in self.locked_names:
                continue
            previous = self.sent_names.get(name)
            if previous is not None and previous[0] is value and not _mutable_data(value):
                continue
            as_data = _data_size(value) <= NAME_DATA_BYTES
            probe = wire.DataEncoder(lambda value: None, lambda v: self._handle(v, context))
            node = probe.value(value) if as_data else self._handle(value, context)
            if previous is not None and previous[1:] == (node, probe.buffers):
                continue
            self.sent_names[name] = (value, node, probe.buffers)
            names[name] = encoder.value(value, depth=2) if as_data else node  # 2: inside the reply's two dicts
        tampered = [str(change) for change in self.integrity()] if check and self.integrity else []
        return {"$": "dict", "k": ["names", "gone", "tampered"],
                "v": [{"$": "dict", "k": list(names), "v": list(names.values())},
                      encoder.value(gone), encoder.value(tampered)]}

    # -------------------------------------------------------------- attributes the test side keeps

    def _keep(self, header, value, context):
        """Let the test side keep `value`, what `header`'s attribute now holds, until told it is
        stale: when it is a plain attribute (no property or other code in the way) holding a
        number, a string, an array (kept in step both ways), an object (a handle) or a list or
        tuple of these (compared item by item)."""
        key, target = (header["h"], header["name"]), self.handles.get(header["h"])
        shape = _shallow(value)
        if shape is _ABSENT or _stored_attribute(target, header["name"]) is not value:
            return
        self.kept[key] = (value, shape)
        context.keep = True

    def _refresh(self, value, encoder):
        """The kept attributes student code rebound ([[handle, name] ...]), and attribute values
        sent before the test side asks ([[handle, name, value] ...]), to keep as if read: the new
        values of those, and the plain attributes of an object this reply hands over, down to
        the objects it holds (a test reads `net.layers[0].linear.weight` next: one request for
        each step otherwise)."""
        stale = self._stale()
        wanted = [(hid, name, AHEAD_DEPTH) for hid, name in stale]
        owner = self.handle_ids.get(id(value))
        if owner is not None:
            wanted += [(owner, name, 1) for name in _plain_attribute_names(value)]
        ahead, budget = [], SENT_AHEAD_BYTES
        while wanted and len(self.kept) < KEPT_AT_MOST:
            hid, name, depth = wanted.pop(0)
            attribute = _stored_attribute(self.handles.get(hid), name)
            size = sum(map(_data_size, attribute)) if type(attribute) in (list, tuple) else _data_size(attribute)
            if (hid, name) in self.kept or not _sent_ahead(attribute) or size > budget:
                continue
            budget -= size
            ahead.append([hid, name, encoder.value(attribute, depth=2)])  # 2: inside the reply's list
            self.kept[(hid, name)] = (attribute, _shallow(attribute))
            if depth < AHEAD_DEPTH:
                for item in attribute if isinstance(attribute, (list, tuple)) else (attribute,):
                    inner = self.handle_ids.get(id(item))
                    if inner is not None:
                        wanted += [(inner, name, depth + 1) for name in _plain_attribute_names(item)]
        return [list(key) for key in stale], ahead

    def _stale(self):
        """[[handle, name] ...] the test side keeps whose attribute student code rebound since."""
        stale = []
        for key, (value, shape) in self.kept.items():
            now = _stored_attribute(self.handles.get(key[0]), key[1])
            if now is not value or _shallow(now) != shape:
                stale.append(key)
        for key in stale:
            del self.kept[key]
        return [list(key) for key in stale]

    # -------------------------------------------------------------- calling the test's objects

    def callback(self, op, rid, name=None, args=None):
        """Ask the test process to read an attribute of, set one on, or call one of its objects."""
        context = _Context(self)
        encoder = self._encoder(context)
        cseq = next(self.counter)
        context.received.append(args)
        header = {"callback": cseq, "op": op, "r": rid, "name": name, "args": encoder.value(args),
                  "arrays": self._changed_arrays(encoder), "classes": context.new_classes}
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        try:
            wire.send(self.sock, header, encoder.buffers, default=repr)
            while True:
                answer, buffers = wire.receive(self.sock, limit=1 << 40)
                if answer.get("answer") == cseq:
                    break
                self.handle(answer, buffers)  # the test's code asked something of student code meanwhile
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        self._sync(answer.get("sync", ()), buffers)
        if "error" in answer:
            raise TestCodeError(str(answer["error"]))
        value, _ = wire.loads(buffers[answer["payload"]], lambda pid: self._persistent_load(pid, buffers, context))
        return value

    # -------------------------------------------------------------- handles

    def _encoder(self, context):
        return wire.DataEncoder(context.name_of, lambda value: self._handle(value, context),
                                track=lambda value: self._track_new(value, context))

    def name_of(self, value):
        """The name the test side knows `value` by, if it is a live tracked array or a test object."""
        key = self.known.get(id(value))
        if key is None:
            return None
        if key[0] == "r" or (tuple(key) in self.tracked and self.tracked[tuple(key)].ref() is value):
            return key
        return None

    def _bury(self):
        """The tracked arrays student code let go of, forgotten here; the test side is told."""
        buried, self.dead = self.dead, []
        for key in buried:
            entry = self.tracked.get(key)
            if entry is not None and entry.ref() is None:
                del self.tracked[key]
        return [list(key) for key in buried]

    def _handle(self, value, context):
        hid = self.handle_ids.get(id(value))
        if hid is None:
            hid = next(self.counter)
            self.handles[hid], self.handle_ids[id(value)] = value, hid
        cls = type(value)
        cid = self.class_ids.get(id(cls))
        if cid is None:
            cid = self.class_ids[id(cls)] = next(self.counter)
            self.classes.append(cls)
            locked = next((c.__name__ for c in cls.__mro__ if id(c) in self.locked_classes), None)
            methods = sorted({name for c in cls.__mro__[:-1] for name, member in vars(c).items()
                              if isinstance(member, types.FunctionType)})
            context.new_classes[str(cid)] = {"name": str(cls.__name__), "locked": locked, "methods": methods}
        return {"$": "h", "h": hid, "c": cid, "f": callable(value)}

    def _track_new(self, value, context):
        sid = next(self.counter)
        self.tracked[("s", sid)] = _Tracked(self, ("s", sid), value)
        self.known[id(value)] = ["s", sid]
        context.received.append(value)  # alive at least until the reply is written
        return sid

    def _forget(self, header):
        for hid in header.get("release", ()):
            self.handle_ids.pop(id(self.handles.pop(hid, None)), None)

    # -------------------------------------------------------------- what the test process sent

    def _persistent_load(self, pid, buffers, context):
        """The student-side object for a reference in the test's pickle (known to `context`:
        returned, it goes back as the test's own object)."""
        obj = self._resolve(pid, buffers)
        if pid[0] in ("nd", "pt", "r"):
            self.known[id(obj)] = list(pid[1]) if pid[0] != "r" else ["r", pid[1]]
            context.received.append(obj)  # changes student code makes to it are reported after the call
        return obj

    def _resolve(self, pid, buffers):
        kind = pid[0]
        if kind in ("nd", "pt"):
            return self._receive_array(pid, buffers)
        if kind == "h":
            return self.handles[pid[1]]
        if kind == "m":
            return getattr(self.handles[pid[1]], pid[2])
        if kind == "r":
            obj = self.test_objects.get(pid[1])
            if obj is None:
                obj = self.test_objects[pid[1]] = TestObject.__new__(TestObject)
                object.__setattr__(obj, "_bpl_server", self)
                object.__setattr__(obj, "_bpl_id", pid[1])
            return obj
        raise wire.WireError(f"unknown reference {kind!r}")

    def _receive_array(self, pid, buffers):
        """The student-side array (or tensor) for one the test process sent: the same object all
        through a test cell, its contents updated in place when the test changed them."""
        kind, key, index, dtype, shape = pid[:5]
        key = tuple(key)
        array = np.frombuffer(buffers[index], dtype=np.dtype(dtype)).reshape(shape)
        entry = self.tracked.get(key)
        target = entry.ref() if entry is not None else None
        if target is None or not wire.write_into(target, array.copy()):
            target = array.copy()
            if kind == "pt":
                target = torch.from_numpy(target).to(wire.TORCH_DTYPES[pid[5]])
                target = torch.nn.Parameter(target, requires_grad=pid[6]) if pid[7] else target.requires_grad_(pid[6])
            self.tracked[key] = _Tracked(self, key, target)
        self.tracked[key].note(target)
        return target

    def _sync(self, changes, buffers):
        """Arrays the test process changed in place since it last sent or received them."""
        for key, index, dtype, shape in changes:
            entry = self.tracked.get(tuple(key))
            if entry is not None and entry.ref() is not None:
                self._receive_array(("nd", key, index, dtype, shape), buffers)

    def _watch(self, memo, context):
        """Containers and objects the test process sent (by their pickle memo index), with what
        they held, to tell afterwards which ones student code changed."""
        nodes = []
        for index, obj in memo.items():
            if type(obj) in _IMMUTABLE:
                continue
            if context.name_of(obj) is None:
                context.refs[id(obj)] = ["m", index]
            state = _state(obj)
            if state is not None:
                nodes.append((index, obj, _signature(obj, state)))
        return nodes

    def _changed_arrays(self, encoder):
        """[[key, {"v": contents, "grad": ...}] ...] for the tracked arrays changed in place here."""
        contents_only = wire.DataEncoder(lambda value: None, _refuse)
        contents_only.buffers = encoder.buffers
        changed = []
        for key, entry in list(self.tracked.items()):
            target = entry.ref()
            if target is None:
                continue
            now, now_grad = wire.array_bytes(target), _grad_bytes(target)
            if now != entry.contents or now_grad != entry.grad:
                entry.contents, entry.grad = now, now_grad
                plain = target.detach().clone() if isinstance(target, torch.Tensor) else np.array(target)
                node = {"v": contents_only.value(plain)}
                if isinstance(target, torch.Tensor) and target.is_leaf and target.grad is not None:
                    node["grad"] = contents_only.tensor(target.grad)
                changed.append([list(key), node])
        return changed

    def _changed_nodes(self, nodes, encoder, context):
        """[[memo index, [[key, value] ...]] ...] for the containers and objects the test process
        sent whose contents student code rebound. Values that are not data (student objects) are
        marked "keep": the test's objects never receive a handle to student code."""
        data_only = wire.DataEncoder(context.name_of, _refuse, track=encoder.track)
        data_only.buffers = encoder.buffers
        changed = []
        for index, obj, signature in nodes:
            state = _state(obj)
            if state is None or _signature(obj, state) == signature:
                continue
            pairs = []
            for key, value in (state.items() if isinstance(state, dict) else enumerate(state)):
                try:
                    key_node = data_only.value(key)
                except _NotData:
                    continue  # a key the test process could not hold
                try:
                    pairs.append([key_node, data_only.value(value)])
                except _NotData:
                    pairs.append([key_node, {"$": "keep"}])
            changed.append([index, pairs])
        return changed


def _operator(name, target, args):
    if name in ("repr", "str"):
        text = repr(target) if name == "repr" else str(target)
        return str(text)[:MAX_REPR]
    if name == "len":
        return int(len(target))
    if name == "list":
        return list(itertools.islice(iter(target), wire.MAX_ITEMS))
    if name == "bool":
        return bool(target)
    if name == "getitem":
        return target[args]
    if name == "setitem":
        target[args[0]] = args[1]
        return None
    if name == "delitem":
        del target[args]
        return None
    if name == "contains":
        return bool(args in target)
    if name == "isinstance":
        return bool(isinstance(args, target))
    if name == "issubclass":
        return bool(isinstance(args, type) and issubclass(args, target))
    if name == "copy":
        return copy.copy(target)
    if name == "deepcopy":
        return copy.deepcopy(target)
    raise TypeError(f"the grader has no operation {name!r}")


def _refuse(value):
    raise _NotData


_ABSENT = object()
_IMMUTABLE = {int, float, complex, bool, str, bytes, tuple, type(None)}


def _shallow(value):
    """What must stay the same for a kept attribute value: nothing for a number, string,
    array or object; the identity of each item for a list or tuple of those; _ABSENT for
    anything else (dicts, sets, nested containers), which is never kept."""
    if isinstance(value, (list, tuple)):
        if any(isinstance(item, (list, tuple, dict, set)) for item in value):
            return _ABSENT
        return [id(item) for item in value]
    return _ABSENT if isinstance(value, (dict, set)) else None


def _plain_attribute_names(obj):
    """The public names in an object's own storage (what `vars` shows), if it has one."""
    try:
        return [name for name in object.__getattribute__(obj, "__dict__")
                if isinstance(name, str) and not name.startswith("_")]
    except Exception:  # noqa: BLE001 - no storage, or one that hides itself: nothing sent ahead
        return []


def _sent_ahead(value, in_list=False):
    """Whether an attribute value may be sent before it is asked for: a number, a short string,
    a numeric array or tensor, an object of a class a notebook cell defined (as a handle), or a
    short list or tuple of these."""
    if type(value) in (list, tuple) and not in_list:
        return len(value) <= 16 and all(_sent_ahead(item, in_list=True) for item in value)
    if type(value) in (int, float, bool, type(None)) or (type(value) is str and len(value) <= 1000):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.str in wire.NUMPY_DTYPES
    if isinstance(value, torch.Tensor):
        return wire.plain_tensor(value)
    return vars(type(value)).get("__module__") == "__main__"


def _stored_attribute(obj, name):
    """What `obj.<name>` reads when it is a plain attribute: the value in the object's own
    storage (its __dict__, or a torch module's parameters, buffers and submodules), found
    without running code of its class; _ABSENT otherwise."""
    cls = type(obj)
    try:
        if cls.__getattribute__ is not object.__getattribute__:
            return _ABSENT
        for klass in cls.__mro__:
            member = vars(klass).get(name, _ABSENT)
            if member is not _ABSENT:
                if hasattr(type(member), "__set__") or hasattr(type(member), "__delete__"):
                    return _ABSENT  # a property or slot: code decides what is read
                break
        storage = object.__getattribute__(obj, "__dict__")
        if name in storage:
            return storage[name]
        if member is _ABSENT and isinstance(obj, torch.nn.Module) and cls.__getattr__ is torch.nn.Module.__getattr__:
            for part in ("_parameters", "_buffers", "_modules"):
                if name in storage.get(part, ()):
                    return storage[part][name]
    except Exception:  # noqa: BLE001 - an object that hides its storage is asked every time
        pass
    return _ABSENT


def _state(obj):
    """What of an object the test sent student code may change: a container's items, an
    object's attributes, a random generator's state (initialisers draw from the test's `rng`)."""
    if isinstance(obj, (dict, list)):
        return obj
    if isinstance(obj, np.random.Generator):
        return {"state": obj.bit_generator.state}
    if isinstance(obj, np.random.RandomState):
        return {"state": obj.get_state(legacy=False)}
    if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType,
                        str, bytes, tuple, TestObject)):
        return None
    return getattr(obj, "__dict__", None)


def _signature(obj, state):
    """What to compare to tell that student code rebound something in `state` (a generator's
    state is rebuilt on every read: its values are compared)."""
    if isinstance(obj, (np.random.Generator, np.random.RandomState)):
        return repr(state)
    items = state.items() if isinstance(state, dict) else enumerate(state)
    return [(key, id(value)) for key, value in items]


def _grad_bytes(target):
    if isinstance(target, torch.Tensor) and target.is_leaf and target.grad is not None:
        return wire.array_bytes(target.grad)[0]
    return None


def _autograd_refused(name):
    """checks.autograd_refused while the test side calls under call_without_autograd."""
    return contextlib.nullcontext() if name is None else autograd_refused(str(name)[:200])


def _torch_modes(grad, inference):
    """torch's grad and inference modes as the test side had them (entered only where they differ:
    entering costs more than the rest of a small request)."""
    if torch.is_grad_enabled() == grad and torch.is_inference_mode_enabled() == inference:
        return contextlib.nullcontext()
    modes = contextlib.ExitStack()
    modes.enter_context(torch.set_grad_enabled(grad))
    modes.enter_context(torch.inference_mode(inference))
    return modes


class _Quiet:
    """The server's own bookkeeping prints nothing (a warning would be stderr in the test cell):
    warnings.catch_warnings with "ignore", without its copy of the filters (twice per request)."""

    IGNORE_ALL = ("ignore", None, Warning, None, 0)

    def __enter__(self):
        self.filters, warnings.filters = warnings.filters, [self.IGNORE_ALL]
        warnings._filters_mutated()

    def __exit__(self, *exception):
        warnings.filters = self.filters
        warnings._filters_mutated()


def _mutable_data(value):
    return isinstance(value, (list, dict, tuple, np.ndarray, torch.Tensor))


def _data_size(value):
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, torch.Tensor):
        return value.element_size() * value.nelement()
    return 0


def _describe(error):
    try:
        message = str(error)[:4000]
    except Exception:  # noqa: BLE001 - a student exception whose str() fails
        message = "(its message could not be read)"
    return {"type": str(type(error).__name__)[:100], "message": message}
