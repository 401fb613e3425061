"""grading/sandbox.py through the probe Gradescope runs before grading: on this machine a child
can confine itself (the course hidden, namespaces made), and a machine that refuses namespaces is
reported as one where the sandbox is not available (grading then runs unconfined, and says so)."""
from unittest import mock

from backprop_lab.grading import gradescope, sandbox


def test_a_confined_child_cannot_see_what_is_hidden():
    assert gradescope.sandbox_available() is True


def test_no_namespaces_means_no_sandbox():
    with mock.patch.object(sandbox, "enter_namespaces", side_effect=PermissionError("seccomp")):
        assert gradescope.sandbox_available() is False


def test_confine_refuses_to_run_outside_its_namespaces():
    try:
        sandbox.confine("/tmp", hidden=[], keep=[], memory_bytes=2**30, file_bytes=2**20)
    except sandbox.SandboxError as error:
        assert "process 1" in str(error)
    else:
        raise AssertionError("confine changed this process's mounts")
