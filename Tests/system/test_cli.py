"""The command line as an operator meets it: property export/import round trip, import refusing a bad
document with every problem named by path and nothing stored, and clear failures for missing data."""

import json
import os
import subprocess
import tempfile

BIN = os.environ.get("ASSENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/assent"))


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


def seeded_data_dir():
    return tempfile.mkdtemp(prefix="assent-cli-")


def test_import_export_round_trip_and_versions():
    data = seeded_data_dir()
    doc = {
        "id": "news", "name": "News", "origins": ["https://news.example"], "languages": ["en"],
        "categories": [{"key": "necessary", "required": True, "title": {"en": "Strictly Necessary"},
                        "description": {"en": "Needed for the site to work."}},
                       {"key": "sale", "title": {"en": "Sale"}, "description": {"en": "Sale or sharing."},
                        "purposes": ["sale", "sharing"]}],
        "texts": {"en": {k: k.upper() for k in [
            "bannerTitle", "bannerText", "acceptAll", "rejectAll", "preferences", "doNotSell",
            "preferencesTitle", "preferencesIntro", "cookiePolicy", "allowAll", "saveSettings", "alwaysActive",
            "gpcHonoured", "close", "cookiesHeading", "placeholder", "placeholderButton"]}},
    }
    path = os.path.join(data, "news.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    first = run("property", "import", path, "--data-dir", data)
    assert first.returncode == 0, first.stderr
    assert "revision 1, policy version 1" in first.stdout

    again = run("property", "import", path, "--data-dir", data)
    assert again.returncode == 0 and "unchanged" in again.stdout

    exported = run("property", "export", "news", "--data-dir", data)
    assert exported.returncode == 0, exported.stderr
    back = json.loads(exported.stdout)
    assert back["id"] == "news" and back["policyVersion"] == 1
    assert [c["key"] for c in back["categories"]] == ["necessary", "sale"]

    back["texts"]["en"]["bannerTitle"] = "Changed"
    with open(path, "w") as f:
        json.dump(back, f)
    changed = run("property", "import", path, "--data-dir", data)
    assert "revision 2, policy version 2" in changed.stdout, changed.stdout


def test_import_names_every_problem_and_stores_nothing():
    data = seeded_data_dir()
    bad = {
        "id": "Bad Id", "name": "x", "origins": ["example.com"], "languages": ["en", "es"], "colour": "red",
        "regimes": {"default": "notice", "rules": [{"regime": "opt-in", "regions": ["FR"], "rejectAll": False}]},
        "categories": [{"key": "functional", "title": {"en": "Functional"}, "description": {"en": "x"}}],
        "texts": {"en": {}},
    }
    path = os.path.join(data, "bad.json")
    with open(path, "w") as f:
        json.dump(bad, f)
    result = run("property", "import", path, "--data-dir", data)
    assert result.returncode == 2
    for expected in ["$.id", "$.origins[0]", "$.colour: unknown field", "$.regimes.rules[0].rejectAll",
                     'a property needs a "necessary" category', "$.categories[0].title.es", "$.texts.es",
                     "$.texts.en.acceptAll: missing"]:
        assert expected in result.stderr, f"{expected!r} not in:\n{result.stderr}"
    exported = run("property", "export", "Bad Id", "--data-dir", data)
    assert exported.returncode != 0

    with open(path, "w") as f:
        f.write('{"id": "x", "id": "y"}')
    dup = run("property", "import", path, "--data-dir", data)
    assert dup.returncode == 2 and 'duplicate member "id"' in dup.stderr


def test_missing_things_fail_clearly():
    empty = tempfile.mkdtemp(prefix="assent-cli-empty-")
    verify = run("ledger", "verify", "--data-dir", empty)
    assert verify.returncode != 0 and "no database" in (verify.stdout + verify.stderr)
    missing = run("property", "import", os.path.join(empty, "nope.json"), "--data-dir", empty)
    assert missing.returncode != 0 and "cannot read" in missing.stderr
    port = run("serve", "--port", "0", "--data-dir", empty)
    assert port.returncode != 0 and "--port" in port.stderr
    region = run("serve", "--default-region", "Narnia", "--data-dir", empty)
    assert region.returncode != 0 and "--default-region" in region.stderr


def test_signals_decode():
    good = run("signals", "decode", "DBABLA~CVVVkkkkkpFY.YA")
    assert good.returncode == 0, good.stderr
    decoded = json.loads(good.stdout)
    assert decoded["type"] == "gpp" and decoded["header"]["sectionIds"] == [7]
    assert decoded["sections"]["usnat"]["saleOptOut"] == 1 and decoded["sections"]["usnat"]["gpc"] is True
    assert json.loads(run("signals", "decode", "1YNN").stdout)["optOutSale"] == "N"

    bad = run("signals", "decode", "CO4VGswO4VGswAfZ")
    assert bad.returncode == 1 and bad.stdout == ""
    assert "core.cmpVersion at bit 90" in bad.stderr, bad.stderr
