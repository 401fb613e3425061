"""Formulas that read offline: markdown is rendered with its TeX turned into MathML at build
time (latex2mathml), which browsers draw natively. The page then needs no MathJax, no script and
no network. TeX that does not convert stays on the page as TeX, in a <code> element."""
from html import escape

from latex2mathml.converter import convert
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with $...$, $$...$$ and \\begin{env} as MathML."""

    def inline_math(self, body: str) -> str:
        return mathml(body, display="inline")

    def block_math(self, body: str) -> str:
        return mathml(body, display="block")

    def latex_environment(self, name: str, body: str) -> str:
        return mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display="block")


def mathml(tex: str, display: str) -> str:
    """MathML for `tex` (unsanitized: latex2mathml copies \\text{} verbatim), or the TeX itself."""
    try:
        return convert(tex, display=display)
    except Exception:  # noqa: BLE001 - any TeX latex2mathml cannot read is shown as written
        return f'<code class="tex">{escape(tex)}</code>'


def markdown_to_html(source: str, **renderer_options) -> str:
    return MarkdownWithMath(renderer=MathMLRenderer(escape=False, **renderer_options)).render(source)
