"""What `yiwang item ...` runs: check, import, export, list and guide, on a real database."""

from __future__ import annotations

import json
import shutil

import pytest

from items_kit import ALL_EXAMPLES, ELDERLY, forms_bound_env
from processes import item_commands
from processes.item_errors import BundleRejected, ItemNotFound


@pytest.fixture
def env(db_engine):
    with forms_bound_env(db_engine) as env:
        yield env



def test_import_export_and_reimport_from_files(env, tmp_path):
    results = [item_commands.import_item(env, example, published_by="policy.staff") for example in ALL_EXAMPLES]
    assert [r.created for r in results] == [True] * 4

    exported = item_commands.export_item(env, results[0].code, tmp_path / "gljt.zip")
    again = item_commands.import_item(env, exported)

    assert (again.version, again.created) == (1, False)
    listed = item_commands.list_catalogue(env)
    assert {row["code"]: row["promised_days"] for row in listed} == {
        "340500-XK-SGXK-007": 50, "340500-XZQR-BDC-012": 5, "340500-YJS-QYKB-001": 3, "340503-XZGF-GLJT-001": 1}
    assert "高龄津贴申领" in item_commands.item_guide(env, "340503-XZGF-GLJT-001")


def test_check_reports_problems_without_storing_and_import_refuses_them(env, tmp_path):
    broken = tmp_path / "gljt"
    shutil.copytree(ELDERLY, broken)
    document = json.loads((broken / "item.json").read_text(encoding="utf-8"))
    document["materials"][3]["name"] = "银行卡"
    (broken / "item.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    problems = item_commands.check_item(env, broken)

    assert [(p.code, p.file, p.pointer) for p in problems] == [
        ("material-name-mismatch", "forms/gljt_application.json", "/properties/bank_card/x-material/name")]
    with pytest.raises(BundleRejected):
        item_commands.import_item(env, broken)
    assert item_commands.list_catalogue(env) == []


def test_unknown_items_and_paths_are_named(env, tmp_path):
    with pytest.raises(ItemNotFound):
        item_commands.item_guide(env, "340500-XK-NONE-000")
    with pytest.raises(BundleRejected) as missing:
        item_commands.import_item(env, tmp_path / "nowhere.zip")
    assert missing.value.problems[0].code == "bundle-not-found"
