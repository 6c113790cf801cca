"""Review B: a multipart file name is not path, query or JSON, so TextInputMiddleware never sees
it. The kernel's upload reader refuses control characters in it (422 naming ``file``, the
kernel's forbidden_character rule) and strips bidi controls, for the ledger's evidence and the
complaints' files alike."""

from __future__ import annotations

import pytest

from tests.complaints.conftest import cty  # noqa: F401  (fixture)
from tests.complaints.helpers import staff_body
from tests.fuzz.conftest import assert_problem
from tests.support.ledger_helpers import PDF, make_debt

BOUNDARY = "qqReviewBoundary"


def _raw_multipart(filename: str) -> dict:
    """httpx percent-encodes control characters in a file name (the HTML form rules); a hostile
    client sends them raw, so the part is written by hand."""
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return {"content": body, "headers": {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}}


# "回单\u202efdp.exe" displays as "回单exe.pdf"; the stored name must be the plain text.
BIDI_NAME = "回单\u202a\u202b\u202c\u202d\u202efdp\u2066\u2067\u2068\u2069.exe"
BIDI_STRIPPED = "回单fdp.exe"


@pytest.mark.parametrize("name", ["回单\x00.pdf", "回单\x1b[31m.pdf", "a\x7f\x08.pdf"])
async def test_ledger_evidence_refuses_control_characters_in_the_file_name(client, actors, name):
    item = await make_debt(client, actors.h, actors.world)
    url = f"/api/ledger/items/{item['id']}/evidence"
    raw = _raw_multipart(name)
    r = await client.post(url, content=raw["content"], headers={**actors.h, **raw["headers"]})
    body = assert_problem(r, 422, field="file", code="control_character")
    assert "U+00" in body["errors"][0]["message"]
    assert (await client.get(url, headers=actors.h)).json() == []


async def test_ledger_evidence_strips_bidi_controls(client, actors):
    item = await make_debt(client, actors.h, actors.world)
    url = f"/api/ledger/items/{item['id']}/evidence"
    r = await client.post(url, headers=actors.h, files={"file": (BIDI_NAME, PDF, "application/pdf")})
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == BIDI_STRIPPED


async def test_complaint_files_refuse_control_characters_and_strip_bidi(client, cty):  # noqa: F811
    r = await client.post("/api/complaints/complaints", json=staff_body(), headers=cty.office)
    assert r.status_code == 201, r.text
    url = f"/api/complaints/complaints/{r.json()['id']}/files"
    raw = _raw_multipart("证据\x00.pdf")
    bad = await client.post(url, content=raw["content"], headers={**cty.office, **raw["headers"]})
    assert_problem(bad, 422, field="file", code="control_character")
    ok = await client.post(url, files={"file": (BIDI_NAME, PDF, "application/pdf")}, headers=cty.office)
    assert ok.status_code == 201, ok.text
    assert ok.json()["filename"] == BIDI_STRIPPED
    assert [f["filename"] for f in (await client.get(url, headers=cty.office)).json()] == [BIDI_STRIPPED]
