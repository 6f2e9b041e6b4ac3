"""Turn a pytest-json-report report into Gradescope's ``results.json`` and ``feedback.md``.

A hidden test's result names its part and what kind of failure it was (wrong result, an
exception of some type, too slow, out of memory, not implemented), never its code, its
assertion or its expected values. A public test's result (the student has its code)
includes pytest's message. Points are per test: a part scores the sum of its passed tests.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from staff.grade.parts import AUTOGRADED, BY_NAME, PARTS, TOTAL_POINTS

HIDDEN_PREFIX = "hidden_tests/"
MAX_OUTPUT = 2500
DEFAULT_VISIBILITY = {"public": "visible", "hidden": "after_published"}


@dataclass
class TestResult:
    nodeid: str
    part: str
    max_score: float
    score: float
    status: str  # passed, failed, error, timeout, memory, output, not implemented, not run
    output: str
    visibility: str
    hidden: bool


@dataclass
class Grade:
    tests: list
    refused: str | None = None
    notes: list = field(default_factory=list)

    @property
    def score(self):
        return sum(t.score for t in self.tests)

    def part_scores(self):
        scores = {p.name: 0.0 for p in AUTOGRADED}
        for t in self.tests:
            scores[t.part] = scores.get(t.part, 0.0) + t.score
        return scores


def is_hidden(nodeid):
    return nodeid.startswith(HIDDEN_PREFIX)


def _longrepr(entry):
    for stage in ("setup", "call", "teardown"):
        info = entry.get(stage) or {}
        if info.get("outcome") in ("failed", "skipped") and info.get("longrepr"):
            return stage, str(info["longrepr"]), info.get("crash") or {}
    return None, "", {}


def _kind(entry):
    """(status, text) of a test entry of the report."""
    outcome = entry.get("outcome")
    stage, text, crash = _longrepr(entry)
    if outcome == "passed":
        return "passed", ""
    if outcome == "skipped":
        # the root conftest's skip: "not implemented yet: <file>:<function>: implement ..."
        found = re.search(r"not implemented yet[^:]*: (.*?)['\")]*$", text.strip())
        if found:
            return "not implemented", found.group(1)
        return "not run", f"skipped: {text[-300:]}"
    lines = text.strip().splitlines()
    message = crash.get("message") or (lines[-1] if lines else "")
    if "Timeout" in message and ">" in message:
        return "timeout", message
    if "MemoryError" in text or "Unable to allocate" in text:
        return "memory", message
    if "File too large" in text or "Errno 27" in text:
        return "output", message
    return ("error" if stage != "call" else "failed"), message or text[-300:]


_WORDS = {
    "timeout": "took longer than the time limit per test (an infinite loop, or very slow code?)",
    "memory": "ran out of memory: your code allocates far too much (a huge array?)",
    "output": "printed or wrote far too much output (over the file size limit)",
    "not implemented": "not implemented yet",
}


def _student_location(text):
    """'cs231n/x.py, line N' of the last traceback frame in the student's package."""
    found = re.findall(r"^(cs231n/[\w/]+\.py):(\d+):", text, flags=re.MULTILINE)
    return f"{found[-1][0]}, line {found[-1][1]}" if found else None


def _hidden_words(status, message, text):
    if status in _WORDS:
        return _WORDS[status]
    exc = re.match(r"(\w+(?:Error|Exception|Warning))\b", message or "")
    where = _student_location(text)
    if exc and exc.group(1) not in ("AssertionError",):
        return f"your code raised {exc.group(1)}" + (f" (in {where})" if where else "")
    return "your code gives a wrong result"


def _cut(text, limit=MAX_OUTPUT):
    return text if len(text) <= limit else "[...]\n" + text[-limit:]


def grade_from_report(inventory, report, killed=None, collect_errors=None):
    """A :class:`Grade` from the inventory (every graded test with its markers), the
    run's report (None if it never finished) and the tests the sandbox had to stop."""
    killed = killed or {}
    entries = {e["nodeid"]: e for e in (report or {}).get("tests", [])}
    collectors = {c["nodeid"]: c for c in (report or {}).get("collectors", [])
                  if c.get("outcome") == "failed"}
    tests = []
    for item in inventory:
        nodeid, part, points = item["nodeid"], item["part"], item["points"]
        hidden = is_hidden(nodeid)
        visibility = item.get("visibility") or DEFAULT_VISIBILITY["hidden" if hidden else "public"]
        show = not hidden or visibility == "visible"
        entry = entries.get(nodeid)
        if entry is not None:
            status, message = _kind(entry)
            text = _longrepr(entry)[1]
        elif nodeid in killed:
            status, message, text = ("timeout" if "limit per test" in killed[nodeid] else "error",
                                     killed[nodeid], "")
        else:
            module = nodeid.split("::")[0]
            error = collectors.get(module, {}).get("longrepr", "")
            status = "error"
            message = ("could not be run: " + (_cut(error, 1200) if (show and error) else
                       "loading the tests failed (does your code import? see the public tests)"
                       if error else "the test run stopped before this test"))
            text = ""
        score = points if status == "passed" else 0.0
        said = (entry or {}).get("metadata", {}).get("feedback") if show else None
        if status == "passed":
            output = "Passed." + (f" {said}" if said else "")
        elif nodeid in killed:
            output = f"Failed: {killed[nodeid]}"
        elif show:
            message = re.sub(r"^Failed: ", "", message or "")
            if status in _WORDS and status != "not implemented":
                output = f"Failed: {_WORDS[status]} ({message})"
            elif status == "not implemented":
                output = f"Not implemented yet: {message}"
            else:
                output = f"Failed: {message}" + (f"\n\n{_cut(text)}" if text else "")
        elif status == "not implemented":
            output = f"Not implemented yet: {message}"
        else:
            output = f"Failed: {_hidden_words(status, message, text)}."
        tests.append(TestResult(nodeid, part, points, score, status, output, visibility, hidden))
    return Grade(tests)


def _shown_as(grade):
    """How each test is named to the student, in grade.tests' order: a public (or visible)
    test by its node id, a hidden one as "hidden test k", k counting the part's hidden tests."""
    counters, names = defaultdict(int), []
    for t in grade.tests:
        if t.hidden and t.visibility != "visible":
            counters[t.part] += 1
            names.append(f"hidden test {counters[t.part]}")
        else:
            names.append(t.nodeid)
    return names


def results_json(grade, execution_time=None, extra=None):
    """Gradescope's results.json, as a dict."""
    if grade.refused:
        out = {"score": 0.0, "output": f"Your submission could not be graded: {grade.refused}",
               "visibility": "visible", "stdout_visibility": "hidden", "tests": []}
        if extra:
            out["extra_data"] = extra
        return out
    tests = []
    for t, shown in zip(grade.tests, _shown_as(grade)):
        tests.append({"name": f"{t.part}: {shown}", "score": t.score,
                      "max_score": t.max_score, "status": "passed" if t.status == "passed" else "failed",
                      "visibility": t.visibility, "output": t.output, "tags": [t.part]})
    parts = grade.part_scores()
    summary = "\n".join(f"{name}: {parts[name]:g} / {BY_NAME[name].points:g}" for name in parts)
    out = {"score": grade.score, "output": f"Autograded: {grade.score:g} / {TOTAL_POINTS:g}\n{summary}"
           + ("\n\n" + "\n".join(grade.notes) if grade.notes else ""),
           "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}
    if execution_time is not None:
        out["execution_time"] = round(execution_time, 1)
    if extra:
        out["extra_data"] = extra
    return out


def feedback_md(grade):
    """Per part, what passed and what failed, in words a student understands."""
    lines = ["# Grading feedback", ""]
    if grade.refused:
        lines += ["**Your submission could not be graded.**", "", grade.refused, "",
                  "Fix this and submit again: run `./collect_submission.sh` in your assignment "
                  "folder and upload the `cs231n_submission.zip` it writes, unchanged."]
        return "\n".join(lines) + "\n"
    parts = grade.part_scores()
    lines += [f"**Autograded total: {grade.score:g} / {TOTAL_POINTS:g} points.** The notebooks' "
              "plots and written answers are graded by hand, from your PDF.", "",
              "| part | points |", "| --- | --- |"]
    lines += [f"| {name} | {parts[name]:g} / {BY_NAME[name].points:g} |" for name in parts]
    by_part = defaultdict(list)
    for t, shown in zip(grade.tests, _shown_as(grade)):
        by_part[t.part].append((t, shown))
    for part in PARTS:
        if part.manual:
            continue
        tests = by_part.get(part.name, [])
        got = parts[part.name]
        mark = "all passed" if got == part.points else ("failed" if got == 0 else "partly passed")
        lines += ["", f"## {part.name}: {got:g} / {part.points:g} ({mark})", "",
                  f"What it checks: {part.what}.", ""]
        for t, shown in tests:
            name = f"`{shown}`" if shown == t.nodeid else shown
            sign = "passed" if t.status == "passed" else "**failed**"
            detail = "" if t.status == "passed" else ": " + re.sub(
                r"^Failed: ", "", t.output.split("\n\n")[0].replace("\n", " "))
            lines.append(f"- {name} ({t.max_score:g} pt): {sign}{detail}")
    manual = [p for p in PARTS if p.manual]
    lines += ["", "## Graded by hand", ""] + [f"- {p.name}: {p.what}" for p in manual]
    if grade.notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in grade.notes]
    return "\n".join(lines) + "\n"


def write_outputs(grade, folder, execution_time=None, extra=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results_json(grade, execution_time, extra), indent=1))
    (folder / "feedback.md").write_text(feedback_md(grade))
