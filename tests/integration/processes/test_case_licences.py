"""E-licences: issued on approval, verifiable by anyone, refused after one changed byte, reused later."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.actors import Actor
from processes import licences, refusals
from processes.case_config import CaseConfig
from processes.case_errors import CaseNotAllowed, CaseStateError
from processes.licence_models import ELicence
from support import case_kit
from support.case_kit import CLERK, approve, at, finish, open_online, person_id
from support.engine_kit import one_ready

ISSUER = "苏州市吴中区市场监督管理局"


@pytest.fixture
def env(db_engine):
    env = case_kit.make_env(db_engine)
    yield env
    env.close()


@pytest.fixture
def signer(tmp_path):
    return licences.LicenceSigner.from_config(CaseConfig(licence_key_file=str(tmp_path / "licence-key.pem")))


def issue(env, case_id, signer, actor=CLERK, **changes):
    values = dict(licence_type="LIC-FOOD-BUSINESS", title="食品经营许可证", holder_kind="person",
                  holder_id=person_id(2), holder_name="张三",
                  data={"经营场所": "吴中区木渎镇金山路1号", "经营项目": "预包装食品销售"}, issuer=ISSUER)
    values.update(changes)
    return licences.issue_licence(env.unit_of_work(), case_id, signer=signer, actor=actor, now=at(2026, 10, 9, 16),
                                  **values)


def test_an_approval_issues_a_licence_anyone_can_verify_and_one_changed_byte_breaks(env, signer):
    case_id = open_online(env, at(2026, 9, 28, 10))
    approve(env, case_id, at(2026, 10, 9, 15))
    number = issue(env, case_id, signer)
    finish(env, case_id, at(2026, 10, 9, 17))

    with env.unit_of_work() as uow:
        document = licences.licence_document(uow, number)
        row = uow.session.get(ELicence, number)
        html, holder = row.document_html, row.holder_id
        stored = licences.verify_licence(uow, number, signer.public_keys())
    assert stored.valid and stored.content["holder"] == {"kind": "person", "id": person_id(2), "name": "张三"}
    assert (document["algorithm"], document["key_id"]) == ("Ed25519", signer.key_id)
    assert "食品经营许可证" in html and "预包装食品销售" in html and document["signature"] in html
    # Anyone with the document and the published key, no database needed:
    published = {signer.key_id: signer.public_key_pem()}
    assert licences.verify_document(document, published).valid

    payload = bytearray(document["payload"].encode("utf-8"))
    payload[payload.index("预包装".encode())] ^= 0x01
    tampered = licences.verify_document({**document, "payload": bytes(payload)}, published)
    assert (tampered.valid, tampered.reason) == (False, "the signature does not match the licence")

    with env.unit_of_work() as uow:  # someone edits the licence library behind the platform's back
        uow.session.execute(update(ELicence).where(ELicence.number == number).values(
            payload=document["payload"].replace(holder, person_id(7))))
        uow.commit()
    with env.unit_of_work() as uow:
        assert not licences.verify_licence(uow, number, signer.public_keys()).valid


def test_a_holders_licences_are_offered_for_later_applications_until_revoked(env, signer):
    case_id = open_online(env, at(2026, 9, 28, 10))
    approve(env, case_id, at(2026, 10, 9, 15))
    number = issue(env, case_id, signer, valid_until=at(2031, 10, 8))
    with env.unit_of_work() as uow:
        [offer] = licences.licences_for_holder(uow, person_id(2), now=at(2027, 1, 4))
        assert licences.licences_for_holder(uow, person_id(2), now=at(2031, 10, 9)) == []
        assert licences.licences_for_holder(uow, person_id(8), now=at(2027, 1, 4)) == []
    assert offer["reference"] == {"source": "licence", "licence_type": "LIC-FOOD-BUSINESS", "licence_number": number}
    assert offer["data"]["经营项目"] == "预包装食品销售"

    licences.revoke_licence(env.unit_of_work(), number, actor=Actor.of("market_chief", "market"),
                            now=at(2027, 3, 1), reason="以欺骗手段取得")
    with env.unit_of_work() as uow:
        assert licences.licences_for_holder(uow, person_id(2), now=at(2027, 3, 2)) == []
        result = licences.verify_licence(uow, number, signer.public_keys())
    assert (result.valid, result.reason) == (False, "the licence is revoked")


def test_only_staff_issue_and_only_for_a_case_that_was_not_refused(env, signer):
    case_id = open_online(env, at(2026, 9, 28, 10))
    with pytest.raises(CaseNotAllowed):
        issue(env, case_id, signer, actor=Actor.of("zhang3"))
    refusals.refuse_case(env.unit_of_work(), case_id, "材料虚假", actor=CLERK, now=at(2026, 9, 28, 15),
                         task_id=one_ready(env, case_id, "accept")["id"], data={"acceptance": "refuse"})
    with pytest.raises(CaseStateError):
        issue(env, case_id, signer)
