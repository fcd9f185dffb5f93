"""Every MIWG reference model opens in the modeler (uploaded as a file) and exports to BPMN that re-imports
with the same elements and flows."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from e2e_kit import shot

MIWG = Path(__file__).parents[3] / "shared" / "corpus" / "miwg"
MODELS = sorted(MIWG.glob("*.bpmn"))
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Model elements whose ids must survive (diagram interchange elements are checked through bpmn-js).
SKIP = {"definitions", "extensionElements", "documentation", "text", "conditionExpression", "incoming", "outgoing"}

ROUND_TRIP = """async () => {
  const m = window.__ywModeler;
  const ids = () => m.get('elementRegistry').getAll().filter((e) => e.type !== 'label')
    .map((e) => `${e.businessObject.$type}#${e.businessObject.id}`).sort();
  const before = ids();
  const { xml } = await m.saveXML({ format: true });
  const { warnings } = await m.importXML(xml);
  return { before, after: ids(), xml, warnings: warnings.map((w) => w.message) };
}"""


def model_elements(xml: bytes) -> set[tuple[str, str]]:
    root = etree.fromstring(xml)
    return {(etree.QName(el).localname, el.get("id")) for el in root.iter(f"{{{BPMN}}}*")
            if el.get("id") and etree.QName(el).localname not in SKIP}


@pytest.fixture(scope="module")
def modeler_page(browser, server):
    from e2e_kit import PASSWORD

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server}/ui/login")
    page.fill("#login-username", "designer1")
    page.fill("#login-password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=whoami]")  # logged in before leaving the page (a busy machine is slow)
    page.goto(f"{server}/ui/designer")
    page.click(".ant-tabs-tab:has-text('流程')")
    page.wait_for_selector("[data-testid=modeler] .djs-container")
    yield page
    context.close()


@pytest.mark.skipif(not MODELS, reason=f"no MIWG models at {MIWG}")
@pytest.mark.parametrize("model", MODELS, ids=[m.stem for m in MODELS])
def test_a_miwg_model_opens_and_round_trips(modeler_page, model):
    page = modeler_page
    page.locator("input[type=file][accept='.bpmn,.xml']").set_input_files(str(model))
    page.wait_for_selector(f".ant-tag:has-text('{model.name}')")
    page.wait_for_function("() => window.__ywModeler && window.__ywModeler.get('elementRegistry').getAll().length > 1")
    result = page.evaluate(ROUND_TRIP)
    assert result["before"] == result["after"]
    assert result["warnings"] == []
    assert model_elements(result["xml"].encode()) == model_elements(model.read_bytes())
    if model.stem in ("A.1.0", "B.2.0", "C.4.0"):
        shot(page, f"miwg-{model.stem}")
