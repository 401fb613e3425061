# The Backprop Lab course, as nbgrader sees it. `backprop-lab` reads ASSIGNMENTS too.
c = get_config()  # noqa: F821 (provided by nbgrader's config loader)

# The six assignments, in teaching order: folder source/<name>/ holds <notebook>.ipynb.
ASSIGNMENTS = [
    ("01_loss", "loss"),
    ("02_activations", "activations"),
    ("03_linear_layer", "linear_layer"),
    ("04_mlp", "mlp"),
    ("05_five_point_training", "five_point_training"),
    ("06_three_layer_bce", "three_layer_bce"),
]

c.CourseDirectory.course_id = "backprop-lab"

# Every solution notebook runs in seconds; a cell that takes a minute is a runaway loop.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Keep feedback readable when a student prints in a loop.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60
