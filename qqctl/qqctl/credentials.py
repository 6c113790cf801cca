"""Each service's own credential, generated at provisioning and kept in ``QQ_DATA_DIR``.

- ``client_secrets``: one random secret per service, given to that service only
  (``<PREFIX>CLIENT_SECRET``); ledger-api receives only their hashes (``LEDGER_SERVICE_CLIENTS``).
- ``signing_key_secret``: encrypts ledger-api's JWT signing keys at rest; ledger-api only.
- ``previous_*``: what is still accepted while a credential rotates (``qqctl credentials
  --rotate``), dropped with ``--finish-rotation`` once every replica runs with the new values.
- ``legacy_service_secret``: the old platform-wide SERVICE_SECRET (file ``service-secret``), only
  so ledger-api can re-encrypt signing keys stored under it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qq_kernel.auth.service_identity import new_client_secret, secret_hash
from qqctl.private import write_private
from qqctl.services import SERVICES, ServiceSpec

FILE_NAME = "service-credentials.json"
LEGACY_FILE_NAME = "service-secret"


@dataclass
class PlatformCredentials:
    client_secrets: dict[str, str]
    signing_key_secret: str
    previous_client_hashes: dict[str, list[str]] = field(default_factory=dict)
    previous_signing_key_secrets: list[str] = field(default_factory=list)
    legacy_service_secret: str = ""

    @classmethod
    def generate(cls) -> PlatformCredentials:
        return cls({spec.name: new_client_secret() for spec in SERVICES}, new_client_secret())

    @classmethod
    def load_or_create(cls, data_dir: Path) -> PlatformCredentials:
        path = data_dir / FILE_NAME
        if path.exists():
            creds = cls(**json.loads(path.read_text()))
        else:
            creds = cls.generate()
            legacy = data_dir / LEGACY_FILE_NAME
            if legacy.exists():
                creds.legacy_service_secret = legacy.read_text().strip()
        # A service added since the file was written gets its own secret.
        missing = [spec.name for spec in SERVICES if spec.name not in creds.client_secrets]
        for name in missing:
            creds.client_secrets[name] = new_client_secret()
        if missing or not path.exists():
            creds.save(data_dir)
        return creds

    def save(self, data_dir: Path) -> None:
        path = data_dir / FILE_NAME
        tmp = path.with_suffix(".tmp")
        write_private(tmp, json.dumps(asdict(self), indent=2))
        tmp.replace(path)

    def rotate(self, what: str) -> None:
        """A new secret for one service (``complaint-api``…) or for the signing keys
        (``signing-key``); the old one stays accepted until :meth:`finish_rotation`."""
        if what == "signing-key":
            self.previous_signing_key_secrets.insert(0, self.signing_key_secret)
            self.signing_key_secret = new_client_secret()
            return
        if what not in self.client_secrets:
            raise KeyError(f"unknown service {what!r} (known: {', '.join(self.client_secrets)}, signing-key)")
        self.previous_client_hashes.setdefault(what, []).insert(0, secret_hash(self.client_secrets[what]))
        self.client_secrets[what] = new_client_secret()

    def finish_rotation(self) -> None:
        self.previous_client_hashes.clear()
        self.previous_signing_key_secrets.clear()
        self.legacy_service_secret = ""

    def client_hashes(self) -> dict[str, list[str]]:
        return {
            name: [secret_hash(secret), *self.previous_client_hashes.get(name, [])]
            for name, secret in self.client_secrets.items()
        }

    def settings_for(self, spec: ServiceSpec) -> dict:
        """The credential settings of one service: its own secret, and for ledger-api (the
        identity provider) the clients' hashes and the signing-key secret."""
        out: dict = {"client_secret": self.client_secrets[spec.name]}
        if spec.key == "ledger":
            out.update(
                service_clients=self.client_hashes(),
                signing_key_secret=self.signing_key_secret,
                signing_key_previous_secrets=list(self.previous_signing_key_secrets),
                legacy_service_secret=self.legacy_service_secret,
            )
        return out

    def env_for(self, spec: ServiceSpec) -> dict[str, str]:
        """The same as environment variables (split mode's env files)."""
        out = {}
        for key, value in self.settings_for(spec).items():
            if isinstance(value, (dict, list)):
                if not value:
                    continue
                value = json.dumps(value, separators=(",", ":"))
            elif not value:
                continue
            out[f"{spec.env_prefix}{key.upper()}"] = value
        return out
