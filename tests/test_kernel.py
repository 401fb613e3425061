"""grading/kernel.py: what the grader's in-process kernel records for a cell is what nbformat
accepts and what a Jupyter kernel would have sent (streams, results, display data, errors),
within the output limit. Runs in a forked process: the kernel takes over the streams."""
import nbformat
import pytest

from backprop_lab.grading import forked

CELLS = {
    "prints": "print('to stdout')\nimport sys\nprint('to stderr', file=sys.stderr)",
    "result": "6 * 7",
    "display": "from IPython.display import display, HTML, Markdown\ndisplay(HTML('<b>bold</b>'))\ndisplay(Markdown('*x*'))",
    "figure": "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
    "error": "raise ValueError('a student mistake')",
    "flood": "for i in range(100_000):\n    print('line', i)",
    "silent": "x = 1",
}


def _outputs():
    from backprop_lab.grading import execute

    kernel = execute.warm_up(figures=True)
    kernel.attach()
    recorded = {}
    for name, source in CELLS.items():
        outputs, count, truncated = kernel.run(source, 64 * 1024)
        recorded[name] = {"outputs": outputs, "count": count, "truncated": truncated}
    return recorded


@pytest.fixture(scope="module")
def recorded():
    return forked.start(_outputs)()


@pytest.mark.parametrize("name", list(CELLS))
def test_outputs_are_valid_nbformat(recorded, name):
    cell = nbformat.v4.new_code_cell(CELLS[name], outputs=[nbformat.from_dict(o) for o in recorded[name]["outputs"]],
                                     execution_count=recorded[name]["count"])
    nbformat.validate(nbformat.v4.new_notebook(cells=[cell]))


def test_each_kind_of_output_is_recorded_as_jupyter_would(recorded):
    def kinds(name):
        return [(o["output_type"], o.get("name") or o.get("ename") or sorted(o.get("data", {}))) for o in recorded[name]["outputs"]]

    assert kinds("prints") == [("stream", "stdout"), ("stream", "stderr")]
    assert kinds("result") == [("execute_result", ["text/plain"])]
    assert recorded["result"]["outputs"][0]["data"]["text/plain"] == "42"
    assert [k for k, _ in kinds("display")] == ["display_data", "display_data"]
    assert any("image/png" in data for kind, data in kinds("figure") if kind == "display_data")
    assert kinds("error") == [("error", "ValueError")]
    assert recorded["silent"]["outputs"] == []


def test_output_beyond_the_limit_is_cut_and_said_so(recorded):
    flood = recorded["flood"]
    assert flood["truncated"]
    assert sum(len(o.get("text", "")) for o in flood["outputs"]) <= 64 * 1024
