"""grading/guard.py: each kind of tampering, made alone in a process of its own, is named by the
snapshot's comparison; an untouched process shows none.

The guard is defence in depth (the tests run in another process); these tests check that each of
its checks sees what it is there to see, without grading a notebook.
"""
import sys
import threading
import time

import pytest

from backprop_lab.grading import forked


def _replace_numpy_function(kernel):
    import numpy
    numpy.allclose = lambda *args, **kwargs: True


def _recode_a_check(kernel):
    from backprop_lab import checks
    checks.assert_close.__code__ = (lambda *args, **kwargs: None).__code__


def _replace_a_module(kernel):
    import types
    sys.modules["numpy.linalg"] = types.ModuleType("numpy.linalg")


def _patch_tensor(kernel):
    import torch
    torch.Tensor.__eq__ = lambda self, other: True


def _patch_the_shell(kernel):
    kernel.shell.run_cell = lambda *args, **kwargs: None


def _replace_excepthook(kernel):
    sys.excepthook = lambda *args: None


def _install_a_trace(kernel):
    sys.settrace(lambda *args: None)


def _add_an_input_transformer(kernel):
    kernel.shell.input_transformers_post.append(lambda lines: lines)


def _start_a_thread(kernel):
    threading.Thread(target=time.sleep, args=(5,), daemon=True).start()


def _replace_the_shared_code(kernel):
    type(kernel.shell.compile).codes = {}


def _replace_a_builtin(kernel):
    import builtins
    builtins.len = lambda obj: 0


TAMPERS = {
    "a numpy function replaced": (_replace_numpy_function, "numpy.allclose was replaced or deleted"),
    "a check given new code": (_recode_a_check, "the code of backprop_lab.checks.assert_close was changed"),
    "a module replaced in sys.modules": (_replace_a_module, "sys.modules['numpy.linalg'] was replaced"),
    "a class patched": (_patch_tensor, "the class torch.Tensor was modified"),
    "the shell patched": (_patch_the_shell, "the IPython shell was modified"),
    "an interpreter hook replaced": (_replace_excepthook, "sys.excepthook was replaced"),
    "a trace function": (_install_a_trace, "a trace or profile function was installed"),
    "an input transformer": (_add_an_input_transformer, "IPython's input transformers were changed"),
    "a background thread": (_start_a_thread, "a background thread is running"),
    "a builtin replaced": (_replace_a_builtin, "builtins.len was replaced or deleted"),
    "the shared cells' code replaced": (_replace_the_shared_code, "the class backprop_lab.grading.kernel._Compiler was modified"),
}


def _changes_after_each_tamper():
    """{tamper: what the guard found}: one snapshot, then each tamper in a fork of its own."""
    from backprop_lab.grading import execute, guard

    kernel = execute.warm_up()
    snapshot = guard.Snapshot(kernel)
    found = {"untouched": forked.start(lambda: snapshot.changes({}))()}
    for name, (tamper, _) in TAMPERS.items():
        def tampered(tamper=tamper):
            tamper(kernel)
            return snapshot.changes({})
        found[name] = forked.start(tampered)()
    found["untouched, by the fingerprint"] = forked.start(lambda: (snapshot.changes({}), snapshot.changed == set()))()

    def changed_then_tampered():
        import numpy
        numpy.added_after_the_snapshot = 1  # a new name: not tampering, but the fingerprint changes
        first = (snapshot.changes({}), snapshot.changed == set())
        second = (snapshot.changes({}), snapshot.changed == set())  # the fingerprint was taken again
        _recode_a_check(kernel)
        return [first, second, snapshot.changes({})]
    found["a change that is not tampering, then a tamper"] = forked.start(changed_then_tampered)()
    snapshot.remember_bindings({"np": sys.modules["numpy"]})
    found["a locked cell's name rebound"] = snapshot.changes({"np": "not numpy"})
    guard.WATCHED_MODULES.append("no_such_module_anywhere")  # in this fork only
    try:
        guard.Snapshot(kernel)
        found["a watched module missing"] = "no error"
    except ModuleNotFoundError as error:
        found["a watched module missing"] = type(error).__name__
    return found


@pytest.fixture(scope="module")
def found():
    return forked.start(_changes_after_each_tamper)()


def test_an_untouched_process_shows_no_change(found):
    assert found["untouched"] == []


@pytest.mark.parametrize("name", list(TAMPERS))
def test_each_tamper_is_named(found, name):
    assert TAMPERS[name][1] in found[name], found[name]


def test_an_untouched_process_is_told_apart_by_the_fingerprint(found):
    """The check reads words by address instead of touching every watched object (guard.Fingerprint)."""
    assert found["untouched, by the fingerprint"] == [[], True]


def test_the_fingerprint_is_taken_again_after_a_change_that_is_not_tampering(found):
    first, second, after_tamper = found["a change that is not tampering, then a tamper"]
    assert first == [[], False] and second == [[], True]
    assert after_tamper == ["the code of backprop_lab.checks.assert_close was changed"]


def test_a_locked_cells_name_rebound_is_named(found):
    assert found["a locked cell's name rebound"] == ["the name 'np' (set by a locked cell) was rebound"]


def test_a_missing_watched_module_is_an_error(found):
    assert found["a watched module missing"] == "ModuleNotFoundError"


def test_the_fingerprint_sees_a_dict_change_and_always_compares_a_namespace_without_a_dict():
    import types

    from backprop_lab.grading import guard

    def function(a=1):
        return a
    namespace = {"f": function, "n": 1}
    seen, view = guard._Seen(namespace), guard._Seen(types.MappingProxyType({"n": 1}))
    fingerprint = guard.Fingerprint([seen, view])
    assert fingerprint.changed() == {view}
    namespace["n"] = 2
    assert fingerprint.changed() == {seen, view}
    fingerprint.retake()
    function.__defaults__ = (2,)
    assert fingerprint.changed() == {seen, view}
