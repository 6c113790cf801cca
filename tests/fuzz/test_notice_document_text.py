"""Issue 14, cause 3: control characters were stored in a 督办书's requirements, and from then on
its .docx download answered 500 every time ("All strings must be XML compatible"). They are now
refused at input (cause 2), and rendering drops what XML cannot hold, so a notice stored before the
fix renders too."""

from __future__ import annotations

import io
import json

import asyncpg
from docx import Document

from tests.fuzz.conftest import assert_problem
from tests.support.ledger_helpers import make_debt

REQUIREMENTS = "一、限期制定还款计划\u001b二、按周报送\u001a进度\u0014"


async def _notice(client, actors, requirements: str):
    item = await make_debt(client, actors.h, actors.world)
    return item, await client.post(
        f"/api/ledger/items/{item['id']}/notices",
        json={"requirements": requirements, "reply_deadline": "2027-02-01"},
        headers=actors.ho,
    )


async def test_the_quoted_notice_is_refused_at_input(client, actors):
    _, r = await _notice(client, actors, REQUIREMENTS)
    assert_problem(r, 422, "requirements", "control_character")


async def test_a_notice_stored_before_the_fix_still_renders(client, actors, platform_db):
    item, r = await _notice(client, actors, "一、限期制定还款计划")
    assert r.status_code == 201, r.text
    notice = r.json()
    # As the old code stored it: the control characters in the row and in its snapshot.
    owner = platform_db.databases["ledger"].owner_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(owner)
    try:
        await conn.execute(
            "UPDATE ledger.supervision_notice SET requirements = $2,"
            " snapshot = jsonb_set(snapshot, '{requirements}', $3::jsonb) WHERE id = $1",
            notice["id"],
            REQUIREMENTS,
            json.dumps(REQUIREMENTS),
        )
    finally:
        await conn.close()
    r = await client.get(f"/api/ledger/items/{item['id']}/notices/{notice['id']}/document", headers=actors.ho)
    assert r.status_code == 200, r.text
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "一、限期制定还款计划二、按周报送进度" in text
