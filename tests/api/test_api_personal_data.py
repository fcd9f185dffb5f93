"""Personal identifiers at rest (issue 16, finding 5): a worked case leaves no ID number, mobile number or
name in plaintext in any table; a changed ciphertext or a wrong key fails loudly; keys rotate; what masking
hides stays hidden, and every read in full is audited.

The database is the test database (SQLite, or PostgreSQL with ``YIWANG_TEST_DATABASE_URL``): every text and
JSON column of every table is searched for the case's values after the case was worked over HTTP.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import MetaData, select, text, update

from api_kit import audit_rows
from case_api_kit import ELDERLY, REAL_ESTATE, complete, ok, open_case, real_estate_application, resident_id, task
from engine.models import InstanceTaskState
from engine.sealing import PREFIX, Keyring

BUYER_NAME, SELLER_NAME = "欧阳明远", "司马静怡"
BUYER_ID, SELLER_ID = resident_id("340503", "19880412", "071"), resident_id("340504", "19650830", "046")
BUYER_MOBILE = "13912345678"
ELDER_NAME, ELDER_ID, ELDER_MOBILE = "诸葛秀兰", resident_id("340503", "19400105", "028"), "15855501234"
PERSONAL = (BUYER_NAME, SELLER_NAME, BUYER_ID, SELLER_ID, BUYER_MOBILE, ELDER_NAME, ELDER_ID, ELDER_MOBILE)


@pytest.fixture
def people(as_demo):
    return {name: as_demo(name) for name in ("applicant", "clerk", "bdc.examiner", "bdc.recorder", "supervisor",
                                             "auditor")}


def application() -> dict:
    return real_estate_application(transferee_name=BUYER_NAME, transferee_id=BUYER_ID, mobile=BUYER_MOBILE,
                                   transferor_name=SELLER_NAME, transferor_id=SELLER_ID)


def worked_case(people, clock) -> dict:
    """A real-estate transfer applied for online, a comment quoting the mobile number, one correction
    round (the resubmission quoting it too), worked to the end and an e-licence issued; and a draft of
    another item the applicant keeps."""
    clock.set(2026, 9, 28, 10)
    applicant, clerk = people["applicant"], people["clerk"]
    ok(applicant.put(f"/api/v1/drafts/{ELDERLY}", json={
        "applicant": {"kind": "person", "id_number": ELDER_ID},
        "data": {"name": ELDER_NAME, "id_number": ELDER_ID, "mobile": ELDER_MOBILE}}))
    receipt = open_case(applicant, REAL_ESTATE, application(), id_number=BUYER_ID)
    case_id = receipt["case_id"]
    accept = task(clerk, case_id, "accept")
    ok(clerk.post(f"/api/v1/tasks/{accept['id']}/comments",
                  json={"kind": "comment", "text": f"已电话 {BUYER_MOBILE} 核实买受人身份"}), 201)
    deficiency = {"kind": "material", "ref": "BDC-M03", "name": "存量房买卖合同", "problem": "合同第3页缺少出卖人签字",
                  "requirement": "补签后重新上传"}
    ok(clerk.post(f"/api/v1/cases/{case_id}/corrections", json={
        "items": [deficiency], "task_id": accept["id"],
        "data": {"acceptance": "correct", "deficiencies": [deficiency]}}), 201)
    ok(applicant.post(f"/api/v1/cases/{case_id}/resubmit",
                      json={"data": {"supplement": f"已补签，联系电话 {BUYER_MOBILE}"}}))
    complete(clerk, case_id, "accept", {"acceptance": "accept", "fee_paid": True})
    complete(people["bdc.examiner"], case_id, "review", {"review_decision": "approve", "encumbrances_checked": True})
    complete(people["bdc.recorder"], case_id, "record", {
        "unit_number": "340503001002GB00012F00051202", "new_certificate_number": "皖(2026)马鞍山市不动产权第0098765号"})
    complete(clerk, case_id, "issue", {"delivery": "mail", "tracking_number": "1186098765432"})
    licence = ok(clerk.post(f"/api/v1/cases/{case_id}/licences", json={
        "holder_id": BUYER_ID, "holder_name": BUYER_NAME,
        "data": {"权利人": BUYER_NAME, "坐落": "马鞍山市花山区湖东中路88号"}}), 201)
    return {"case_id": case_id, "licence": licence["number"], "receipt": receipt, "commented": accept["id"]}


def stored_values(db_engine) -> dict[str, list[str]]:
    """Every non-empty value of every column of every table, as text, by "table.column"."""
    metadata = MetaData()
    metadata.reflect(bind=db_engine)
    found: dict[str, list[str]] = {}
    with db_engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is not None:
                        as_text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                                                   default=str)
                        found.setdefault(f"{table.name}.{column}", []).append(as_text)
    return found


def plaintext_in(db_engine, values=PERSONAL) -> list[tuple[str, str]]:
    return sorted({(where, value) for where, texts in stored_values(db_engine).items()
                   for value in values for t in texts if value in t})


def test_a_worked_case_leaves_no_identifier_in_plaintext_in_any_table(app, db_engine, people, clock):
    worked = worked_case(people, clock)
    assert plaintext_in(db_engine) == []
    # ... while the people who handle the case see every value, as submitted
    data = ok(people["clerk"].get(f"/api/v1/instances/{worked['case_id']}"))["data"]
    assert (data["transferee_name"], data["transferee_id"], data["mobile"], data["transferor_name"]) == (
        BUYER_NAME, BUYER_ID, BUYER_MOBILE, SELLER_NAME)
    draft = ok(people["applicant"].get(f"/api/v1/drafts/{ELDERLY}"))
    assert draft["applicant"]["id_number"] == ELDER_ID and draft["data"]["name"] == ELDER_NAME
    comments = ok(people["clerk"].get(f"/api/v1/tasks/{worked['commented']}/comments"))
    assert BUYER_MOBILE in comments[0]["text"]
    licence = ok(people["applicant"].get(f"/api/v1/licences/{worked['licence']}"))
    assert (licence["holder_id"], licence["holder_name"], licence["data"]["权利人"]) == (BUYER_ID, BUYER_NAME,
                                                                                        BUYER_NAME)
    document = ok(people["applicant"].get(f"/api/v1/licences/{worked['licence']}/document"))
    assert json.loads(document["payload"])["holder"] == {"kind": "person", "id": BUYER_ID, "name": BUYER_NAME}
    assert ok(app.test_client().post("/api/v1/licences/verify", json=document))["valid"] is True
    # a holder's licences are found through the blind index of the number, stored nowhere in plaintext
    from api_kit import at
    from processes.licences import licences_for_holder

    env = app.extensions["yiwang"]
    with env.unit_of_work() as uow:
        assert [o["number"] for o in licences_for_holder(uow, BUYER_ID, now=at(2027, 1, 4))] == [worked["licence"]]
        assert licences_for_holder(uow, SELLER_ID, now=at(2027, 1, 4)) == []
    # the sealed values name their key
    key_id = env.protector.keyring.current.id
    with db_engine.connect() as conn:
        bodies = [row.body for row in conn.execute(select(InstanceTaskState.body).where(
            InstanceTaskState.instance_id == worked["case_id"]))]
    assert any(b["data"].get("transferee_id", "").startswith(f"{PREFIX}{key_id}:") for b in bodies)


def test_a_changed_ciphertext_fails_loudly_and_names_the_case_and_key(app, db_engine, people, clock):
    worked = worked_case(people, clock)
    case_id = worked["case_id"]
    env = app.extensions["yiwang"]
    with db_engine.begin() as conn:
        task_id, body = conn.execute(select(InstanceTaskState.task_id, InstanceTaskState.body).where(
            InstanceTaskState.instance_id == case_id)).first()
        sealed = body["data"]["transferee_id"]
        body["data"]["transferee_id"] = sealed[:-6] + ("AAAA" if sealed[-6:-2] != "AAAA" else "BBBB") + sealed[-2:]
        conn.execute(update(InstanceTaskState.__table__).where(
            InstanceTaskState.instance_id == case_id, InstanceTaskState.task_id == task_id).values(body=body))
    env.instances.clear()  # as another process would: read from the rows
    with app.test_request_context():
        from engine import queries
        from engine.sealing import SealedDataError

        with pytest.raises(SealedDataError) as raised, env.unit_of_work() as uow:
            queries.get_instance(uow, case_id)
    assert raised.value.context == {"key_id": env.protector.keyring.current.id, "where": f"instance:{case_id}"}
    assert "was changed" in raised.value.message
    # over HTTP: a problem document, no traceback, and nothing of the value
    response = people["clerk"].get(f"/api/v1/instances/{case_id}")
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith(":sealed-data") and BUYER_ID not in response.get_data(as_text=True)


def test_a_process_with_other_keys_cannot_read_the_cases_and_says_which_key_it_lacks(app, db_engine, people,
                                                                                       clock):
    worked = worked_case(people, clock)
    env = app.extensions["yiwang"]
    key_id = env.protector.keyring.current.id
    env.protector.keyring = Keyring.generate()  # a host given another key file
    env.instances.clear()
    response = people["clerk"].get(f"/api/v1/instances/{worked['case_id']}")
    assert response.status_code == 500
    assert key_id in response.get_json()["title"] and "does not hold" in response.get_json()["title"]


def test_after_a_rotation_old_values_still_open_and_a_reseal_moves_everything_to_the_new_key(
        app, db_engine, people, clock):
    from api.cli_data_keys import reseal_everything

    worked = worked_case(people, clock)
    env = app.extensions["yiwang"]
    old = env.protector.keyring
    env.protector.keyring = Keyring.from_document(old.with_new_key("sm4-gcm").to_document())
    new_id = env.protector.keyring.current.id
    env.instances.clear()
    clerk = people["clerk"]
    assert ok(clerk.get(f"/api/v1/instances/{worked['case_id']}"))["data"]["transferee_id"] == BUYER_ID

    changed = reseal_everything(env)
    assert changed["instance_task_state"] > 0
    assert (changed["application_draft"], changed["e_licence"], changed["task_comment"]) == (1, 1, 1)
    assert sum(reseal_everything(env).values()) == 0  # run again: nothing left to move
    under_old = [(where, t[:30]) for where, texts in stored_values(db_engine).items() for t in texts
                 if f"{PREFIX}{old.current.id}:" in t]
    assert under_old == []
    # the old key can go: everything opens with the new one alone
    env.protector.keyring = Keyring.from_document({**env.protector.keyring.to_document(), "keys": {
        new_id: env.protector.keyring.to_document()["keys"][new_id]}})
    env.instances.clear()
    assert ok(clerk.get(f"/api/v1/instances/{worked['case_id']}"))["data"]["transferee_id"] == BUYER_ID
    assert ok(people["applicant"].get(f"/api/v1/drafts/{ELDERLY}"))["data"]["mobile"] == ELDER_MOBILE
    assert ok(people["applicant"].get(f"/api/v1/licences/{worked['licence']}"))["holder_id"] == BUYER_ID
    assert plaintext_in(db_engine) == []


def test_rows_stored_before_sealing_are_sealed_by_the_reseal(app, db_engine, people, clock):
    from api.cli_data_keys import reseal_everything
    from api_kit import at
    from processes.licences import licences_for_holder

    env = app.extensions["yiwang"]
    keys = env.protector.keyring
    env.protector.keyring = Keyring()  # as the code before this change wrote them: nothing sealed
    worked = worked_case(people, clock)
    assert BUYER_ID in {value for _, value in plaintext_in(db_engine)}
    with db_engine.begin() as conn:  # and without the blind index the 0008 migration adds
        conn.execute(text("UPDATE e_licence SET holder_index = NULL"))
    env.protector.keyring = keys
    env.instances.clear()
    reseal_everything(env)
    assert plaintext_in(db_engine) == []
    assert ok(people["clerk"].get(f"/api/v1/instances/{worked['case_id']}"))["data"]["transferor_id"] == SELLER_ID
    with env.unit_of_work() as uow:
        offers = licences_for_holder(uow, BUYER_ID, now=at(2027, 1, 4))
    assert [o["number"] for o in offers] == [worked["licence"]]


def test_masked_for_roles_that_do_not_need_them_and_every_read_in_full_is_audited(app, people, clock):
    worked = worked_case(people, clock)
    case_id, env = worked["case_id"], app.extensions["yiwang"]
    before = {r.id for r in audit_rows(env, action="personal-data.read")}

    supervisor = ok(people["supervisor"].get(f"/api/v1/instances/{case_id}"))
    shown = json.dumps(supervisor, ensure_ascii=False)
    for value in (BUYER_ID, SELLER_ID, BUYER_MOBILE, BUYER_NAME, SELLER_NAME):
        assert value not in shown
    assert supervisor["data"]["transferee_name"] == "欧***" and supervisor["data"]["mobile"] == "139****5678"
    licence = ok(people["supervisor"].get(f"/api/v1/licences/{worked['licence']}"))
    assert (licence["holder_id"], licence["holder_name"]) == (BUYER_ID[:4] + "*" * 10 + BUYER_ID[-4:], "欧***")
    assert people["supervisor"].get(f"/api/v1/licences/{worked['licence']}/document").status_code == 403
    assert people["supervisor"].get(f"/api/v1/licences/{worked['licence']}/html").status_code == 403
    assert {r.id for r in audit_rows(env, action="personal-data.read")} == before  # masked reads: nothing to log

    assert ok(people["clerk"].get(f"/api/v1/instances/{case_id}"))["data"]["transferee_id"] == BUYER_ID
    assert ok(people["clerk"].get(f"/api/v1/licences/{worked['licence']}/html"), 200) is None
    reads = sorted((r for r in audit_rows(env, action="personal-data.read") if r.id not in before), key=lambda r: r.id)
    assert [(r.actor, r.object_type, r.object_id, r.case_id, r.result) for r in reads] == [
        ("clerk", "instance", case_id, case_id, "ok"), ("clerk", "licence", worked["licence"], case_id, "ok")]
    # the auditor finds them among the case's records
    per_case = ok(people["auditor"].get(f"/api/v1/instances/{case_id}/audit"))
    assert sum(r["action"] == "personal-data.read" for r in per_case) >= 2
