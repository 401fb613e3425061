"""The test process's end of the line: proxies for what student cells defined.

In the test process, a name that a student cell bound is either a copy of its data (numbers,
arrays, tensors, containers of these) or a `Proxy`. Calling a proxy, reading or setting one of its
attributes, indexing it, asking its length or its repr sends a request to the student process
(student.py) and waits for data. Pass or fail is decided here, by test code that never shares a
process with student code.

Semantics the tests rely on are kept across the line: an array (or tensor, or model) handed to
student code and changed there comes back changed, within the test cell; a returned argument is
the test's own object; an exception raised by student code is raised here with its type name and
message; what student code prints shows in the test cell's output; torch's grad mode and inference
mode hold on the student side during the call.
"""
import _signal  # signal.pthread_sigmask without its conversion of the masks to enums (twice per request)
import builtins
import copy
import functools
import select
import signal
import time
import types
import weakref

import numpy as np
import torch

from .. import checks, gradcheck
from . import wire
from .kernel import BUILTIN_ERRORS, GRADER_ERRORS, TIMED_OUT, TIMEOUT_ERROR, CellTimeoutError, StudentCodeError

READ_TIMEOUT = 30.0      # seconds to read the rest of a reply once it has started to arrive
OPEN_DUNDERS = {"__name__", "__qualname__", "__doc__", "__module__", "__dict__"}


class StudentProcessError(Exception):
    """The student process is gone or broke the protocol."""


_NOTHING = object()
_ALARM = {signal.SIGALRM}
_PLAIN = {int, float, complex, bool, str, bytes, tuple, list, dict, type(None)}


class Proxy:
    """A student object, seen from the test process."""

    __slots__ = ("_bpl_remote", "__weakref__")
    _methods = frozenset()

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") and name not in OPEN_DUNDERS:
            raise AttributeError(name)
        if name in type(self)._methods:
            return _Member(self, name)
        return _ask(self, "getattr", name=name)

    def __setattr__(self, name, value):
        _ask(self, "setattr", value, name=name)

    def __delattr__(self, name):
        _ask(self, "delattr", name=name)

    def __call__(self, *args, **kwargs):
        return _ask(self, "call", (args, kwargs))

    def __repr__(self):
        return _text(_ask(self, "op", name="repr"))

    def __str__(self):
        return _text(_ask(self, "op", name="str"))

    def __format__(self, spec):
        return format(str(self), spec)

    def __len__(self):
        length = _ask(self, "op", name="len")
        if type(length) is not int or length < 0:
            raise StudentProcessError("len() of a student object must be a non-negative int")
        return length

    def __iter__(self):
        items = _ask(self, "op", name="list")
        if not isinstance(items, list):
            raise StudentProcessError("iterating a student object must give a list")
        return iter(items)

    def __bool__(self):
        return _ask(self, "op", name="bool") is True

    def __getitem__(self, key):
        return _ask(self, "op", key, name="getitem")

    def __setitem__(self, key, value):
        _ask(self, "op", (key, value), name="setitem")

    def __delitem__(self, key):
        _ask(self, "op", key, name="delitem")

    def __contains__(self, item):
        return _ask(self, "op", item, name="contains") is True

    def __instancecheck__(self, instance):
        if isinstance(instance, (Proxy, _Member)):
            return _ask(self, "op", instance, name="isinstance") is True
        return any(vars(cls).get("_bpl_stands_in_for") is self for cls in type(instance).__mro__)

    def __subclasscheck__(self, cls):
        return isinstance(cls, Proxy) and _ask(self, "op", cls, name="issubclass") is True

    def __mro_entries__(self, bases):
        """A test class may name a student class as its base to stand in for it (a correct
        network handed to the student's training loop): it inherits nothing from it, and its
        instances count as instances of it."""
        return (type(_text(self.__name__), (), {"_bpl_stands_in_for": self}),)

    def __copy__(self):
        return _ask(self, "op", name="copy")

    def __deepcopy__(self, memo):
        return _ask(self, "op", name="deepcopy")


class _Member:
    """`proxy.name` for a method of the student object's class: calling it costs one request."""

    __slots__ = ("owner", "name")

    def __init__(self, owner, name):
        self.owner, self.name = owner, name

    def __call__(self, *args, **kwargs):
        return _ask(self.owner, "call", (args, kwargs), attr=self.name)

    def __getattr__(self, attr):
        if attr == "__name__":
            return self.name
        return getattr(_ask(self.owner, "getattr", name=self.name), attr)

    def __repr__(self):
        return f"<method {self.name} of {self.owner!r}>"


def _ask(proxy, op, payload=_NOTHING, **fields):
    process, hid = object.__getattribute__(proxy, "_bpl_remote")
    if op == "getattr":
        known = process.attributes.get((hid, fields["name"]), _NOTHING)
        if known is not _NOTHING:
            return list(known) if isinstance(known, list) else known  # a list read is a new list each time
    return process.request(op, payload, h=hid, **fields)


def evaluate_each(f, points: list, args: tuple = (), into=None) -> list:
    """gradcheck.evaluate_each in the test process: a student function or method at every point
    in one request (a finite-difference gradient costs one round trip, not two per element);
    any other function here. `into` must be an array both sides know in this cell (one read from
    a student object): the student process nudges its own."""
    if not isinstance(f, (Proxy, _Member)):
        return gradcheck.evaluate_here(f, points, args, into)
    owner, fields = (f.owner, {"attr": f.name}) if isinstance(f, _Member) else (f, {})
    process = object.__getattribute__(owner, "_bpl_remote")[0]
    if into is not None and id(into) not in process.tid_of:
        raise ValueError("in_place: x must be read from the student's object in this cell")
    values = _ask(owner, "each", (list(points), tuple(args), into), **fields)
    if not isinstance(values, list) or len(values) != len(points):
        raise StudentProcessError("a malformed reply to a call at many points")
    return values


def _text(value):
    if not isinstance(value, str):
        raise StudentProcessError("repr() of a student object must be a string")
    return value


class _Refs:
    """What a reply may refer to: the cell's tracked arrays, the test's objects student code
    holds, and this request's pickled objects (by memo index)."""

    def __init__(self, process, memo):
        self.process, self.memo = process, memo

    def __getitem__(self, key):
        kind = key[0]
        if kind in ("t", "s"):
            return self.process.tracked[key][0]
        if kind == "r":
            return self.process.reverse[key[1]]
        return self.memo[key]

    def __setitem__(self, key, value):
        pass  # an array the student side names: recorded by the tracking callback

    def get(self, key, default=None):
        try:
            return self[key]
        except (KeyError, TypeError, IndexError):
            return default


class StudentProcess:
    """The test process's connection to the notebook's student process."""

    def __init__(self, sock, forward_output, output_cut):
        self.sock, self.forward_output, self.output_cut = sock, forward_output, output_cut
        self.seq, self.cell, self.deadline = 0, 0, None
        self.broken = None                  # why the connection can no longer be used
        self.timed_out = False              # a request outlived its cell's time limit
        self.proxies, self.proxy_classes = {}, {}
        self.released = []
        self.tracked = {}                   # ("t"|"s", n) -> [the test's array or tensor, bytes], this cell
        self.tid_of, self.next_tid = {}, 0
        self.reverse, self.reverse_ids = {}, {}  # n -> an object of the test that student code may call
        self.locked = {}                    # name -> what a locked cell bound it to (the test's own)
        self.attributes = {}                # (handle, name) -> what reading it gave, while the student side says it holds

    def new_cell(self, deadline: float) -> None:
        """A new test (or locked) cell: arrays and objects sent from now on belong to this cell."""
        self.cell += 1
        self.deadline = deadline
        self.tracked, self.tid_of, self.reverse, self.reverse_ids = {}, {}, {}, {}
        self.attributes.clear()

    def end_cell(self) -> None:
        """Write the cell's last changes to arrays both sides know into the student's: the next
        request would have carried them, but the next cell starts with nothing tracked."""
        if not self.broken and any(wire.array_bytes(obj) != last for obj, last in self.tracked.values()):
            self.request("sync")

    def bind_names(self, namespace: dict, owned: set, check: bool) -> list:
        """Bind in `namespace` the names student cells defined (not those the test side owns);
        return what the student side's integrity check found (when `check`)."""
        reply = self.request("names", check=check)
        if not isinstance(reply, dict) or not isinstance(reply.get("names"), dict):
            raise StudentProcessError("a malformed list of names")
        for name, value in reply["names"].items():
            if _student_may_bind(name, owned):
                namespace[name] = value
        for name in reply.get("gone") or ():
            if _student_may_bind(name, owned):
                namespace.pop(name, None)
        return [str(change)[:300] for change in (reply.get("tampered") or ())][:20]

    # -------------------------------------------------------------- one request

    def request(self, op: str, payload=_NOTHING, **fields):
        self.seq += 1
        header = {"op": op, "seq": self.seq, "cell": self.cell, "release": self.released[:],
                  "grad": torch.is_grad_enabled(), "inference": torch.is_inference_mode_enabled(), **fields}
        self.released.clear()
        refused = checks.refusing_autograd()
        if refused is not None:  # call_without_autograd: refused where student code runs too
            header["no_autograd"] = refused
        buffers = []
        header["sync"] = self._changed_arrays(buffers)
        memo = {}
        if payload is not _NOTHING:
            data, memo = wire.dumps(payload, functools.partial(self._persistent_id, buffers=buffers))
            header["payload"] = len(buffers)
            buffers.append(data)
        reply, reply_buffers = self._exchange(header, buffers)
        refs = _Refs(self, {("m", index): obj for index, obj in memo.values()})
        try:
            value = self._outcome(reply, reply_buffers, refs)
        except wire.WireError as error:
            raise StudentProcessError(f"the student process sent a malformed reply ({error})") from None
        if reply.get("keep") is True and op in ("getattr", "setattr"):
            kept = value if op == "getattr" else payload
            self.attributes[(fields["h"], fields["name"])] = list(kept) if isinstance(kept, list) else kept
        return value

    def _outcome(self, reply, buffers, refs):
        for stale in _as_list(reply.get("stale")):
            self.attributes.pop(_hashable_pair(stale), None)
        self._learn(reply)
        for key, node in _as_list(reply.get("arrays")):
            self._update_array(key, node, buffers, refs)
        try:
            if "error" in reply:
                raise _student_exception(reply["error"])
            # in the order the student side wrote them: a later part may refer to an array an
            # earlier one sent
            value = self._decode(reply.get("value"), buffers, refs)
            for index, pairs in _as_list(reply.get("nodes")):
                self._update_node(refs.get(("m", index)), pairs, buffers, refs)
            for entry in _as_list(reply.get("ahead")):  # attributes sent before they are asked for
                if not (isinstance(entry, list) and len(entry) == 3):
                    raise wire.WireError("malformed attribute sent ahead")
                kept = self._decode(entry[2], buffers, refs)
                self.attributes[_hashable_pair(entry[:2])] = list(kept) if isinstance(kept, list) else kept
            return value
        finally:
            self._forget(_as_list(reply.get("forgotten")))

    def _forget(self, keys):
        """Arrays the student side no longer holds: nothing to keep in step any more."""
        for key in keys:
            entry = self.tracked.pop(_key(key), None)
            if entry is not None and self.tid_of.get(id(entry[0])) == _key(key):
                del self.tid_of[id(entry[0])]

    def _learn(self, message):
        """Classes of new handles, and what student code printed, from a student-side message."""
        classes = message.get("classes", {})
        if not isinstance(classes, dict):
            raise wire.WireError("classes")
        for cid, info in classes.items():
            self._register_class(cid, info)
        for output in _as_list(message.get("out")):
            self._forward(output)
        if message.get("cut") is True:  # the student side kept only the cell's share of what was printed
            self.output_cut()

    def _decode(self, node, buffers, refs):
        return wire.decode(node, buffers, refs, self._proxy, self._track_received)

    def _exchange(self, header, buffers):
        """Send a request and wait for its reply, with the cell's time limit (the alarm signal
        is held back meanwhile so that it never cuts a message in half). Student code may call
        the test's objects before it replies: those calls are answered here."""
        held = _signal.pthread_sigmask(signal.SIG_BLOCK, _ALARM)
        try:
            if self.broken:
                raise StudentProcessError(self.broken)
            try:
                self.sock.settimeout(self._remaining())
                wire.send(self.sock, header, buffers)
                while True:
                    self._wait_readable()
                    self.sock.settimeout(READ_TIMEOUT)
                    message, message_buffers = wire.receive(self.sock)
                    if "callback" in message:
                        self._answer(message, message_buffers, held)
                    elif message.get("seq") == header["seq"]:
                        return message, message_buffers
                    # otherwise a late reply to a request whose cell ran out of time: dropped
            except CellTimeoutError:
                self.timed_out = True
                raise
            except (OSError, EOFError, wire.WireError) as error:
                self.broken = f"the student process stopped answering ({type(error).__name__}: {error})"
                raise StudentProcessError(self.broken) from None
        finally:
            _signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def _remaining(self):
        return None if self.deadline is None else max(0.001, self.deadline - time.monotonic())

    def _wait_readable(self):
        while not select.select([self.sock], [], [], self._remaining())[0]:
            if self.deadline is not None and time.monotonic() >= self.deadline:
                raise CellTimeoutError("student code did not finish within the grader's time limit")

    # -------------------------------------------------------------- student code calling the test's objects

    def _answer(self, message, buffers, signals):
        """Run what student code asked of one of the test's objects: read a public attribute,
        set one, or call a function or method that a locked or test cell defined. Anything else
        is refused. The test's errors go back without their details."""
        answer, out = {"answer": message.get("callback")}, []
        self.attributes.clear()  # student code stopped part way: what it holds is not vouched for
        try:
            refs = _Refs(self, {})
            self._learn(message)
            for key, node in _as_list(message.get("arrays")):
                self._update_array(key, node, buffers, refs)
            target, name, op = self.reverse.get(message.get("r")), message.get("name"), message.get("op")
            if target is None:
                raise wire.WireError("no such object of the test")
            args = self._decode(message.get("args"), buffers, refs)
            if op == "getattr":
                value = _public_attribute(target, name)
            elif op == "setattr" and _public_name(name):
                value = setattr(target, name, args)
            elif op in ("copy", "deepcopy"):  # a copy of the test's object, still the test's
                value = (copy.copy if op == "copy" else copy.deepcopy)(target)
                self._reverse(value)
            elif op == "call" and _test_function(target) and isinstance(args, tuple) and len(args) == 2:
                positional, keywords = args
                if not isinstance(positional, tuple) or not isinstance(keywords, dict):
                    raise wire.WireError("malformed call")
                _signal.pthread_sigmask(signal.SIG_SETMASK, signals)  # the test's code keeps the time limit
                try:
                    value = target(*positional, **keywords)
                finally:
                    _signal.pthread_sigmask(signal.SIG_BLOCK, _ALARM)
            else:
                raise PermissionError(f"student code may not {op} this object of the test")
            answer["sync"] = self._changed_arrays(out)
            data, _ = wire.dumps(value, functools.partial(self._answer_id, buffers=out))
            answer["payload"] = len(out)
            out.append(data)
        except Exception as error:  # noqa: BLE001 - reported to student code, without details
            answer, out = {"answer": message.get("callback"),
                           "error": f"the test's code raised {type(error).__name__}"}, []
        wire.send(self.sock, answer, out)

    # -------------------------------------------------------------- what goes to the student side

    def _persistent_id(self, obj, buffers):
        if type(obj) in _PLAIN:  # the pickler asks for every object, the numbers of an id included
            return None
        if isinstance(obj, Proxy):
            return ("h", object.__getattribute__(obj, "_bpl_remote")[1])
        if isinstance(obj, _Member):
            return ("m", object.__getattribute__(obj.owner, "_bpl_remote")[1], obj.name)
        if isinstance(obj, np.ndarray) and obj.dtype.str in wire.NUMPY_DTYPES:
            key, contents, dtype, shape = self._track(obj)
            buffers.append(contents)
            return ("nd", key, len(buffers) - 1, dtype, tuple(shape))  # tuples: nothing the student side watches
        if isinstance(obj, torch.Tensor) and wire.plain_tensor(obj):
            key, contents, dtype, shape = self._track(obj)
            buffers.append(contents)
            return ("pt", key, len(buffers) - 1, dtype, tuple(shape), str(obj.dtype).removeprefix("torch."),
                    bool(obj.requires_grad), isinstance(obj, torch.nn.Parameter))
        if self._test_only(obj):
            return ("r", self._reverse(obj))
        return None

    def _answer_id(self, obj, buffers):
        """What student code gets from the test's objects: data, or the test's objects themselves
        (as handles it may call), so that what it changes through them is changed here."""
        plain = (type(None), bool, int, float, complex, str, bytes, list, tuple, dict)
        if isinstance(obj, (Proxy, _Member, np.ndarray, torch.Tensor)) or type(obj) in plain:
            return self._persistent_id(obj, buffers)
        return ("r", self._reverse(obj))

    def _reverse(self, obj):
        """The number under which student code may call `obj`, an object of the test."""
        rid = self.reverse_ids.get(id(obj))
        if rid is None:
            rid = self.reverse_ids[id(obj)] = len(self.reverse) + 1
            self.reverse[rid] = obj
        return rid

    def _test_only(self, obj):
        """Functions and classes of test cells, and their instances, stay in the test process
        (their names are hidden-test text): the student side gets a handle it may call."""
        definition = obj if isinstance(obj, (type, types.FunctionType, types.MethodType)) else type(obj)
        definition = getattr(definition, "__func__", definition)
        if getattr(definition, "__module__", None) != "__main__":
            return False
        return self.locked.get(getattr(definition, "__name__", None)) is not definition

    def _track(self, obj):
        """Name a test array for this cell (or find the name it has); its contents now."""
        key = self.tid_of.get(id(obj))
        if key is None:
            self.next_tid += 1
            key = ("t", self.next_tid)
            self._watch(key, obj)
        contents, dtype, shape = self.tracked[key][1] = wire.array_bytes(obj)
        return key, contents, dtype, shape

    def _track_received(self, key, obj):
        self._watch(key, obj)
        self.tracked[key][1] = wire.array_bytes(obj)

    def _watch(self, key, obj):
        """Held (so its id stays its own) until the cell ends."""
        self.tracked[key] = [obj, None]
        self.tid_of[id(obj)] = key

    def _changed_arrays(self, buffers):
        """Tracked arrays the test changed since they were last sent or received."""
        changed = []
        for key, (obj, last) in self.tracked.items():
            contents, dtype, shape = now = wire.array_bytes(obj)
            if now != last:
                self.tracked[key][1] = now
                buffers.append(contents)
                changed.append([list(key), len(buffers) - 1, dtype, shape])
        return changed

    # -------------------------------------------------------------- what came back

    def _update_array(self, key, node, buffers, refs):
        entry = self.tracked.get(_key(key))
        if entry is None or not isinstance(node, dict):
            raise wire.WireError("an update of an array the test never sent")
        target = entry[0]
        value = wire.decode(node.get("v"), buffers, refs, _refuse_handle)
        if isinstance(value, (np.ndarray, torch.Tensor)):
            wire.write_into(target, value)
        if isinstance(target, torch.Tensor) and "grad" in node and target.is_leaf:
            grad = wire.decode(node["grad"], buffers, refs, _refuse_handle)
            if isinstance(grad, torch.Tensor) and grad.shape == target.shape:
                target.grad = grad.detach().to(target.dtype)
        entry[1] = wire.array_bytes(target)

    def _update_node(self, obj, pairs, buffers, refs):
        """Student code rebound what a container or object of the test held: rebind it here
        too, keeping what is not data as it was."""
        if obj is None or not isinstance(pairs, list):
            raise wire.WireError("an update of an object the test never sent")
        if isinstance(obj, (np.random.Generator, np.random.RandomState)):
            self._update_random_state(obj, pairs, buffers, refs)
            return
        state = obj if isinstance(obj, (dict, list)) else getattr(obj, "__dict__", None)
        if state is None:
            return
        updated = {}
        for position, pair in enumerate(pairs):
            if not (isinstance(pair, list) and len(pair) == 2):
                raise wire.WireError("malformed update")
            key = position if isinstance(state, list) else self._decode_data(pair[0], buffers, refs)
            if isinstance(pair[1], dict) and pair[1].get("$") == "keep":
                if isinstance(state, list) and key < len(state) or isinstance(state, dict) and key in state:
                    updated[key] = state[key]
                continue
            updated[key] = self._decode_data(pair[1], buffers, refs)
        if isinstance(state, list):
            state[:] = [updated.get(index) for index in range(len(pairs))]
        elif state is not obj and not all(isinstance(key, str) for key in updated):
            raise wire.WireError("attribute names must be strings")
        else:
            state.clear()
            state.update(updated)

    def _update_random_state(self, generator, pairs, buffers, refs):
        """Student code drew from a random generator of the test: draw as far here."""
        state = dict((self._decode_data(key, buffers, refs), self._decode_data(value, buffers, refs))
                     for key, value in pairs).get("state")
        try:
            if isinstance(generator, np.random.Generator):
                generator.bit_generator.state = state
            else:
                generator.set_state(state)
        except (TypeError, ValueError, KeyError):
            raise wire.WireError("a malformed random state") from None

    def _decode_data(self, node, buffers, refs):
        return wire.decode(node, buffers, refs, _refuse_handle, self._track_received)
    def _forward(self, output):
        """Re-emit what student code printed or displayed during the request, checked."""
        if not isinstance(output, dict):
            return
        if output.get("output_type") == "stream" and output.get("name") in ("stdout", "stderr") \
                and isinstance(output.get("text"), str):
            self.forward_output({"output_type": "stream", "name": output["name"], "text": output["text"]})
        elif output.get("output_type") == "display_data":
            data, metadata = output.get("data"), output.get("metadata")
            if isinstance(data, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()) \
                    and isinstance(metadata, dict):
                self.forward_output({"output_type": "display_data", "data": data, "metadata": {}})

    def _register_class(self, cid, info):
        if not (isinstance(info, dict) and isinstance(info.get("name"), str) and isinstance(info.get("methods"), list)):
            raise wire.WireError("malformed class")
        name = info["name"] if info["name"].isidentifier() else "StudentObject"
        namespace = {"__slots__": (), "_methods": frozenset(m for m in info["methods"] if isinstance(m, str))}
        locked = self.locked.get(info.get("locked")) if isinstance(info.get("locked"), str) else None
        if isinstance(locked, type):  # an instance of a class a locked cell defined: isinstance holds
            namespace["__class__"] = property(lambda self, cls=locked: cls)
        self.proxy_classes[str(cid)] = type(name[:100], (Proxy,), namespace)

    def _proxy(self, node):
        hid, cid = node.get("h"), node.get("c")
        if type(hid) is not int or str(cid) not in self.proxy_classes:
            raise wire.WireError("malformed handle")
        known = self.proxies.get(hid)
        proxy = known() if known is not None else None
        if proxy is None:
            cls = self.proxy_classes[str(cid)]
            proxy = cls.__new__(cls)
            object.__setattr__(proxy, "_bpl_remote", (self, hid))
            self.proxies[hid] = weakref.ref(proxy)
            weakref.finalize(proxy, self._release, hid)
        return proxy

    def _release(self, hid):
        self.proxies.pop(hid, None)
        self.released.append(hid)


def _student_may_bind(name, owned):
    """A student cell's name reaches the test cells unless the test side has it already: bound by
    a locked or test cell, or a builtin (a student's `range` or `isinstance` must not stand in
    for the real one in a test)."""
    return (isinstance(name, str) and name.isidentifier() and not name.startswith("_")
            and name not in owned and not hasattr(builtins, name))


def _hashable_pair(pair):
    if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is int and type(pair[1]) is str):
        raise wire.WireError("malformed attribute name")
    return tuple(pair)


def _refuse_handle(node):
    raise wire.WireError("student objects cannot be written into the test's objects")


def _key(key):
    if not (isinstance(key, list) and len(key) == 2 and key[0] in ("t", "s") and type(key[1]) is int):
        raise wire.WireError("malformed array name")
    return tuple(key)


def _public_name(name):
    return isinstance(name, str) and name.isidentifier() and not name.startswith("_")


def _public_attribute(obj, name):
    """An attribute of one of the test's objects that student code may read: one the object
    holds itself, or a method its (locked or test) class defines; never one starting with _."""
    if not _public_name(name):
        raise PermissionError("not a public attribute")
    if name in getattr(obj, "__dict__", {}):
        return vars(obj)[name]
    for cls in type(obj).__mro__:
        member = vars(cls).get(name)
        if isinstance(member, types.FunctionType) and cls.__module__ == "__main__":
            return getattr(obj, name)
    raise AttributeError(name)


def _test_function(target):
    """Only functions and methods that locked or test cells wrote may be called from student code."""
    function = getattr(target, "__func__", target)
    return isinstance(function, types.FunctionType) and function.__module__ == "__main__"


def _as_list(value):
    if value is None:
        return []
    if not isinstance(value, list):
        raise wire.WireError("malformed reply")
    return value


_ERROR_CLASSES = {}


def _student_exception(error):
    """The exception student code raised, rebuilt from its type name and message and marked as
    the student's (kernel.py says so under its traceback: a message that reads like a failed
    check is not one). The time limit's own error keeps the grader's words, and no other student
    error takes the name of one of the grader's: those are shown as they are."""
    if not isinstance(error, dict):
        return StudentProcessError("a malformed error")
    name, message = str(error.get("type", "Exception"))[:100], str(error.get("message", ""))[:4000]
    if name == TIMEOUT_ERROR:
        return CellTimeoutError(TIMED_OUT)
    if name in GRADER_ERRORS or not name.isidentifier():
        name = StudentCodeError.__name__
    exception = None
    cls = BUILTIN_ERRORS.get(name)
    if cls is not None:
        try:
            exception = cls(message)
        except Exception:  # noqa: BLE001 - a builtin error with other constructor arguments
            pass
    if exception is None:
        if name not in _ERROR_CLASSES:
            _ERROR_CLASSES[name] = type(name, (StudentCodeError,), {})
        exception = _ERROR_CLASSES[name](message)
    exception.raised_by_student = True
    return exception

