"""CSV exports and percentiles: what supervisors open in a spreadsheet."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine.calendar import CST
from processes.case_config import CaseConfig
from processes.csv_rows import rows_to_csv
from processes.statistics import percentile


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CST)


def test_csv_has_a_header_local_times_and_defused_formulas():
    text = rows_to_csv([{"a": "=HYPERLINK(\"x\")", "b": at(2026, 10, 9, 9), "c": None, "d": 0.5},
                        {"a": "普通文本", "b": None, "c": 3, "d": 2 / 3}], ["a", "b", "c", "d"])
    assert text.splitlines() == ["a,b,c,d", "\"'=HYPERLINK(\"\"x\"\")\",2026-10-09 09:00:00,,0.5",
                                 "普通文本,,3,0.6667"]


@pytest.mark.parametrize(("values", "p", "expected"), [
    ([], 50, None), ([7], 90, 7), ([1, 2, 3, 4], 50, 2), ([1, 2, 3, 4], 90, 4), ([4, 6], 50, 4),
])
def test_percentiles_are_nearest_rank(values, p, expected):
    assert percentile(values, p) == expected


def test_case_settings_come_from_the_environment_and_are_checked():
    config = CaseConfig.from_env({"YIWANG_YELLOW_SHARE": "0.75", "YIWANG_PUBLIC_BASE_URL": "https://x"})
    assert (config.yellow_share, config.public_base_url) == (0.75, "https://x")
    with pytest.raises(ValueError):
        CaseConfig.from_env({"YIWANG_YELLOW_SHARE": "1.5"})
    with pytest.raises(ValueError):
        CaseConfig.from_env({"YIWANG_YELLOW_SHARE": "much"})
