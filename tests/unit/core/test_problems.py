"""core.problems: the validation report's groups (by file and kind of problem)."""

from __future__ import annotations

from dashboard.core.problems import Problem, problem_groups, problem_kind, problems_frame


def _artifact(line: int, value: str, file: str = "a.csv") -> Problem:
    return Problem(file, line, "spo2", f"SpO2 {value} is a zero reading; excluded from alerts", "SpO2 50-100",
                   level="artifact")  # fmt: skip


def test_a_kind_is_the_message_without_its_values_and_keeps_names_with_digits():
    assert problem_kind("RR 0.04 is below the plausible minimum") == "RR … is below the plausible minimum"
    assert problem_kind("SpO2 0 is a zero reading") == "SpO2 … is a zero reading"
    assert problem_kind("'abc' is not a number; cell left empty") == "'…' is not a number; cell left empty"
    assert problem_kind("time 09:00:05 repeats") == "time … repeats"


def test_groups_count_each_kind_per_file_with_its_first_lines_most_frequent_first():
    problems = [
        Problem("b.csv", None, None, "has no known vital column", "vitals", level="fatal"),
        *(_artifact(n, "0") for n in range(2, 12)),
        Problem("a.csv", 7, "timestamp", "'soon' could not be read", "a time"),
        _artifact(3, "0", file="c.csv"),
    ]
    groups = problem_groups(problems_frame(problems))
    assert groups[["file", "level", "column", "count", "first_lines"]].values.tolist() == [
        ["b.csv", "fatal", "", 1, ""],
        ["a.csv", "artifact", "spo2", 10, "2, 3, 4, 5, 6, …"],
        ["a.csv", "error", "timestamp", 1, "7"],
        ["c.csv", "artifact", "spo2", 1, "3"],
    ]
    assert groups["example"].iloc[1] == "SpO2 0 is a zero reading; excluded from alerts"
    assert groups["count"].sum() == len(problems)


def test_no_problem_gives_no_group():
    assert problem_groups(problems_frame([])).empty
