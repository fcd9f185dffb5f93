"""Validation speed of a 100-field form with 20 errors (goal: median under 2 ms).

Run from the repository root: ``python bench/forms_bench.py [--runs N]``.
Prints figures; it is not a test. The baseline is plain jsonschema on the same
form: first without format checking (its default), then with this project's
format checker, which is the fair comparison (same checks, stock keywords,
one error per keyword instead of per field, no messages).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


def build_form() -> dict:
    """A 100-field application form shaped like a real one."""
    properties: dict = {}
    for i in range(30):
        properties[f"text_{i}"] = {"title": f"文本{i}", "type": "string", "maxLength": 50}
    for i in range(10):
        properties[f"id_{i}"] = {
            "title": f"身份证号{i}",
            "type": "string",
            "format": "cn-resident-id",
        }
        properties[f"mobile_{i}"] = {"title": f"手机{i}", "type": "string", "format": "cn-mobile"}
        properties[f"kind_{i}"] = {"title": f"类型{i}", "enum": ["a", "b", "c"]}
        properties[f"count_{i}"] = {
            "title": f"数量{i}",
            "type": "integer",
            "minimum": 0,
            "maximum": 1000,
        }
        properties[f"date_{i}"] = {"title": f"日期{i}", "type": "string", "format": "date"}
        properties[f"email_{i}"] = {"title": f"邮箱{i}", "type": "string", "format": "email"}
    for i in range(5):
        properties[f"uscc_{i}"] = {"title": f"信用代码{i}", "type": "string", "format": "cn-uscc"}
        properties[f"post_{i}"] = {"title": f"邮编{i}", "type": "string", "format": "cn-postcode"}
    return {"type": "object", "properties": properties, "required": sorted(properties)}


def build_data(resident_id: str, uscc: str) -> dict:
    """Data for :func:`build_form` with exactly 20 problems."""
    data: dict = {}
    for i in range(30):
        data[f"text_{i}"] = "说明文字" * (20 if i < 5 else 2)  # 5 too long
    for i in range(10):
        data[f"id_{i}"] = resident_id if i >= 5 else resident_id[:-1] + "0"  # 5 bad check digits
        data[f"mobile_{i}"] = "13800138000"
        data[f"kind_{i}"] = "a"
        data[f"count_{i}"] = 5000 if i < 5 else 5  # 5 out of range
        data[f"date_{i}"] = "2024-05-01"
        data[f"email_{i}"] = "zhang@example.cn"
    for i in range(5):
        data[f"uscc_{i}"] = uscc
        data[f"post_{i}"] = "215000"
    for i in range(5):
        del data[f"email_{i}"]  # 5 missing
    return data


def median_ms(call, runs: int) -> tuple[float, float]:
    for _ in range(50):
        call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def measure(runs: int) -> dict:
    """Medians (and p95s) of yiwang's validation and of plain jsonschema on the same form and data."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from jsonschema import Draft202012Validator
    from stdnum.cn import ric, uscc

    from forms.formats import format_checker
    from forms.validation import compile_form, validate_submission

    person = "11010519850312123"
    person += ric.calc_check_digit(person + "0")
    company = "91320505MA1Q2W3E4"
    company += uscc.calc_check_digit(company)
    schema, data = build_form(), build_data(person, company)

    started = time.perf_counter()
    compile_form(schema)
    compile_ms = (time.perf_counter() - started) * 1000
    errors = validate_submission(schema, data)
    assert len(errors) == 20, [e.pointer for e in errors]

    ours = median_ms(lambda: validate_submission(schema, data), runs)
    compiled = compile_form(schema)
    precompiled = median_ms(lambda: validate_submission(compiled, data), runs)
    plain = Draft202012Validator(schema)
    stock = median_ms(lambda: list(plain.iter_errors(data)), runs)
    formats = Draft202012Validator(schema, format_checker=format_checker())
    stock_formats = median_ms(lambda: list(formats.iter_errors(data)), runs)
    return {"runs": runs, "errors": len(errors), "compile_ms": compile_ms, "ours": ours, "precompiled": precompiled,
            "stock": stock, "stock_formats": stock_formats}


def report(r: dict) -> str:
    rows = [
        ("yiwang validate_submission (goal < 2 ms)", r["ours"]),
        ("  same, form already compiled", r["precompiled"]),
        ("plain jsonschema, no format checking", r["stock"]),
        ("plain jsonschema, same format checker", r["stock_formats"]),
    ]
    lines = [f"form: 100 fields, {r['errors']} errors reported, {r['runs']} runs",
             f"compile (check + close + build, once per version): {r['compile_ms']:.1f} ms"]
    lines += [f"{label:<42} median {median:.3f} ms  p95 {p95:.3f} ms" for label, (median, p95) in rows]
    lines.append(f"ratio to plain jsonschema: {r['ours'][0] / r['stock'][0]:.2f}x (no formats), "
                 f"{r['ours'][0] / r['stock_formats'][0]:.2f}x (same formats)")
    return "\n".join(lines)


def verdicts(r: dict) -> list[tuple[str, float, str, bool]]:
    ratio = r["ours"][0] / r["stock_formats"][0]
    return [(f"6. validate 100 fields / 20 errors: {r['ours'][0]:.2f} ms median; / plain jsonschema (same formats)",
             ratio, "median < 2 ms", r["ours"][0] < 2.0)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    print(report(measure(args.runs)))


if __name__ == "__main__":
    main()
