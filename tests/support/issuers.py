"""A province's identity provider for tests: a key, its JWKS file, the trusted
issuers file a hub reads, and tokens it signs."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey

PROVINCE_ISSUER = "https://idp.henan.example.gov.cn"
PROVINCE_AUDIENCE = "xietong-henan"


@dataclass(frozen=True)
class Province:
    key: ECKey
    issuers_file: Path
    jwks_file: Path

    def token(self, **overrides: Any) -> str:
        """A provincial auditor's access token; ``overrides`` change or drop (None) claims."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": PROVINCE_ISSUER,
            "aud": PROVINCE_AUDIENCE,
            "sub": "auditor-li",
            "azp": "prov-audit",
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + 600,
            "groups": ["provincial-auditor"],
            "org": "audit",
            "adcode": "410000",
        }
        claims.update(overrides)
        claims = {name: value for name, value in claims.items() if value is not None}
        header = {"alg": "ES256", "typ": "at+jwt", "kid": self.key.kid}
        return jwt.encode(header, claims, self.key)


def province(folder: Path, *, jwks: str | None = None) -> Province:
    """Write a JWKS file and a trusted-issuers file (claims mapped the provincial
    provider's way) into ``folder``; ``jwks`` overrides where the hub reads the keys."""
    key = ECKey.generate_key("P-256", parameters={"kid": uuid.uuid4().hex, "use": "sig"})
    jwks_file = folder / "henan-jwks.json"
    jwks_file.write_text(json.dumps({"keys": [key.as_dict(private=False)]}), encoding="utf-8")
    issuers_file = folder / "trusted-issuers.toml"
    issuers_file.write_text(
        f"""
[[issuers]]
name = "henan"
issuer = "{PROVINCE_ISSUER}"
audience = "{PROVINCE_AUDIENCE}"
jwks = "{jwks or jwks_file}"
regions = ["410000"]
claims = {{ client_id = "azp", roles = "groups", department = "org", region = "adcode" }}
roles = {{ "provincial-auditor" = "auditor", "provincial-education" = "education.supervisor" }}
departments = {{ "audit" = "AUDIT", "education" = "EDUCATION" }}
""",
        encoding="utf-8",
    )
    return Province(key, issuers_file, jwks_file)
