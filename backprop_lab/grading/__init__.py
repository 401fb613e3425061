"""The grader: repair and run submissions in isolated processes, score them with nbgrader, write
feedback. Only the instructor's side and Gradescope's container import it; students never do."""
import sys

# jsonschema imports rfc3987_syntax when it is installed (jupyter's format extras), and that
# builds a grammar for about a second; nothing here checks IRI formats. Every entry point
# (the command, Gradescope's run_autograder, the hub's helpers) passes here before nbformat loads.
sys.modules.setdefault("rfc3987_syntax", None)
