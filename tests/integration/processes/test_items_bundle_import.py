"""Importing a bundle publishes forms, process and item version together; export and re-import change nothing."""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest
from sqlalchemy import func, select

from engine.models import ProcessDefinition, ProcessInstance
from forms.models import FormVersion
from items_kit import (
    ALL_EXAMPLES,
    ELDERLY,
    REAL_ESTATE,
    apply,
    born_years_ago,
    forms_bound_env,
    licence,
    load,
    open_steps,
    publish,
    upload,
)
from processes import bundles, catalogue
from processes.catalogue import ItemVersion
from processes.item_errors import BundleRejected, ItemVersionImmutable

ELDERLY_CODE = "340503-XZGF-GLJT-001"


@pytest.fixture
def env(db_engine):
    with forms_bound_env(db_engine) as env:
        yield env



def counts(env) -> dict[str, int]:
    with env.unit_of_work() as uow:
        return {model.__name__: uow.session.scalar(select(func.count()).select_from(model))
                for model in (ProcessDefinition, FormVersion, ItemVersion)}


@pytest.mark.parametrize("example", ALL_EXAMPLES, ids=lambda p: p.name)
def test_an_exported_bundle_imports_again_as_the_same_version(env, example):
    first = publish(env, example, published_by="policy.staff")
    exported = bundles.export_bundle(env.unit_of_work(), first.code)
    before = counts(env)

    again = bundles.import_bundle(env.unit_of_work(), bundles.load_bundle(exported))

    assert (again.code, again.version, again.created) == (first.code, 1, False)
    assert again.definitions == first.definitions and again.form_versions == first.form_versions
    assert counts(env) == before
    assert bundles.export_bundle(env.unit_of_work(), first.code) == exported  # byte for byte


def test_a_version_pins_the_process_and_forms_it_was_published_with(env, tmp_path):
    publish(env, ELDERLY)
    old_case = apply(env, ELDERLY_CODE, elderly_application(local=False), applicant="li.gp")
    changed = tmp_path / "elderly"
    shutil.copytree(ELDERLY, changed)
    bpmn = changed / "elderly_allowance.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('name="人工审核"', 'name="人工复核"'), encoding="utf-8")

    second = bundles.import_bundle(env.unit_of_work(), load(changed))

    assert (second.version, second.created, second.definitions) == (2, True, {"gljt_elderly_allowance": 2})
    assert second.form_versions == {"gljt_application": 1, "gljt_manual_review": 1}
    with env.unit_of_work() as uow:
        first = catalogue.get_version(uow.session, ELDERLY_CODE, 1)
        assert first.definitions == {"gljt_elderly_allowance": 1}
        assert [v.version for v in catalogue.list_versions(uow.session, ELDERLY_CODE)] == [1, 2]
        assert uow.session.get(ProcessInstance, old_case).definition_id == first.definition_id
    new_case = apply(env, ELDERLY_CODE, elderly_application(local=False), applicant="li.gp")
    with env.unit_of_work() as uow:
        assert uow.session.get(ProcessInstance, new_case).definition_id == second.definition_id
    assert open_steps(env, old_case) == open_steps(env, new_case) == ["manual_review"]


def test_a_rejected_bundle_stores_nothing_and_names_every_problem(env, tmp_path):
    broken = tmp_path / "real_estate"
    shutil.copytree(REAL_ESTATE, broken)
    document = json.loads((broken / "item.json").read_text(encoding="utf-8"))
    document["time_limits"] = {"statutory_days": 30, "promised_days": 4}
    (broken / "item.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(BundleRejected) as rejected:
        bundles.import_bundle(env.unit_of_work(), load(broken))

    assert [(p.code, p.element_id) for p in rejected.value.problems] == [
        ("critical-path-exceeds-promise", "bdc_transfer_registration")]
    assert counts(env) == {"ProcessDefinition": 0, "FormVersion": 0, "ItemVersion": 0}


def test_a_failure_while_recording_the_item_rolls_back_the_forms_and_the_process(env, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bundles, "record_version", fail)

    with pytest.raises(RuntimeError):
        publish(env, REAL_ESTATE)

    assert counts(env) == {"ProcessDefinition": 0, "FormVersion": 0, "ItemVersion": 0}


def test_a_zipped_folder_imports_like_the_folder(env):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(ELDERLY.rglob("*")):
            if path.is_file():
                archive.write(path, f"elderly_allowance/{path.relative_to(ELDERLY).as_posix()}")

    result = bundles.import_bundle(env.unit_of_work(), bundles.load_bundle(out.getvalue()))

    assert (result.code, result.version, result.created) == (ELDERLY_CODE, 1, True)
    assert publish(env, ELDERLY).created is False


def test_published_item_versions_cannot_be_changed(env):
    publish(env, ELDERLY)
    with env.unit_of_work() as uow:
        row = catalogue.get_version(uow.session, ELDERLY_CODE)
        row.name = "改名"
        with pytest.raises(ItemVersionImmutable):
            uow.session.flush()


def test_the_catalogue_lists_the_latest_version_of_each_item(env):
    for example in ALL_EXAMPLES:
        publish(env, example)
    with env.unit_of_work() as uow:
        listed = catalogue.list_items(uow.session)
        assert [r.code for r in listed] == sorted(r.code for r in listed)
        assert len(listed) == 4
        assert [r.code for r in catalogue.list_items(uow.session, item_type="benefit")] == [ELDERLY_CODE]


def elderly_application(*, local: bool) -> dict:
    return {"applicant": "li.gp", "name": "李桂萍", "id_number": born_years_ago(86), "mobile": "13905550123",
            "local_hukou": local, "residence_years": 9, "id_card": licence("CN-RESIDENT-ID", "1"),
            "household_register": licence("CN-HOUSEHOLD-REGISTER", "2"), "bank_card": upload("卡.png", "png")}



def test_a_case_of_an_item_version_uses_the_forms_that_version_was_published_with(env):
    """Republishing a shared form key later does not change the forms of older versions' cases."""
    from forms.store import publish_form

    bundle = load(REAL_ESTATE)
    result = publish(env, REAL_ESTATE)
    with env.unit_of_work() as uow:
        row = catalogue.get_version(uow.session, result.code, result.version)
        pinned = dict(row.form_versions)
        key = sorted(pinned)[0]
        schema = {**bundle.forms[key]["schema"], "title": "改版"}
        publish_form(uow.session, key, schema, bundle.forms[key].get("ui_schema"))
        uow.commit()
    with env.unit_of_work() as uow:
        ref = catalogue.get_version(uow.session, result.code, result.version).case_ref()
    assert ref.form_versions == pinned and ref.definition_id == result.definition_id
    with env.unit_of_work() as uow:
        start = catalogue.prepare_case(uow.session, result.code, {}, applicant="a")
        latest = uow.session.scalar(select(func.max(FormVersion.version)).where(FormVersion.form_key == key))
    assert start.form_versions == pinned and latest == pinned[key] + 1
