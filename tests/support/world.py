"""Each test's own slice of the deployment: a province → city → county with unique codes, the
office and two member units, and users with known passwords, written straight into ledger-api's
database with the service's own functions (the same rows the API would write)."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field

import httpx

from ledger_api.identity import org, passwords
from ledger_api.identity.models import Region, Unit, User
from qq_kernel.db import create_engine, create_session_factory

PASSWORD = "Qq-test-Passw0rd"
_PASSWORD_HASH = passwords.hash_password(PASSWORD)  # argon2 is slow on purpose: hash once
_counter = itertools.count(1)


@dataclass
class World:
    province: Region
    county: Region
    office: Unit
    unit_a: Unit
    unit_b: Unit
    users: dict[str, User] = field(default_factory=dict)
    tag: str = ""
    client_ip: str = "127.0.0.1"


class WorldFactory:
    def __init__(self, ledger_url: str) -> None:
        self.engine = create_engine(ledger_url, pool_size=2, max_overflow=2)
        self.sessions = create_session_factory(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    async def create(self) -> World:
        n = next(_counter)
        tag = secrets.token_hex(2)
        # Codes must be unique across the whole test database: derive them from a random tag.
        base = f"{int(tag, 16) % 90 + 10}{n:04d}{secrets.randbelow(100):02d}"
        async with self.sessions() as s:
            province = await org.create_region(s, code=base[:8], name=f"测试省{tag}", level="province", parent_id=None)
            city = await org.create_region(
                s, code=base[:8] + "01", name=f"测试市{tag}", level="city", parent_id=province.id
            )
            county = await org.create_region(
                s, code=base[:8] + "0101", name=f"测试县{tag}", level="county", parent_id=city.id
            )
            office = await org.create_unit(s, name=f"测试县{tag}专班办公室", region=county, is_office=True)
            unit_a = await org.create_unit(s, name=f"测试县{tag}财政局", region=county)
            unit_b = await org.create_unit(s, name=f"测试县{tag}教育局", region=county)
            await s.commit()
        return World(
            province,
            county,
            office,
            unit_a,
            unit_b,
            tag=tag,
            client_ip=f"10.{n % 250}.{secrets.randbelow(250)}.{secrets.randbelow(250)}",
        )

    async def user(
        self,
        world: World,
        *,
        roles: list[str],
        unit: Unit | None = None,
        must_change: bool = False,
        password: str = PASSWORD,
        kind: str = "person",
        name: str | None = None,
    ) -> User:
        unit = unit or world.unit_a
        username = name or f"u{world.tag}_{next(_counter)}"
        async with self.sessions() as s:
            user = User(
                username=username,
                display_name=f"测试{username[-4:]}",
                unit_id=unit.id,
                region_path=unit.region_path,
                roles=roles,
                kind=kind,
                password_hash=(_PASSWORD_HASH if password == PASSWORD else passwords.hash_password(password))
                if kind == "person"
                else None,
                must_change_password=must_change,
                phone="13812345678",
            )
            s.add(user)
            await s.commit()
        world.users[username] = user
        return user


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD, *, ip: str = "127.0.0.1") -> dict:
    r = await client.post(
        "/api/ledger/auth/token", data={"username": username, "password": password}, headers={"X-Real-IP": ip}
    )
    assert r.status_code == 200, r.text
    return r.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def service_headers(client: httpx.AsyncClient, worlds, service: str = "complaint-api") -> dict[str, str]:
    """A service's own identity (client credentials), as complaint-api presents it to ledger-api."""
    r = await client.post(
        "/api/ledger/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": service,
            "client_secret": worlds.client_secrets[service],
        },
    )
    assert r.status_code == 200, r.text
    return bearer(r.json()["access_token"])
