"""The message catalogue covers every error code the API can send, in Japanese and in English."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from maas.api import messages
from maas.api.errors import CODE_BY_STATUS, STATUS_BY_CODE

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("maas", "operators", "payments")
_RAISERS = {"ApiError", "envelope"}  # (status, code, message, ...)


def _codes_in(tree: ast.AST) -> set[str]:
    codes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):  # class SomeError(DomainError): code = "..."
            for item in node.body:
                if (isinstance(item, ast.Assign) and [getattr(t, "id", None) for t in item.targets] == ["code"]
                        and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str)):
                    codes.add(item.value.value)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in _RAISERS and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                codes.add(str(node.args[1].value))
    return codes


def emitted_codes() -> dict[str, str]:
    """Every error code written anywhere in the service's source → one file that uses it."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "demo" in path.parts or "reference" in path.parts:  # fixtures' generators, stand-alone operators
                continue
            for code in _codes_in(ast.parse(path.read_text(encoding="utf-8"))):
                found.setdefault(code, str(path.relative_to(ROOT)))
    for code in [*STATUS_BY_CODE, *CODE_BY_STATUS.values(), "http_error", "bad_request"]:
        found.setdefault(code, "maas/api/errors.py")
    return found


def test_the_scan_finds_the_codes_it_should() -> None:
    codes = emitted_codes()
    assert {"not_found", "ride_refused", "payment_declined", "malformed_json", "internal_error", "malformed_url",
            "method_not_allowed"} <= set(codes)


def test_every_error_code_has_japanese_and_english() -> None:
    missing = {code: where for code, where in emitted_codes().items()
               if not all(messages.CATALOGUE.get(code, {}).get(lang, "").strip() for lang in ("ja", "en"))}
    assert not missing, "add these codes to maas/api/messages.py (ja and en):\n" + "\n".join(
        f"  {code!r} (raised in {where})" for code, where in sorted(missing.items()))


def test_japanese_entries_are_japanese_and_english_ones_are_ascii() -> None:
    for code, entry in messages.CATALOGUE.items():
        assert any(ord(ch) > 0x3000 for ch in entry["ja"]), code
        assert entry["en"].isascii(), code


def test_an_unknown_code_falls_back_to_the_errors_own_message_and_is_logged_once(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "_reported", set())
    with caplog.at_level(logging.WARNING, logger="maas.api.messages"):
        assert messages.message("brand_new_code", "ja", "the seat is taken") == "the seat is taken"
        assert messages.message("brand_new_code", "en", "the seat is taken") == "the seat is taken"
        assert messages.message("brand_new_code", "ja", None) == "brand_new_code"
    assert [r.getMessage() for r in caplog.records].count(
        "error code 'brand_new_code' has no entry in the message catalogue") == 1


def test_known_codes_speak_the_language_asked_for() -> None:
    assert messages.message("unknown_stop", "ja", "no stop 'X9' in the network") == "その停留所・駅は見つかりません。"
    assert messages.message("unknown_stop", "en", "no stop 'X9' in the network") == "no stop 'X9' in the network"
    assert messages.message("unknown_stop", "en", None) == "Unknown stop."


def test_every_reason_a_van_refuses_a_ride_is_explained_in_both_languages() -> None:
    from maas.domain.ondemand import RefusalCode

    for refusal in RefusalCode:
        entry = messages.CATALOGUE.get(f"ride_refused.{refusal.value}", {})
        assert entry.get("ja") and entry.get("en"), f"add ride_refused.{refusal.value} to maas/api/messages.py"
    ja = messages.message("ride_refused", "ja", "outside hours 07:45-17:30", reason="outside_hours")
    assert ja == "のりあい号の運行時間外です。"
    assert messages.message("ride_refused", "en", "outside hours 07:45-17:30", reason="outside_hours") == (
        "outside hours 07:45-17:30")
    assert messages.message("ride_refused", "ja", "?", reason="a_new_reason") == "その条件ではのりあい便をお受けできません。"
