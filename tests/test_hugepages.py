"""grading/hugepages.py: the warm grader's memory in 2 MiB pages, its contents unchanged."""
import hashlib
import os

import pytest

from backprop_lab.grading import forked, hugepages


def _collapse_a_filled_buffer():
    data = bytearray(os.urandom(1 << 16) * 512)  # 32 MiB of anonymous memory
    before = hashlib.sha256(data).hexdigest()
    collapsed = hugepages.collapse()
    with open("/proc/self/smaps_rollup") as rollup:
        huge = next(int(line.split()[1]) for line in rollup if line.startswith("AnonHugePages:")) * 1024
    return collapsed, huge, hashlib.sha256(data).hexdigest() == before


def test_collapsing_keeps_every_byte_and_gives_huge_pages_where_the_kernel_can():
    collapsed, huge, same = forked.start(_collapse_a_filled_buffer)()
    assert same
    if not collapsed:
        pytest.skip("this kernel does not collapse memory into huge pages (MADV_COLLAPSE, Linux 6.1)")
    assert huge >= 16 << 20, (collapsed, huge)
