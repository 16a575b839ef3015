"""Fixtures for the SM4 / SM2 envelope tests: key pairs made here, at test time.

Neither the client (``yibao.core.gm``) nor the simulated centre (``yibao.sandbox.mobilepay``)
holds a key: the platform's pair is made by the client's generator, the institution's by the
sandbox's, so each side also signs with a key the other made.  ``appId`` / ``appSecret`` are
fixed test strings, so that the SM4 ciphertext of fixed data (and so each tampering) is the
same on every run.
"""

from __future__ import annotations

import pytest

from yibao.core import gm
from yibao.sandbox.mobilepay import MobilePayCredentials
from yibao.sandbox.mobilepay.crypto import generate_keypair as sandbox_keypair

APP_ID = "TESTAPP0000000000000000000000001"
APP_SECRET = "TEST-SECRET-not-for-production-0001"


@pytest.fixture(scope="session")
def centre() -> MobilePayCredentials:
    """The sandbox's view: both pairs (it plays the platform and hands out the institution's)."""
    platform_private, platform_public = gm.sm2_generate_keypair()
    institution_private, institution_public = sandbox_keypair()
    return {
        "appId": APP_ID,
        "appSecret": APP_SECRET,
        "platform_public_key": platform_public,
        "platform_private_key": platform_private,
        "institution_public_key": institution_public,
        "institution_private_key": institution_private,
    }


@pytest.fixture(scope="session")
def client(centre: MobilePayCredentials) -> gm.Credentials:
    """The institution's view: its own private key and the platform's public key."""
    return gm.Credentials(
        app_id=centre["appId"],
        app_secret=centre["appSecret"],
        private_key=centre["institution_private_key"],
        peer_public_key=centre["platform_public_key"],
    )
