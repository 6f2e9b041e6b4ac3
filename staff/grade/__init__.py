"""Staff grading tools: ``python -m staff.grade SUBMISSION.zip`` or ``submissions/``.

One idea per module: :mod:`.parts` (parts and points), :mod:`.safezip` (reading an
untrusted zip), :mod:`.sandbox` (running pytest isolated and limited), :mod:`.plugin` (the
pytest plugin inside the sandbox), :mod:`.report` (results.json and feedback.md),
:mod:`.grader` (one submission), :mod:`.klass` (a whole class), :mod:`.similarity` (what
a class's students wrote, compared), :mod:`.gradescope` (``autograder.zip``).
"""
