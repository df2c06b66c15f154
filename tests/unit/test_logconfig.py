"""Log lines carry the request id and never a credential."""

from __future__ import annotations

import logging

from maas.logconfig import RedactingFormatter, RequestContextFilter, redact, request_id_var


def test_credentials_are_masked() -> None:
    line = redact('Authorization: Bearer mt_abcdefghijklmnop key=mk_0123abcd_secretpart {"password": "hunter22"}')
    assert "mt_abcdefghijklmnop" not in line and "secretpart" not in line and "hunter22" not in line
    assert line.count("[redacted]") >= 3


def test_ordinary_text_is_untouched() -> None:
    assert redact("imported feed feed_1234 with 3 stops") == "imported feed feed_1234 with 3 stops"


def test_records_carry_the_request_id_and_are_redacted() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "login with %s", ("Bearer mt_zzzzzzzzzzzz",), None)
    token = request_id_var.set("req-42")
    try:
        RequestContextFilter().filter(record)
    finally:
        request_id_var.reset(token)
    text = RedactingFormatter("[%(request_id)s] %(message)s").format(record)
    assert text == "[req-42] login with [redacted]"
