"""The built-in tools: the calculator's arithmetic and limits, the clock's time zones, both tools' statuses."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.core.errors import ToolError
from desktop_app.tools.base import Risk, Tool, ToolResult
from desktop_app.tools.builtin import BUILTIN_TOOL_NAMES, Calculator, CurrentTime, builtin_tools
from desktop_app.tools.builtin import calculator as calc_module
from desktop_app.tools.builtin import clock as clock_module
from desktop_app.tools.builtin.calculator import calculate, evaluate, pretty_expression
from desktop_app.tools.builtin.clock import format_offset


def run(tool: Tool, args: dict[str, Any]) -> ToolResult:
    return asyncio.run(tool.run(args))


def shown(expression: str) -> str:
    """The result part of the calculator's answer, e.g. "= 391"."""
    result = calculate(expression)
    return f"{result.relation} {result.text}"


def error(expression: str) -> str:
    with pytest.raises(ToolError) as caught:
        evaluate(expression)
    return caught.value.message


# -- calculator: arithmetic -----------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 + 3 * 4", "= 14"),
        ("(2 + 3) * 4", "= 20"),
        ("10 - 4 - 3", "= 3"),  # left-associative
        ("100 / 10 / 5", "= 2"),
        ("2 * 3 % 4", "= 2"),  # same level as *, left to right
        ("2 ** 3 ** 2", "= 512"),  # right-associative
        ("2 ^ 3 ^ 2", "= 512"),
        ("(2 ** 3) ** 2", "= 64"),
        ("-2 ** 2", "= -4"),  # unary minus binds looser than power
        ("-2^2", "= -4"),
        ("(-2) ** 2", "= 4"),
        ("2 ** -1", "= 0.5"),
        ("-2 ^ -2", "= -0.25"),
        ("+5 - -3", "= 8"),
        ("--3", "= 3"),
        ("2 * -3", "= -6"),
        ("7 // 2", "= 3"),
        ("-7 // 2", "= -4"),
        ("-7 % 3", "= 2"),
        ("7.5 // 2", "= 3"),
        ("17 × 23", "= 391"),
        ("10 ÷ 4", "= 2.5"),
        ("5 − 7", "= -2"),
        ("17 * 23 =", "= 391"),
    ],
)
def test_precedence_and_associativity(expression: str, expected: str) -> None:
    assert shown(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0.1 + 0.2", "= 0.3"),
        ("1.1 * 1.1", "= 1.21"),
        ("1 - 0.9", "= 0.1"),
        ("0.1 * 3", "= 0.3"),
        ("1 / 3 * 3", "= 1"),
        ("19.99 * 3", "= 59.97"),
        ("1 / 1024", "= 0.0009765625"),
        (".5 + 1.", "= 1.5"),
        ("1.5e3", "= 1500"),
        ("2E-3", "= 0.002"),
        ("1e+2 + 1", "= 101"),
        ("123456789 * 987654321", "= 121932631112635269"),
        ("10 ** 30 + 0.5", "= 1000000000000000000000000000000.5"),
    ],
)
def test_decimal_arithmetic_is_exact(expression: str, expected: str) -> None:
    assert shown(expression) == expected


def test_results_that_do_not_terminate_are_rounded_and_marked() -> None:
    assert str(calculate("1 / 3")) == "1 / 3 ≈ 0.333333333333333 (exactly 1/3)"
    assert shown("2 / 3") == "≈ 0.666666666666667 (exactly 2/3)"
    assert shown("1 / 2 ** 60").startswith("≈ 8.67361737988404e-19")


def test_floats_never_show_binary_noise() -> None:
    # pi - pi is a float, so this sum is 0.30000000000000004 underneath.
    assert shown("pi - pi + 0.1 + 0.2") == "≈ 0.3"
    assert shown("pi") == "≈ 3.14159265358979"
    assert shown("sqrt(2)") == "≈ 1.4142135623731"
    assert shown("cos(pi)") == "≈ -1"
    assert shown("-0 * pi") == "≈ 0"


def test_big_integers_are_shown_in_full_with_their_size() -> None:
    text = shown("2 ** 100")
    assert text.startswith("= 1267650600228229401496703205376 ")
    assert "≈ 1.26765060022823e+30" in text and "31 digits" in text
    # Past Python's 4,300-digit str() limit, still in full.
    assert len(calculate("7 ** 5000").text.split()[0]) == 4226
    assert calculate("10 ** 5000").text.startswith("1" + "0" * 5000 + " ")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1,000 + 1", "= 1001"),
        ("1,234,567.5 * 2", "= 2469135"),
        ("(1,000)", "= 1000"),
        ("2 * (3,000 - 1,000)", "= 4000"),
        # Inside a call, commas separate arguments: this is max(1, 0, 2).
        ("max(1,000, 2)", "= 2"),
        ("min(3, 1, 2)", "= 1"),
    ],
)
def test_thousands_separators(expression: str, expected: str) -> None:
    assert shown(expression) == expected


def test_misplaced_thousands_separators_are_refused() -> None:
    assert "position 2" in error("1,00") and "groups of three digits" in error("1,00")
    assert "position 6" in error("12345,678")
    assert "position 6" in error("1,000,00")
    assert "commas only separate the arguments" in error("1, 2")
    message = error("sqrt(1,000)")
    assert "sqrt() takes 1 argument, got 2" in message and "write 1000, not 1,000" in message


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("15%", "= 0.15"),
        ("200 * 15%", "= 30"),
        ("200 + 10%", "= 200.1"),  # x% is x/100, nothing more
        ("50%%", "= 0.005"),
        ("-5%", "= -0.05"),
        ("(10 + 5)%", "= 0.15"),
        ("10 % 3", "= 1"),  # followed by a number: modulo
        ("10 % (4 - 1)", "= 1"),
        ("10 % -3", "= -2.9"),  # followed by an operator: percent, then minus
        ("2 ^ 50%", "≈ 1.4142135623731"),  # percent binds tighter than power
    ],
)
def test_percent_and_modulo(expression: str, expected: str) -> None:
    assert shown(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("sqrt(16)", "= 4"),
        ("sqrt(2.25)", "= 1.5"),
        ("sqrt(1/4)", "= 0.5"),
        ("abs(-3.5)", "= 3.5"),
        ("round(2.5)", "= 3"),  # half away from zero, not to even
        ("round(-2.5)", "= -3"),
        ("round(2.675, 2)", "= 2.68"),
        ("round(1234, -2)", "= 1200"),
        ("round(pi, 4)", "= 3.1416"),
        ("floor(-2.5)", "= -3"),
        ("ceil(2.1)", "= 3"),
        ("floor(pi)", "= 3"),
        ("max(1, 2.5, -3)", "= 2.5"),
        ("log(8, 2)", "= 3"),
        ("log(1/8, 2)", "= -3"),
        ("log10(1000)", "= 3"),
        ("log10(0.001)", "= -3"),
        ("log(e)", "≈ 1"),
        ("ln(e ** 2)", "≈ 2"),
        ("exp(0)", "≈ 1"),
        ("sin(pi / 2)", "≈ 1"),
        ("cos(0)", "≈ 1"),
        ("tan(pi / 4)", "≈ 1"),
        ("(-8) ** (1/3)", "= -2"),
        ("8 ** (2/3)", "= 4"),
        ("4 ** 0.5", "= 2"),
        ("(-2) ** (1/3)", "≈ -1.25992104989487"),
        ("PI", "≈ 3.14159265358979"),
        ("2 * π", "≈ 6.28318530717959"),
        ("e", "≈ 2.71828182845905"),
        ("log(10 ** 5000)", "≈ 11512.9254649702"),
        ("1.0000001 ** 100000", "≈ 1.01005016657914"),
    ],
)
def test_functions_and_constants(expression: str, expected: str) -> None:
    assert shown(expression) == expected


def test_evaluate_returns_exact_fractions_and_floats() -> None:
    assert evaluate("0.1 + 0.2") == Fraction(3, 10)
    assert isinstance(evaluate("1 / 3"), Fraction)
    assert math.isclose(evaluate("sin(1) ** 2 + cos(1) ** 2"), 1.0)
    assert isinstance(evaluate("floor(pi)"), Fraction)


# -- calculator: errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "fragments"),
    [
        ("2 + * 3", ["Syntax error at position 5", "'*'"]),
        ("2 +", ["position 4", "ended early"]),
        ("(1 + 2", ["ended early", "')' to close the '(' at position 1"]),
        ("1 + 2)", ["position 6", "no matching '('"]),
        ("2 $ 3", ["position 3", "unexpected character '$'"]),
        ("2pi", ["position 2", "missing operator"]),
        ("3 (4)", ["position 3", "missing operator"]),
        ("max()", ["position 5"]),
        ("max(1,)", ["position 7"]),
        ("pi(2)", ["position 1", "constant, not a function"]),
        ("sqrt", ["position 1", "write sqrt(…)"]),
        ("", ["empty"]),
        ("   ", ["empty"]),
    ],
)
def test_syntax_errors_name_the_position(expression: str, fragments: list[str]) -> None:
    message = error(expression)
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("expression", "fragments"),
    [
        ("1 / 0", ["Division by zero at position 3"]),
        ("1 / (2 - 2)", ["Division by zero at position 3"]),
        ("5 % 0", ["Modulo by zero at position 3"]),
        ("5 // 0", ["Floor division by zero"]),
        ("0 ** -1", ["Division by zero", "zero to a negative power"]),
        ("x + 1", ["Unknown name 'x' at position 1", "no variables"]),
        ("sqr(4)", ["Unknown function 'sqr'", "Did you mean sqrt"]),
        ("sqrt(-1)", ["not a real number", "position 1"]),
        ("(-1) ** 0.5", ["not a real number", "position 6"]),
        ("log(0)", ["only defined for positive numbers"]),
        ("log(5, 1)", ["base 1"]),
        ("round(1.5, 0.5)", ["whole number"]),
        ("round(1, 1000)", ["between -100 and 100"]),
        ("round(1, 2, 3)", ["round() takes 1 or 2 arguments, got 3"]),
    ],
)
def test_math_errors_are_plain(expression: str, fragments: list[str]) -> None:
    message = error(expression)
    for fragment in fragments:
        assert fragment in message


def test_tool_run_raises_tool_error() -> None:
    with pytest.raises(ToolError, match="Division by zero"):
        run(Calculator(), {"expression": "1/0"})
    with pytest.raises(ToolError, match="expression"):
        run(Calculator(), {"expression": 42})
    with pytest.raises(ToolError, match="expression"):
        run(Calculator(), {})


# -- calculator: abuse limits -----------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("9**9**9", "too large (about 10^369,693,100)"),
        ("-9**9**9", "too large"),
        ("2**2**2**2**2**2", "too large"),
        ("10 ** 10001", "too large"),
        ("(-3) ** (10 ** 9)", "too large"),
        ("0.5 ** 100000", "too small"),
        ("1e999999999", "too large or too small"),
        ("1e-999999999", "too large or too small"),
        ("(7**11000/3**9000) * (7**11000/3**9000)", "more than 10,000 digits"),
        ("exp(1000)", "too large"),
        ("pi ** 1000", "too large"),
        ("sin(10 ** 400)", "too large"),
        ("sqrt(1e-5001)", "too small"),
        ("(" * 100 + "1" + ")" * 100, "nested too deeply"),
        ("-" * 100 + "1", "nested too deeply"),
        ("1+" * 500 + "1", "too long"),
    ],
)
def test_abuse_is_refused_quickly(expression: str, fragment: str) -> None:
    started = time.perf_counter()
    assert fragment in error(expression)
    assert time.perf_counter() - started < 0.5


def test_large_but_allowed_values_are_fast() -> None:
    started = time.perf_counter()
    assert len(calculate("2 ** 33000").text.split()[0]) == 9934
    assert shown("(3 ** 6000) ** (1/64)") == "≈ 5.37177272750104e+44"
    assert shown("(10 ** 9999 + 7) ** (1/63)") == "≈ 5.17947467923121e+158"
    assert time.perf_counter() - started < 0.5


# -- calculator: the tool ----------------------------------------------------------


def test_calculator_result_and_statuses() -> None:
    tool = Calculator()
    args = {"expression": "17 * 23"}
    result = run(tool, args)
    assert result.text == "17 * 23 = 391"
    assert not result.is_error and result.sources == ()
    assert tool.status(args) == "Calculating 17 × 23…"
    assert tool.done_status(args, result) == "Calculated 17 × 23 = 391"


def test_calculator_statuses_pretty_print_and_stay_short() -> None:
    tool = Calculator()
    args = {"expression": "2 ** 10 / 4 // 3"}
    assert tool.status(args) == "Calculating 2 ^ 10 ÷ 4 // 3…"
    assert tool.done_status(args, run(tool, args)) == "Calculated 2 ^ 10 ÷ 4 // 3 = 85"
    third = {"expression": "1/3"}
    assert tool.done_status(third, run(tool, third)) == "Calculated 1÷3 ≈ 0.333333333333333"
    big = {"expression": "2**1000"}
    done = tool.done_status(big, run(tool, big))
    assert done == "Calculated 2^1000 ≈ 1.07150860718627e+301"
    long_expression = " + ".join(["1"] * 100)
    assert len(tool.status({"expression": long_expression})) < 100


def test_calculator_statuses_never_raise() -> None:
    tool = Calculator()
    for args in ({"expression": "2 $$ ("}, {"expression": "1/0"}, {}, {"expression": None}):
        assert tool.status(args).startswith("Calculating")
        assert tool.done_status(args, ToolResult("x")).startswith("Calculated")
    assert pretty_expression("2 $$ (") == "2 $$ ("


# -- calculator: properties ----------------------------------------------------------


_SPACES = st.sampled_from(["", " "])


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children, _SPACES).map(
        lambda t: f"{t[0]}{t[3]}{t[1]}{t[3]}{t[2]}"
    )
    return st.one_of(binary, children.map(lambda c: f"({c})"), children.map(lambda c: f"-{c}"))


_INTEGER_EXPRESSIONS = st.recursive(
    st.integers(min_value=0, max_value=1000).map(str), _combine, max_leaves=12
)


@settings(max_examples=300, deadline=None)
@given(_INTEGER_EXPRESSIONS)
def test_integer_expressions_agree_with_python(expression: str) -> None:
    # eval only here, on strings this test built, to check the calculator against Python.
    assert evaluate(expression) == eval(expression)


_DECIMALS = st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(_DECIMALS, _DECIMALS, st.sampled_from(["+", "-", "*"]))
def test_decimal_arithmetic_matches_exact_arithmetic(a: Decimal, b: Decimal, op: str) -> None:
    expected = {
        "+": Fraction(a) + Fraction(b),
        "-": Fraction(a) - Fraction(b),
        "*": Fraction(a) * Fraction(b),
    }
    value = evaluate(f"{a} {op} ({b})")
    assert value == expected[op]
    # A decimal result is shown exactly, never as binary noise.
    result = calculate(f"{a} {op} ({b})")
    assert result.relation == "=" and Fraction(result.text.split()[0]) == value


# -- current_time ----------------------------------------------------------------------


def _clock_at(*when: int) -> CurrentTime:
    moment = datetime(*when, tzinfo=UTC)  # type: ignore[misc]
    return CurrentTime(now=lambda: moment)


def test_named_zone_in_summer() -> None:
    text = run(_clock_at(2024, 7, 1, 12, 0, 0), {"timezone": "Europe/Paris"}).text
    assert text.splitlines() == [
        "Time zone: Europe/Paris (CEST, UTC+02:00)",
        "Date: Monday, 1 July 2024",
        "Time: 14:00:00",
        "ISO 8601: 2024-07-01T14:00:00+02:00",
    ]


def test_named_zone_in_winter_and_across_midnight() -> None:
    new_york = run(_clock_at(2024, 1, 15, 12, 30, 5), {"timezone": "America/New_York"}).text
    assert "(EST, UTC-05:00)" in new_york and "Time: 07:30:05" in new_york
    tokyo = run(_clock_at(2024, 7, 1, 20, 0, 0), {"timezone": "Asia/Tokyo"}).text
    assert "Date: Tuesday, 2 July 2024" in tokyo and "Time: 05:00:00" in tokyo
    kolkata = run(_clock_at(2024, 7, 1, 20, 0, 0), {"timezone": "Asia/Kolkata"}).text
    assert "UTC+05:30" in kolkata and "Time: 01:30:00" in kolkata


@pytest.mark.parametrize(
    ("asked", "canonical"),
    [
        ("europe/paris", "Europe/Paris"),
        ("America/New York", "America/New_York"),
        ("  Asia/Tokyo ", "Asia/Tokyo"),
        ("Tokyo", "Asia/Tokyo"),
        ("UTC", "UTC"),
    ],
)
def test_zone_names_are_forgiving(asked: str, canonical: str) -> None:
    text = run(_clock_at(2024, 7, 1, 12), {"timezone": asked}).text
    assert text.startswith(f"Time zone: {canonical} (")


@pytest.mark.parametrize(
    ("asked", "zone_line", "time_line"),
    [
        ("UTC+05:30", "Time zone: UTC+05:30", "Time: 17:30:00"),
        ("utc-3", "Time zone: UTC-03:00", "Time: 09:00:00"),
        ("GMT+1", "Time zone: UTC+01:00", "Time: 13:00:00"),
        ("+0545", "Time zone: UTC+05:45", "Time: 17:45:00"),
    ],
)
def test_fixed_offsets(asked: str, zone_line: str, time_line: str) -> None:
    lines = run(_clock_at(2024, 7, 1, 12), {"timezone": asked}).text.splitlines()
    assert lines[0] == zone_line and lines[2] == time_line


def test_unknown_zone_suggests_close_names() -> None:
    with pytest.raises(ToolError) as caught:
        run(CurrentTime(), {"timezone": "Europe/Pariss"})
    assert "Unknown time zone 'Europe/Pariss'" in caught.value.message
    assert "Did you mean Europe/Paris" in caught.value.message
    with pytest.raises(ToolError, match="Did you mean.*America/New_York"):
        run(CurrentTime(), {"timezone": "America/NewYork"})
    with pytest.raises(ToolError, match="Unknown time zone 'Mars/Olympus'"):
        run(CurrentTime(), {"timezone": "Mars/Olympus"})
    with pytest.raises(ToolError, match="not a valid UTC offset"):
        run(CurrentTime(), {"timezone": "UTC+15"})
    with pytest.raises(ToolError, match="must be a string"):
        run(CurrentTime(), {"timezone": 3})


def test_default_zone_comes_from_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    lines = run(_clock_at(2024, 7, 1, 12), {}).text.splitlines()
    assert lines[0] == "Time zone: Asia/Tokyo, this computer's time zone (JST, UTC+09:00)"
    assert lines[2] == "Time: 21:00:00"
    # An empty string means the same as leaving the zone out.
    assert run(_clock_at(2024, 7, 1, 12), {"timezone": " "}).text.splitlines()[0] == lines[0]


def test_default_zone_comes_from_system_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TZ", raising=False)
    zone_file = tmp_path / "zoneinfo" / "Europe" / "Berlin"
    zone_file.parent.mkdir(parents=True)
    zone_file.write_bytes(b"")
    monkeypatch.setattr(clock_module, "LOCALTIME_PATH", zone_file)
    assert run(_clock_at(2024, 1, 1), {}).text.startswith("Time zone: Europe/Berlin, this computer's")

    timezone_file = tmp_path / "timezone"
    timezone_file.write_text("America/Chicago\n", encoding="utf-8")
    monkeypatch.setattr(clock_module, "LOCALTIME_PATH", tmp_path / "missing")
    monkeypatch.setattr(clock_module, "TIMEZONE_FILE", timezone_file)
    assert run(_clock_at(2024, 1, 1), {}).text.startswith("Time zone: America/Chicago, this computer's")


@pytest.mark.parametrize("tz", [None, "EST5EDT,M3.2.0,M11.1.0"])
def test_unnamed_default_zone_is_reported_by_offset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tz: str | None
) -> None:
    if tz is None:
        monkeypatch.delenv("TZ", raising=False)
    else:
        monkeypatch.setenv("TZ", tz)
    monkeypatch.setattr(clock_module, "LOCALTIME_PATH", tmp_path / "missing")
    monkeypatch.setattr(clock_module, "TIMEZONE_FILE", tmp_path / "missing")
    moment = datetime(2024, 7, 1, 12, tzinfo=UTC)
    expected = format_offset(moment.astimezone().utcoffset())
    first = run(CurrentTime(now=lambda: moment), {}).text.splitlines()[0]
    assert first == f"Time zone: {expected}, this computer's time zone"


def test_without_a_zone_database_offsets_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock_module, "_zone_names", dict)
    with pytest.raises(ToolError, match="tzdata"):
        run(CurrentTime(), {"timezone": "Europe/Paris"})
    assert run(_clock_at(2024, 7, 1, 12), {"timezone": "UTC+02:00"}).text.startswith("Time zone: UTC+02:00")


def test_clock_statuses() -> None:
    tool = CurrentTime()
    paris = {"timezone": "Europe/Paris"}
    assert tool.status(paris) == "Checking the time in Europe/Paris…"
    assert tool.done_status(paris, run(tool, paris)) == "Checked the time in Europe/Paris"
    assert tool.status({"timezone": "tokyo"}) == "Checking the time in Asia/Tokyo…"
    assert tool.status({}) == "Checking the local time…"
    assert tool.done_status({}, run(tool, {})) == "Checked the local time"
    assert tool.status({"timezone": "Mars/Olympus"}) == "Checking the time in Mars/Olympus…"
    assert tool.status({"timezone": 3}) == "Checking the local time…"


def test_format_offset() -> None:
    assert format_offset(timedelta(hours=5, minutes=30)) == "UTC+05:30"
    assert format_offset(timedelta(hours=-3, minutes=-30)) == "UTC-03:30"
    assert format_offset(timedelta()) == "UTC+00:00"
    assert format_offset(None) == "UTC+00:00"


def test_real_clock_is_close_to_now() -> None:
    text = run(CurrentTime(), {"timezone": "UTC"}).text
    iso = text.splitlines()[-1].removeprefix("ISO 8601: ")
    assert abs(datetime.fromisoformat(iso) - datetime.now(UTC)) < timedelta(seconds=5)


# -- both tools ------------------------------------------------------------------------


def test_builtin_tools_and_names() -> None:
    tools = builtin_tools()
    assert [tool.name for tool in tools] == list(BUILTIN_TOOL_NAMES) == ["calculator", "current_time"]
    assert isinstance(tools[0], Calculator) and isinstance(tools[1], CurrentTime)
    assert builtin_tools()[0] is not tools[0]
    assert all(tool.risk is Risk.READ_ONLY for tool in tools)


@pytest.mark.parametrize("tool", builtin_tools(), ids=lambda tool: tool.name)
def test_schemas_are_valid_json_schema(tool: Tool) -> None:
    jsonschema.Draft202012Validator.check_schema(tool.parameters)
    spec = tool.spec()
    assert spec.name == tool.name and spec.parameters is tool.parameters
    assert tool.description and len(tool.description) < 1024


def test_schemas_accept_and_reject_arguments() -> None:
    calculator = jsonschema.Draft202012Validator(Calculator.parameters)
    assert calculator.is_valid({"expression": "1 + 1"})
    assert not calculator.is_valid({})
    assert not calculator.is_valid({"expression": 1})
    assert not calculator.is_valid({"expression": "1", "extra": True})
    assert not calculator.is_valid({"expression": "1" * (calc_module.MAX_EXPRESSION_LENGTH + 1)})
    clock = jsonschema.Draft202012Validator(CurrentTime.parameters)
    assert clock.is_valid({}) and clock.is_valid({"timezone": "Europe/Paris"})
    assert not clock.is_valid({"timezone": 1})
