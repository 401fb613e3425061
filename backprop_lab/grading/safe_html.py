"""HTML a submission puts on a page stays inert: every student-provided fragment (HTML outputs,
markdown answers, raw cells) goes through nh3, a maintained allowlist sanitizer (Ammonia), before
it reaches a feedback page. Scripts, event handlers (`onerror=`), styles, forms, frames and
`javascript:` or `data:` links go; text, tables, images and MathML formulas stay."""
import nh3

# MathML presentation markup, as formulas.py renders it (and as a student may write it).
MATHML_TAGS = {"math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup",
               "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd",
               "mstyle", "mpadded", "mphantom", "menclose", "semantics", "annotation"}
MATHML_ATTRIBUTES = {"display", "mathvariant", "stretchy", "fence", "separator", "form", "lspace",
                     "rspace", "accent", "accentunder", "displaystyle", "scriptlevel", "columnalign",
                     "rowspacing", "columnspacing", "width", "height", "depth", "notation", "linethickness",
                     "minsize", "maxsize", "movablelimits", "symmetric", "largeop", "encoding"}
TAGS = nh3.ALLOWED_TAGS | MATHML_TAGS
ATTRIBUTES = {**{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
              **{tag: MATHML_ATTRIBUTES for tag in MATHML_TAGS},
              "*": {"class", "id", "title", "lang", "dir"}}
# data: URLs only as image sources (attachments, embedded plots); a link to one could open a page.
URL_SCHEMES = nh3.ALLOWED_URL_SCHEMES | {"data"}


def clean(html: str | bytes) -> str:
    """The fragment with everything that could run or restyle the page removed."""
    html = html.decode() if isinstance(html, bytes) else str(html)
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     attribute_filter=_no_data_links, clean_content_tags={"script", "style"})


def _no_data_links(tag, attribute, value):
    if attribute == "src" and tag == "img":
        return value
    return None if value.strip().lower().startswith("data:") else value
