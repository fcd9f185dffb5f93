"""One rule for resident ID numbers and credit codes: the server's and the browser's say the same thing."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess

import pytest
from stdnum.cn import ric, uscc

from forms.identifiers import REGION_CODES_JS, region_codes, region_codes_js, resident_id_problem, uscc_problem
from support.paths import REPO


def resident_id(region: str, birth: str, sequence: str = "021") -> str:
    body = region + birth + sequence
    return body + ric.calc_check_digit(body + "0")


def credit_code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


TOMORROW = (datetime.date.today() + datetime.timedelta(days=2)).strftime("%Y%m%d")
SAMPLES = {
    "resident": [
        resident_id("340503", "19400101"),  # 花山区 created 1983, resident born 1940: valid
        resident_id("110103", "19750101"),  # 崇文区, abolished 2010: still a valid number
        resident_id("110105", "19491231", "002"),
        resident_id("110105", "19491231", "002")[:-1] + "0",
        resident_id("110105", "19990230"),
        resident_id("110105", TOMORROW),
        resident_id("110105", "18000101"),
        resident_id("000000", "19900101"),
        resident_id("999999", "19900101"),
        "11010519491231002",
        "11010519491231002x",
        "1101051949123100X2",
        "110105 19491231002",
    ],
    "company": [
        credit_code("91110000600037341"),
        credit_code("91340500MA2T8K3L9"),
        credit_code("91340500MA2T8K3L9")[:-1] + ("0" if credit_code("91340500MA2T8K3L9")[-1] != "0" else "1"),
        "91110000600037341",
        "9111000060003734IL",
        "91110000600037341l",
    ],
}


def test_a_huashan_resident_born_before_the_district_existed_has_a_valid_number():
    assert resident_id_problem(resident_id("340503", "19400101")) is None
    assert not ric.is_valid(resident_id("340503", "19400101"))  # the library alone refuses it


@pytest.mark.parametrize(("number", "reason"), [
    (SAMPLES["resident"][3], "check-digit"), (SAMPLES["resident"][4], "birth-date"),
    (SAMPLES["resident"][5], "birth-date-future"), (SAMPLES["resident"][6], "birth-date"),
    (SAMPLES["resident"][7], "region"), (SAMPLES["resident"][9], "length"), (SAMPLES["resident"][10], "characters"),
])
def test_the_rule_says_which_part_of_a_resident_id_failed(number, reason):
    assert resident_id_problem(number) == reason


def test_the_browsers_copy_of_the_region_codes_is_current():
    assert (REPO / REGION_CODES_JS).read_text(encoding="utf-8") == region_codes_js(), \
        "run `python -m forms.identifiers`"
    assert "340503" in region_codes() and "110103" in region_codes()


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the browser's rule")
def test_the_browser_gives_the_same_verdict_as_the_server_for_every_sample():
    script = (
        "const m = await import(process.argv[1]); await m.regionsReady;"
        "const s = JSON.parse(process.argv[2]);"
        "console.log(JSON.stringify({resident: s.resident.map(m.residentIdProblem),"
        " company: s.company.map(m.usccProblem)}));"
    )
    module = (REPO / "designer" / "src" / "forms" / "identifiers.js").as_uri()
    result = subprocess.run(["node", "--input-type=module", "-e", script, module, json.dumps(SAMPLES)],
                            capture_output=True, text=True, timeout=60, check=True)
    browser = json.loads(result.stdout)
    server = {"resident": [resident_id_problem(n) for n in SAMPLES["resident"]],
              "company": [uscc_problem(n) for n in SAMPLES["company"]]}
    assert browser == server
    assert server["resident"][:3] == [None, None, None] and server["company"][:2] == [None, None]
