"""The feedback pages: nbgrader's feedback template rendered by nbconvert, with what a student
must not see withheld and what a submission put on it made inert.

- Hidden tests stay hidden (hidden.py): `WithholdHiddenTests`, a step of nbgrader's
  GenerateFeedback after GetGrades, reads each test cell's source from the gradebook, shows its
  visible part, redacts its outputs and puts the hidden part's checks in the cell's metadata,
  `backprop_lab.hidden_checks` (a list of {description, passed, diagnosis}), which the template
  (templates/backprop_lab_feedback/) lists under the cell: a failed check with its description
  and the likely mistake (backprop_lab.checks), or one generic check.
- Formulas are MathML made at build time (formulas.py): the page loads no script and nothing
  from the network, and its Content-Security-Policy lets nothing run.
- Student HTML (outputs, markdown answers, raw cells) goes through nh3 (safe_html.py).
- A class renders fast (`FeedbackExporter`): each distinct cell is rendered once, code
  highlighted and markdown rendered once per distinct source, and the finished page is not parsed again.
"""
import json
import re
from pathlib import Path

import nbgrader
from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.api import Gradebook
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from traitlets.config import Config

from . import formulas, hidden, safe_html
from .patches import CompiledTemplates, ValidatedOnce, page_not_reparsed, remembered

TEMPLATE = "backprop_lab_feedback"
TEMPLATES = Path(__file__).parent / "templates"
_FORMGRADER = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"


def configure(config) -> None:
    """GenerateFeedback's settings for our pages: the exporter, and hidden tests withheld after
    the grades are read."""
    config.GenerateFeedback.exporter_class = FeedbackExporter
    config.GenerateFeedback.preprocessors = [GetGrades, WithholdHiddenTests, CSSHTMLHeaderPreprocessor]


class WithholdHiddenTests(NbGraderPreprocessor):
    """Each test cell as a student may see it: its visible part, its outputs redacted and the
    checks of its hidden part (hidden.py). The hidden lines are the gradebook's, not markers
    a submission could have changed."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        key = ("source cells", info["db_url"], info["assignment"], info["notebook"])
        sources = remembered(key, lambda: _source_cells(info))
        secrets = remembered(("secret lines", *key), lambda: hidden.secret_lines(list(sources.values())))
        exposed = False  # a hidden part has run: student code has seen its data (hidden.py)
        for cell in nb.cells:
            cell.metadata.pop("backprop_lab", None)  # only this step writes there
            if cell.cell_type != "code":
                continue
            meta = cell.metadata.get("nbgrader", {})
            part = _hidden_part_of(cell, sources)
            if part is None:
                tests = bool(meta.get("grade")) and not meta.get("solution")  # run in the test process
                cell.outputs = hidden.redacted(cell.outputs, secrets, exposed, tests)
                continue
            score, points = meta.get("score"), meta.get("points")
            passed = score is not None and points is not None and float(score) >= float(points)
            checks = hidden.checks_of(meta.get("grade_id", "this cell"), cell, part, passed)
            exposed = exposed or hidden.ran(cell, part, passed)
            cell.outputs = hidden.student_view(cell, part, checks, secrets, exposed)
            cell.source = part.visible_source
            cell.metadata["backprop_lab"] = {"hidden_checks": [vars(check) for check in checks]}
        return nb, resources


def _source_cells(info):
    """{cell name: source} of the notebook's locked and graded cells, as the gradebook has them."""
    with Gradebook(info["db_url"]) as book:
        notebook = book.find_notebook(info["notebook"], info["assignment"])
        return {cell.name: cell.source for cell in notebook.source_cells}


def _hidden_part_of(cell, sources):
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return None  # a student's own code: whatever it contains is theirs
    return hidden.hidden_part(sources.get(meta.get("grade_id"), cell.source))


class PageExporter(HTMLExporter):
    """nbconvert's HTML exporter on our feedback template, whatever the configuration says:
    formulas as MathML, every student-provided fragment sanitized, no script."""

    def __init__(self, config=None, **kwargs):
        ours = Config()
        ours.PageExporter.template_name = TEMPLATE
        ours.PageExporter.extra_template_basedirs = [str(TEMPLATES), str(_FORMGRADER / "templates")]
        # nbgrader's templates folder itself, for our template's {% extends 'feedback/...' %}; and its bootstrap.
        ours.PageExporter.extra_template_paths = [str(_FORMGRADER / "templates"),
                                                  str(_FORMGRADER / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
        ours.PageExporter.sanitize_html = True  # the templates then pass HTML outputs and raw cells to clean_html
        merged = Config(config or {})
        merged.merge(ours)
        super().__init__(config=merged, **kwargs)

    def default_filters(self):
        yield from super().default_filters()
        yield ("clean_html", safe_html.clean)

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        html = formulas.markdown_to_html(source, attachments=cell.get("attachments", {}), embed_images=self.embed_images,
                                         path=path, anchor_link_text=self.anchor_link_text,
                                         exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
        return safe_html.clean(html)


class FeedbackExporter(CompiledTemplates, ValidatedOnce, PageExporter):
    """The page exporter, lighter for a class of near-identical notebooks:
    - each distinct cell is rendered once (most are the release's own or a test every student
      passed), and within the others code is highlighted and markdown rendered once per distinct
      source, not once per student (highlighting was two thirds of a page's time);
    - no BeautifulSoup pass over the finished page. On nbgrader's feedback template (classic
      cells) that pass only gives images without one an alt text: done with a regular expression."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rendered_markdown, self.rendered_cells = {}, {}

    def _create_environment(self):
        environment = super()._create_environment()
        cells = self.rendered_cells
        environment.globals.update(rendered_cell=cells.get, remember_cell=cells.setdefault)
        environment.filters["cell_key"] = self.cell_key
        return environment

    def cell_key(self, cell, resources):
        """What a cell's HTML depends on: all of the cell, and the folder if images are embedded
        (the rest the template reads is this exporter's settings)."""
        path = resources.get("metadata", {}).get("path", "") if self.embed_images else ""
        return json.dumps([cell, path], sort_keys=True)

    def from_notebook_node(self, nb, resources=None, **kw):
        if not isinstance(self.filters.get("highlight_code"), _RememberedHighlight):
            language = nb.metadata.get("language_info", {})
            highlight = Highlight2HTML(pygments_lexer=language.get("pygments_lexer", language.get("name")), parent=self)
            self.filters = {**self.filters, "highlight_code": _RememberedHighlight(highlight)}
        with page_not_reparsed():
            page, resources = super().from_notebook_node(nb, resources, **kw)
        return _IMAGE_WITHOUT_ALT.sub(r'<img alt="No description has been provided for this image"', page), resources

    @pass_context
    def markdown2html(self, context, source):
        # What else the rendering reads: the cell's attachments, and the folder if images are embedded.
        cell, path = context.get("cell", {}), context.get("resources", {}).get("metadata", {}).get("path", "")
        key = (source, json.dumps(cell.get("attachments", {}), sort_keys=True), path if self.embed_images else "")
        if key not in self.rendered_markdown:
            self.rendered_markdown[key] = super().markdown2html(context, source)
        return self.rendered_markdown[key]


class _RememberedHighlight:
    """A highlight_code filter that highlights each distinct cell once. Of a cell's metadata,
    nbconvert's highlighting reads only `magics_language`: the rest (the checks a student passed,
    a grader's comment) would make every student's copy of a cell look new."""

    def __init__(self, highlight):
        self.highlight, self.seen = highlight, {}

    def __call__(self, source, language=None, metadata=None):
        key = (source, language, (metadata or {}).get("magics_language"))
        if key not in self.seen:
            self.seen[key] = self.highlight(source, language, metadata)
        return self.seen[key]


_IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")
