"""A new policy version asks the visitor again: the publisher changes a banner text with
`assent property import`, and a visitor who had decided under the old version sees the banner again once
the widget revalidates its cached config."""

import json
import subprocess

from conftest import BIN, poll


def test_changed_policy_asks_again(browser, own_server):
    b = browser
    b.server = own_server
    b.region("FR")
    b.demo()
    b.wait_banner()
    b.click_button("Accept All", ".assent-b")
    b.wait(lambda d: b.decision() is not None, "the decision cookie")
    assert b.decision()["v"] == 1
    b.reload()
    assert b.banner() is None or not b.banner().is_displayed()

    # The publisher rewrites the banner title: what visitors are shown changed, so the policy version moves.
    exported = subprocess.run([BIN, "property", "export", "demo", "--data-dir", str(own_server.data_dir)],
                              capture_output=True, text=True, check=True).stdout
    doc = json.loads(exported)
    doc["texts"]["en"]["bannerTitle"] = "We changed how we use cookies"
    path = own_server.data_dir.parent / "demo-v2.json"
    path.write_text(json.dumps(doc))
    out = subprocess.run([BIN, "property", "import", str(path), "--data-dir", str(own_server.data_dir)],
                         capture_output=True, text=True, check=True).stdout
    assert "policy version 2" in out, out
    poll(lambda: own_server.get("/v1/properties/demo/config?lang=en")[1]["policyVersion"] == 2,
         message="the running server to pick up the import")

    # The widget trusts its cached config for data-config-ttl; age the cache as if that time had passed.
    b.js("for (const k of Object.keys(localStorage)) if (k.startsWith('assent:demo:')) {"
         " const c = JSON.parse(localStorage.getItem(k)); c.at = 0; localStorage.setItem(k, JSON.stringify(c)) }")
    b.reload()
    banner = b.wait_banner()
    assert "We changed how we use cookies" in banner.text

    b.click_button("Reject All", ".assent-b")
    b.wait(lambda d: (b.decision() or {}).get("v") == 2, "a decision under policy version 2")
    record = poll(lambda: (r := own_server.subject(b.decision()["s"]))["action"] == "reject_all" and r,
                  message="the new record")
    assert record["policyVersion"] == 2
