"""Issue 12 acceptance 4: e-mail reaches a real (local) SMTP server with its Chinese subject and
body intact; generic webhooks are signed and the signature verifies, WeCom robots get markdown; a
broken SMS gateway ends in a dead letter that the office requeues and that is then delivered."""

from __future__ import annotations

import email
import json
import socket
import threading
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from aiosmtpd.controller import Controller

from notify_api.channels import senders
from notify_api.channels import service as channels
from notify_api.events import service as fan
from tests.notify.helpers import FAR_FUTURE
from tests.notify.replicas import Replicas
from tests.support.ledger_helpers import make_debt, report_with_receipt
from tests.support.world import bearer, login

SECRET = "webhook-secret-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


class Receiver:
    """A local HTTP server: records requests; ``failing`` makes the SMS gateway answer 500."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.failing = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((self.path, dict(self.headers), body))
                status = 500 if (outer.failing and self.path == "/sms") else 200
                answer = b'{"errcode": 0}' if status == 200 else b"gateway error"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def at(self, path: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for p, h, b in self.requests if p == path]


async def test_email_webhooks_and_an_sms_dead_letter_requeued(client, gateway, worlds, platform_db):
    mailbox, smtp_port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    receiver = Receiver()
    receiver.failing = True
    try:
        world = await worlds.create()
        operator = await worlds.user(world, roles=["unit_operator"])
        office = await worlds.user(world, roles=["office_admin"], unit=world.office)
        h_op = bearer((await login(client, operator.username))["access_token"])
        h_office = bearer((await login(client, office.username))["access_token"])
        async with Replicas(
            platform_db,
            gateway,
            smtp_port=smtp_port,
            webhook_secret=SECRET,
            sms_gateway_url=f"{receiver.url}/sms",
            delivery_max_attempts=2,
        ) as replicas:
            notify_app = replicas.notify_apps[0]
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=notify_app), base_url="http://gateway.test"
            ) as notify:
                for channel, body in (
                    ("email", {"address": "office@county.example"}),
                    ("webhook", {"address": f"{receiver.url}/hook", "format": "generic"}),
                    ("sms", {"address": "13800000000"}),
                ):
                    r = await notify.put(f"/api/notify/channels/contacts/{channel}", json=body, headers=h_office)
                    assert r.status_code == 200, r.text
                # SMS is off by default for a reported repayment: the office switches it on.
                r = await notify.put(
                    "/api/notify/preferences",
                    json={"kind": "repayment.reported", "channel": "sms", "enabled": True},
                    headers=h_office,
                )
                assert r.status_code == 200, r.text
                # A WeCom robot on the operator (told when the repayment is verified).
                r = await notify.put(
                    "/api/notify/channels/contacts/webhook",
                    json={"address": f"{receiver.url}/robot", "format": "wecom"},
                    headers=h_op,
                )
                assert r.status_code == 200, r.text

                item = await make_debt(client, h_op, world)
                repayment = await report_with_receipt(client, h_op, item["id"], "300.00")
                await replicas.relays[0].drain(due_by=FAR_FUTURE)
                await fan.drain(notify_app.state.session_factory, notify_app.state.directory)
                first = await channels.send_due(notify_app, due_by=FAR_FUTURE)
                assert first == {"claimed": 3, "sent": 2, "failed": 1, "dead": 0}

                # E-mail: the Chinese subject and body, decoded as a mail client does.
                assert len(mailbox.messages) == 1
                mail = mailbox.messages[0]
                title = f"台账 {item['ledger_no']} 报送了还款，待核实"
                assert str(make_header(decode_header(mail["Subject"]))) == title
                assert mail["To"] == "office@county.example"
                assert mail.get_payload(decode=True).decode(mail.get_content_charset()).startswith(title + "。")

                # Generic webhook: signed; the signature verifies, and not over a changed body.
                [(headers, body)] = receiver.at("/hook")
                signature = headers[senders.SIGNATURE_HEADER]
                assert senders.verify(SECRET, body, signature)
                assert not senders.verify(SECRET, body.replace(b"300", b"900") + b" ", signature)
                assert json.loads(body)["title"] == title

                # The SMS gateway is broken: retried once more, then a dead letter.
                second = await channels.send_due(notify_app, due_by=FAR_FUTURE)
                assert second == {"claimed": 1, "sent": 0, "failed": 1, "dead": 1}
                r = await notify.get("/api/notify/admin/deliveries", params={"status": "dead"}, headers=h_office)
                dead = [d for d in r.json()["items"] if d["user_id"] == office.id]
                assert [(d["channel"], d["attempts"]) for d in dead] == [("sms", 2)]
                assert "500" in dead[0]["last_error"]

                receiver.failing = False
                r = await notify.post(
                    "/api/notify/admin/deliveries/requeue", json={"ids": [dead[0]["id"]]}, headers=h_office
                )
                assert r.json() == {"requeued": [dead[0]["id"]]}
                third = await channels.send_due(notify_app, due_by=FAR_FUTURE)
                assert third == {"claimed": 1, "sent": 1, "failed": 0, "dead": 0}
                sms = [json.loads(b) for _, b in receiver.at("/sms")]
                assert len(sms) == 3  # two failed attempts, then the requeued one
                assert sms[-1] == {"phone": "13800000000", "text": f"【清欠平台】{title}", "sign": "清欠平台"}

                # Verified: the operator's WeCom robot gets a markdown message.
                r = await client.post(
                    f"/api/ledger/items/{item['id']}/repayments/{repayment['id']}/verify", json={}, headers=h_office
                )
                assert r.status_code == 200, r.text
                await replicas.relays[0].drain(due_by=FAR_FUTURE)
                await fan.drain(notify_app.state.session_factory, notify_app.state.directory)
                await channels.send_due(notify_app, due_by=FAR_FUTURE)
                [(_, robot)] = receiver.at("/robot")
                message = json.loads(robot)
                assert message["msgtype"] == "markdown"
                assert message["markdown"]["content"].startswith(f"**台账 {item['ledger_no']} 的还款已核实**")
    finally:
        controller.stop()
        receiver.close()


async def test_preferences_role_defaults_and_mandatory_kinds(client, gateway, worlds):
    world = await worlds.create()
    leader = await worlds.user(world, roles=["unit_leader"])
    operator = await worlds.user(world, roles=["unit_operator"])
    h_leader = bearer((await login(client, leader.username))["access_token"])
    h_op = bearer((await login(client, operator.username))["access_token"])

    def table(rows):
        return {(p["kind"], p["channel"]): (p["enabled"], p["mandatory"]) for p in rows}

    leader_prefs = table((await client.get("/api/notify/preferences", headers=h_leader)).json())
    operator_prefs = table((await client.get("/api/notify/preferences", headers=h_op)).json())
    # Role defaults: SMS for red flags to a leader, not to an operator; e-mail for both.
    assert leader_prefs[("flag.raised", "sms")] == (True, False)
    assert operator_prefs[("flag.raised", "sms")] == (False, False)
    assert operator_prefs[("flag.raised", "email")] == (True, False)
    assert operator_prefs[("supervision.notice_issued", "sms")] == (True, True)

    r = await client.put(
        "/api/notify/preferences",
        json={"kind": "supervision.notice_issued", "channel": "sms", "enabled": False},
        headers=h_op,
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "enabled", "message": "督办和升级类通知不能关闭", "code": "mandatory_kind"}]
    r = await client.put(
        "/api/notify/preferences", json={"kind": "flag.raised", "channel": "email", "enabled": False}, headers=h_op
    )
    assert r.status_code == 200, r.text
    operator_prefs = table((await client.get("/api/notify/preferences", headers=h_op)).json())
    assert operator_prefs[("flag.raised", "email")] == (False, False)
    assert operator_prefs[("supervision.notice_issued", "sms")] == (True, True)
