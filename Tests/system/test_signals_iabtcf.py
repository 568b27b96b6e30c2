"""Cross-check of Assent's TC string codec with an independent implementation, the `iab-tcf` PyPI package (0.2.2).

`assent signals encode` writes TC strings for varied, seeded inputs (sparse and dense vendor sets so that both
vendor encodings are chosen, publisher restrictions, DisclosedVendors, the legacy AllowedVendors, PublisherTC with
custom purposes) and iab-tcf must decode the same fields. iab-tcf cannot encode, so the other direction is the
strings of VECTORS.md, written by other encoders: iab-tcf and `assent signals decode` must agree on them.

Where iab-tcf departs from the specification, only that part is skipped:
- Created and LastUpdated: the specification stores deciseconds; iab-tcf's `read_time` truncates to whole seconds
  (`int(value / 10)`), so the times are compared at second granularity and the tenth is not checked.
Everything else (every core field, both vendor encodings, MaxVendorId, restrictions, all three optional segments)
is compared exactly.
"""

import json
import os
import random
import subprocess
from datetime import datetime, timezone

import iab_tcf
import pytest

BIN = os.environ.get("ASSENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/assent"))

VECTORS = [
    "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA",
    "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA",
    "COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA.IBAgAAAgAIAwgAgAAAAEAAAACA"
    ".QAagAQAgAIAwgA",
    "COwBOpCOwBOpCLqAAAENAPCAAAAAAAAAAAAAFfwAYFfAV-BVkAGBVYFWAAA",
    "CQd924AQd924AASACCENCNFsAP_gAEIAACiQL6QBAAGAAOANmAcAF9IAIADgAA",
    "CPSG_8APSG_8AAAAAAENAAFgAAAAAAAAAAAAAOwAQAOgAAAA",
    "CO4VGswO4VGswAfZCBDEAzCsAP_AAH_AAAigGUNf_X9fb2vj-_599_t0eY1f9_63t-wzjheMs-8NyZ-X_J4Wv2MyvB34JqQKGRgkunLBAQdtH"
    "GncTQgBwIlViTLMY02MjzNKJrJEilsbe2dYGH9vn8XT_ZKZ70-_v__7v3___33_5Ayhr_6_r7e18f3_Pvv9ujzGr_v_W9v2GccLxln3huTPy_5"
    "PC1-xmV4O_BNSBQyMEl05YICDto407iaEAOBEqsSZZjGmxkeZpRNZIkUtjb2zrAw_t8_i6f7JTPen39___d-___--__ICgKAOAAcAA4AFAAjgB6A"
    "EYALcGACAW0AtoJAHAAOAAcACgARwA9ACMAFuFABALaAW0GgDgAHAAOABQAI4AegBGAC3DgAgFtALaEQBwADgAHAAoAEcAPQAjABbiQAQC2gFt"
    "CoA4ABwADgAUACOAHoARgAtxYAIBbQC2hkAcAA4ABwAKABHAD0AIwAW40AEAtoBbQ6AOAAcAA4AFAAjgB6AEYALceACAW0AtohAHAAOAAcACgA"
    "RwA9ACMAFuRABALaAW0SgDgAHAAOABQAI4AegBGAC3JgAgFtALaKQBwADgAHAAoAEcAPQAjABblQAQC2gFtA",
]

CASES = 150


def encode(description):
    result = subprocess.run([BIN, "signals", "encode"], input=json.dumps(description), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def decode(string):
    result = subprocess.run([BIN, "signals", "decode", string], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def iso(deciseconds):
    seconds, tenth = divmod(deciseconds, 10)
    text = datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{tenth}Z" if tenth else f"{text}Z"


def naive_utc(seconds):
    """What iab-tcf returns for a time: a naive datetime in UTC."""
    return datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None)


def deciseconds(text):
    base, _, rest = text.rstrip("Z").partition(".")
    seconds = int(datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())
    return seconds * 10 + (int(rest) if rest else 0)


# --- Reading iab-tcf's objects -------------------------------------------------------------------------------------

def set_bits(bitfield):
    return sorted(i for i, on in bitfield.items() if on)


def expand(ranges):
    return sorted({v for start, end in ranges for v in range(start, end + 1)})


def vendors(consent, kind):
    """(MaxVendorId, IsRangeEncoding, sorted IDs) of iab-tcf's vendor consent ("consent") or LI ("interests") section."""
    if kind == "consent":
        max_id, is_range = consent.max_consent_vendor_id, consent.is_consent_range_encoding
        ids = expand(consent.consented_vendors_range) if is_range else set_bits(consent.consented_vendors)
    else:
        max_id, is_range = consent.max_interests_vendor_id, consent.is_interests_range_encoding
        ids = expand(consent.interests_vendors_range) if is_range else set_bits(consent.interests_vendors)
    return max_id, is_range, ids


def restrictions(consent):
    """{(purpose, type): sorted ids}, repeated entries merged as the specification asks decoders to."""
    merged = {}
    for entry in consent.pub_restriction_entries:
        merged.setdefault((entry.purpose_id, entry.restriction_type), set()).update(
            expand(entry.restrictions_range))
    return {key: sorted(ids) for key, ids in merged.items()}


def assert_same(ours, string):
    """`ours` is the JSON form (as `signals decode` prints it) of `string`; iab-tcf must read the same fields."""
    theirs = iab_tcf.decode(string)
    assert theirs.version == ours["version"] == 2
    # iab-tcf keeps whole seconds only (see the module docstring).
    assert theirs.created == naive_utc(deciseconds(ours["created"]) // 10)
    assert theirs.last_updated == naive_utc(deciseconds(ours["lastUpdated"]) // 10)
    assert theirs.cmp_id == ours["cmpId"]
    assert theirs.cmp_version == ours["cmpVersion"]
    assert theirs.consent_screen == ours["consentScreen"]
    assert theirs.consent_language.decode() == ours["consentLanguage"]
    assert theirs.vendor_list_version == ours["vendorListVersion"]
    assert theirs.tcf_policy_version == ours["tcfPolicyVersion"]
    assert theirs.is_service_specific == ours["isServiceSpecific"]
    assert theirs.use_non_standard_stacks == ours["useNonStandardTexts"]
    assert set_bits(theirs.special_features_optin) == ours["specialFeatureOptIns"]
    assert set_bits(theirs.purposes_consent) == ours["purposesConsent"]
    assert set_bits(theirs.purposes_legitimate_interests) == ours["purposesLITransparency"]
    assert theirs.purpose_one_treatment == ours["purposeOneTreatment"]
    assert theirs.publisher_cc.decode() == ours["publisherCC"]
    assert vendors(theirs, "consent")[2] == ours["vendorConsents"]
    assert vendors(theirs, "interests")[2] == ours["vendorLegitimateInterests"]
    assert restrictions(theirs) == {
        (r["purposeId"], r["restrictionType"]): expand(r["vendorRanges"]) for r in ours["pubRestrictions"]}
    for segment, attribute in [("disclosedVendors", "oob_disclosed_vendors"), ("allowedVendors", "oob_allowed_vendors")]:
        if segment in ours:
            assert set_bits(getattr(theirs, attribute)) == ours[segment], segment
        else:
            assert not hasattr(theirs, attribute), segment
    if "publisherTC" in ours:
        mine, pub = ours["publisherTC"], theirs.publisher_tc
        assert set_bits(pub.purposes_consent) == mine["pubPurposesConsent"]
        assert set_bits(pub.purposes_lit_transparency) == mine["pubPurposesLITransparency"]
        assert len(pub.custom_purposes_consent) == mine["numCustomPurposes"]
        assert set_bits(pub.custom_purposes_consent) == mine["customPurposesConsent"]
        assert set_bits(pub.custom_purposes_lit_transparency) == mine["customPurposesLITransparency"]
    else:
        assert not hasattr(theirs, "publisher_tc")
    return theirs


# --- Generated descriptions ---------------------------------------------------------------------------------------

def vendor_set(rng):
    shape = rng.choice(["empty", "sparse", "dense", "runs"])
    if shape == "empty":
        return []
    if shape == "sparse":  # a few IDs spread over a wide range: range encoding wins
        return sorted(rng.sample(range(1, rng.choice([60, 1000, 65535]) + 1), rng.randint(1, 12)))
    if shape == "dense":  # about half of the first few hundred: the bitfield wins
        top = rng.randint(1, 400)
        return [v for v in range(1, top + 1) if rng.random() < 0.5] or [top]
    ids = set()
    for _ in range(rng.randint(1, 5)):  # a few long runs: range encoding wins
        start = rng.randint(1, 3000)
        ids.update(range(start, start + rng.randint(0, 250)))
    return sorted(ids)


def subset(rng, top):
    return [i for i in range(1, top + 1) if rng.random() < 0.4]


def description(rng):
    created = rng.randint(15_000_000_000, 20_000_000_000)
    tc = {
        "type": "tcf", "version": 2, "created": iso(created),
        "lastUpdated": iso(created + rng.choice([0, rng.randint(1, 10_000_000)])),
        "cmpId": rng.randint(0, 4095), "cmpVersion": rng.randint(0, 4095), "consentScreen": rng.randint(0, 63),
        "consentLanguage": rng.choice(["EN", "DE", "FR", "ES", "ZH", "AA"]),
        "vendorListVersion": rng.randint(0, 4095), "tcfPolicyVersion": rng.randint(0, 63),
        "isServiceSpecific": rng.random() < 0.8, "useNonStandardTexts": rng.random() < 0.2,
        "specialFeatureOptIns": subset(rng, 12), "purposesConsent": subset(rng, 24),
        "purposesLITransparency": subset(rng, 24), "purposeOneTreatment": rng.random() < 0.2,
        "publisherCC": rng.choice(["DE", "FR", "GB", "US", "AA", "ZZ"]),
        "vendorConsents": vendor_set(rng), "vendorLegitimateInterests": vendor_set(rng), "pubRestrictions": [],
    }
    for purpose, kind in sorted(rng.sample([(p, t) for p in range(1, 12) for t in range(4)], rng.randint(0, 5))):
        ranges = []
        for _ in range(rng.randint(0, 4)):
            start = rng.randint(1, 2000)
            ranges.append([start, start + rng.choice([0, 0, rng.randint(1, 40)])])
        tc["pubRestrictions"].append({"purposeId": purpose, "restrictionType": kind, "vendorRanges": ranges})
    if rng.random() < 0.7:
        tc["disclosedVendors"] = vendor_set(rng)
    if rng.random() < 0.15:
        tc["allowedVendors"] = vendor_set(rng)
    if rng.random() < 0.5:
        custom = rng.randint(0, 63)
        tc["publisherTC"] = {
            "pubPurposesConsent": subset(rng, 24), "pubPurposesLITransparency": subset(rng, 24),
            "numCustomPurposes": custom, "customPurposesConsent": subset(rng, custom),
            "customPurposesLITransparency": subset(rng, custom),
        }
    return tc


def merged_ranges(ranges):
    out = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out


def test_strings_assent_encodes_decode_the_same_in_iab_tcf():
    rng = random.Random(20260311)
    encodings = {True: 0, False: 0}
    for case in range(CASES):
        tc = description(rng)
        string = encode(tc)
        ours = decode(string)
        # What Assent reads back is what it was given (restriction ranges merged, as the decoder reports them).
        expected = dict(tc, pubRestrictions=[dict(r, vendorRanges=merged_ranges(r["vendorRanges"]))
                                             for r in tc["pubRestrictions"]])
        assert ours == expected, f"case {case}: {string}"
        theirs = assert_same(ours, string)
        for kind, ids in [("consent", tc["vendorConsents"]), ("interests", tc["vendorLegitimateInterests"])]:
            max_id, is_range, _ = vendors(theirs, kind)
            assert max_id == (ids[-1] if ids else 0), f"case {case}: MaxVendorId"
            encodings[is_range] += 1
    # Both vendor encodings were exercised, each many times.
    assert encodings[True] > 40 and encodings[False] > 40, encodings


@pytest.mark.parametrize("string", VECTORS, ids=[v[:12] for v in VECTORS])
def test_vectors_from_other_encoders_decode_the_same_in_both(string):
    assert_same(decode(string), string)
