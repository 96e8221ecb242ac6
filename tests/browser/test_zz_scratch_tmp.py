import pytest
from tests.browser.test_learner_browser import _axe, AXE_TAGS

@pytest.mark.browser
def test_scratch(page, live_server):
    page.goto(live_server.url + "/login")
    r = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    print("violations", len(r.response["violations"]), "passes", len(r.response["passes"]), "incomplete", [(i["id"], len(i["nodes"])) for i in r.response["incomplete"]])
    print(r.response["testEngine"], r.response["toolOptions"])
    page.evaluate("document.querySelector('label').remove(); document.body.style.color='#ccc'")
    r = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    print([(v["id"], v["nodes"][0]["target"]) for v in r.response["violations"]])
