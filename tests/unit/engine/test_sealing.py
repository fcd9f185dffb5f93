"""Sealing personal data: authenticated, bound to its record, under keys that rotate, never silent on failure."""

from __future__ import annotations

import pytest

from engine.sealing import AES_GCM, PREFIX, SM4_GCM, DataKeyError, DataProtector, Keyring, SealedDataError
from forms.personal import identifier_in_text

ID_NUMBER = "340503195608120025"
CASE = "instance:3b1f0a52-0000-4000-8000-000000000001"


class Rules:
    """The forms' rules as the engine sees them: marked fields, and ID/mobile numbers in any text."""

    def fields(self, session, form_versions):
        return frozenset({"applicant_name"})

    in_text = staticmethod(identifier_in_text)


def protector(ring: Keyring) -> DataProtector:
    return DataProtector(ring, Rules())


@pytest.mark.parametrize("algorithm", [AES_GCM, SM4_GCM])
def test_a_sealed_value_opens_to_what_was_sealed_and_shows_nothing_of_it(algorithm):
    ring = Keyring.generate(algorithm)
    sealed = ring.seal(ID_NUMBER, CASE)
    assert sealed.startswith(f"{PREFIX}{ring.current.id}:") and ID_NUMBER not in sealed
    assert ring.seal(ID_NUMBER, CASE) != sealed  # a fresh nonce each time: equal values do not show
    assert ring.open(sealed, CASE) == ID_NUMBER


@pytest.mark.parametrize("algorithm", [AES_GCM, SM4_GCM])
def test_a_changed_ciphertext_fails_loudly_naming_the_key(algorithm):
    ring = Keyring.generate(algorithm)
    sealed = ring.seal(ID_NUMBER, CASE)
    body = sealed[len(PREFIX) + len(ring.current.id) + 1:]
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    with pytest.raises(SealedDataError, match="was changed") as raised:
        ring.open(f"{PREFIX}{ring.current.id}:{flipped}", CASE)
    assert raised.value.context == {"key_id": ring.current.id, "where": CASE}


def test_a_ciphertext_moved_to_another_case_does_not_open():
    ring = Keyring.generate()
    with pytest.raises(SealedDataError, match="moved from another record"):
        ring.open(ring.seal(ID_NUMBER, CASE), "instance:another")


def test_a_wrong_key_with_the_same_id_fails_and_an_unknown_key_id_is_named():
    ring = Keyring.generate()
    sealed = ring.seal(ID_NUMBER, CASE)
    impostor = Keyring.from_document({**ring.to_document(), "keys": {ring.current.id: {
        "algorithm": AES_GCM, "key": Keyring.generate().to_document()["index_key"]}}})
    with pytest.raises(SealedDataError, match="not the one it was sealed with"):
        impostor.open(sealed, CASE)
    with pytest.raises(SealedDataError, match=f"data key '{ring.current.id}', which this process does not hold"):
        Keyring.generate().open(sealed, CASE)


def test_after_rotation_new_values_use_the_new_key_and_old_ones_still_open():
    old = Keyring.generate()
    sealed_before = old.seal(ID_NUMBER, CASE)
    rotated = Keyring.from_document(old.with_new_key(SM4_GCM).to_document())  # as written to the key file
    assert rotated.current.id != old.current.id and rotated.current.algorithm == SM4_GCM
    assert rotated.open(sealed_before, CASE) == ID_NUMBER
    assert rotated.seal(ID_NUMBER, CASE).startswith(f"{PREFIX}{rotated.current.id}:")


def test_marked_fields_and_identifiers_in_any_text_are_sealed_the_rest_kept():
    guard = protector(Keyring.generate())
    data = {"applicant_name": "欧阳明远", "id_number": ID_NUMBER, "note": "请回电 13800138000",
            "approved": True, "departments": ["market", "fire"], "tasks": {"apply": {"applicant_name": "欧阳明远"}}}
    sealed = guard.seal(data, CASE, frozenset({"applicant_name"}))
    assert sealed["approved"] is True and sealed["departments"] == ["market", "fire"]
    for text in (sealed["applicant_name"], sealed["id_number"], sealed["note"], sealed["tasks"]["apply"]["applicant_name"]):
        assert text.startswith(PREFIX)
    assert data["id_number"] == ID_NUMBER  # the value in memory is untouched
    assert guard.open(sealed, CASE) == data


def test_a_typed_string_that_looks_like_an_envelope_comes_back_as_typed():
    guard = protector(Keyring.generate())
    data = {"remark": f"{PREFIX}not-a-key:abc"}
    sealed = guard.seal(data, CASE)
    assert sealed["remark"] != data["remark"]
    assert guard.open(sealed, CASE) == data


def test_without_keys_nothing_is_sealed_but_sealed_data_is_not_handed_out():
    sealed = protector(Keyring.generate()).seal({"id_number": ID_NUMBER}, CASE)
    keyless = protector(Keyring())
    assert keyless.seal({"id_number": ID_NUMBER}, CASE) == {"id_number": ID_NUMBER}
    with pytest.raises(SealedDataError, match="does not hold"):
        keyless.open(sealed, CASE)


def test_the_blind_index_finds_equal_values_only_and_is_kept_apart_by_purpose():
    ring = Keyring.generate()
    assert ring.blind_index(ID_NUMBER, "licence.holder") == ring.with_new_key().blind_index(ID_NUMBER, "licence.holder")
    assert ring.blind_index(ID_NUMBER, "licence.holder") != ring.blind_index("340503195608120033", "licence.holder")
    assert ring.blind_index(ID_NUMBER, "licence.holder") != ring.blind_index(ID_NUMBER, "case.applicant")
    assert ring.blind_index(ID_NUMBER, "licence.holder") != Keyring.generate().blind_index(ID_NUMBER, "licence.holder")


@pytest.mark.parametrize("document, message", [
    ({"current": "a", "keys": {"a": {"algorithm": "aes-256-gcm", "key": "AAAA"}}, "index_key": "A" * 44},
     "must be aes-256-gcm with 32 bytes"),
    ({"current": "b", "keys": {}, "index_key": "A" * 44}, "current data key is not among the keys"),
    ({"keys": {"a": {"algorithm": "des", "key": "AAAA"}}, "index_key": "A" * 44}, "must be aes-256-gcm"),
    ({"current": None, "keys": {}, "index_key": "short"}, "not base64"),
])
def test_unusable_key_documents_are_refused_with_the_reason(document, message):
    with pytest.raises(DataKeyError, match=message):
        Keyring.from_document(document)
