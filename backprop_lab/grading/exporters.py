"""nbconvert exporters for a class of notebooks, read once per export."""
import nbformat


class ValidatedOnce:
    """nbconvert validates the notebook again after each preprocessor. The grader's notebooks
    were validated when staged, their autograded copy is validated when written, and its steps
    are nbgrader's own: one check per notebook is enough. And nbconvert deep-copies the notebook
    three times before its steps, which no one else holds: it was read for this export alone."""

    def _validate_preprocessor(self, nbc, preprocessor):
        pass

    def from_file(self, file_stream, resources=None, **kw):
        return self.from_notebook_node(_ReadForThisExport(nbformat.read(file_stream, as_version=4)), resources, **kw)


class _ReadForThisExport(nbformat.NotebookNode):
    def __deepcopy__(self, memo):
        return self
