"""Guessing tracking numbers over real HTTP: the public progress page needs the receipt's query code.

Tracking numbers are sequential with a computable check character, so a stranger can
list every number of a day; none of them opens a case without its query code (查询码),
and guessing is rate-limited per client.
"""

from __future__ import annotations

import requests

from case_api_kit import BUYER_ID, REAL_ESTATE, open_case, real_estate_application
from live_kit import threaded_server
from processes.receipts import format_tracking_number
from test_api_rate_limits import STRANGER, limited_app


def _guessed_numbers(opened: dict, count: int) -> list[str]:
    prefix, region, day, _ = opened["tracking_number"].split("-")
    from datetime import date

    when = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    return [format_tracking_number(prefix, region, when, n) for n in range(1, count + 1)]


def test_guessed_tracking_numbers_open_nothing_without_the_receipts_query_code(app, as_demo, clock):
    clock.set(2026, 9, 28, 10)
    applicant = as_demo("applicant")
    receipts = [open_case(applicant, REAL_ESTATE, real_estate_application(), id_number=BUYER_ID) for _ in range(3)]
    with threaded_server(app) as base:
        guesses = [requests.get(f"{base}/api/v1/progress/{number}", timeout=30)
                   for number in _guessed_numbers(receipts[0], 30)]
        wrong = requests.get(f"{base}/api/v1/progress/{receipts[1]['tracking_number']}",
                             params={"code": receipts[0]["query_code"]}, timeout=30)
        holder = requests.get(f"{base}/api/v1/progress/{receipts[1]['tracking_number']}",
                              params={"code": receipts[1]["query_code"]}, timeout=30)
        qr_link = requests.get(receipts[2]["progress_url"].replace("https://zwfw.example.gov.cn", base),
                               allow_redirects=False, timeout=30)
    assert {g.status_code for g in guesses} == {404}
    assert {receipt["tracking_number"] for receipt in receipts} <= {g.url.rsplit("/", 1)[1] for g in guesses}
    assert wrong.status_code == 404 and wrong.json()["title"] == guesses[0].json()["title"]
    assert holder.status_code == 200 and holder.json()["tracking_number"] == receipts[1]["tracking_number"]
    assert qr_link.status_code == 302
    assert qr_link.headers["Location"].endswith(f"/ui/progress/{receipts[2]['tracking_number']}"
                                                f"?code={receipts[2]['query_code']}")


def test_progress_look_ups_are_rate_limited_per_client(db_engine, tmp_path, organisation):
    app = limited_app(db_engine, tmp_path, PROGRESS_RATE_LIMIT="5 per minute")
    number = "SPJY0001-320505-20260928-00001"
    with threaded_server(app) as base:
        answers = [requests.get(f"{base}/api/v1/progress/{number}{c}", params={"code": "ABCDEFGHJK"},
                                headers={"X-Forwarded-For": STRANGER}, timeout=30) for c in "0123456789"]
    statuses = [a.status_code for a in answers]
    assert statuses == [404] * 5 + [429] * 5, statuses
    assert answers[-1].headers["Retry-After"].isdigit()
    app.extensions["yiwang"].dispatcher.close()
