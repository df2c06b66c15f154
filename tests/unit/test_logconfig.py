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


def test_json_lines_carry_the_request_id_and_the_traceback_redacted() -> None:
    import json
    import sys

    from maas.logconfig import JsonFormatter

    try:
        raise ValueError("token mt_secretsecretsecret leaked")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("maas.api", logging.ERROR, __file__, 1, "failed for %s", ("Bearer mk_abc_defghijkl",),
                               exc_info)
    token = request_id_var.set("req-7")
    try:
        RequestContextFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["logger"], line["request_id"]) == ("ERROR", "maas.api", "req-7")
    assert line["message"] == "failed for [redacted]" and line["time"].endswith("+00:00")
    assert "ValueError" in line["exception"] and "mt_secret" not in line["exception"]
