"""Tokens never leak: not in reprs, error messages, nor log records."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from spacetraders.api import ApiError, SpaceTradersClient, mask_token
from tests.api import api_payloads as p


def test_mask_token_keeps_only_the_ends():
    token = "eyJhbGciOiJIUzI1NiJ9.payload.signature"
    assert mask_token(token) == "eyJh…ture"
    assert mask_token("short") == "****"
    assert mask_token(None) == "<none>"


def test_client_repr_masks_the_token(token):
    client = SpaceTradersClient("https://api.test/v2", token)
    assert token not in repr(client) and token not in str(client)
    assert mask_token(token) in repr(client)


def test_token_echoed_by_the_server_is_redacted_from_errors(make_client, token):
    body = p.error(4104, f"Invalid token {token}", {"token": token, "nested": [f"Bearer {token}"]})

    async def scenario():
        async with make_client(lambda request: httpx.Response(401, json=body)) as client:
            await client.get_agent()

    with pytest.raises(ApiError) as caught:
        asyncio.run(scenario())
    err = caught.value
    for text in (str(err), repr(err), err.message, repr(err.data), repr(err.args)):
        assert token not in text
    assert mask_token(token) in err.message


def test_logs_carry_method_path_status_but_never_the_token(make_client, token, caplog):
    account_token = "ACCOUNT" + token[::-1]
    replies = [
        httpx.Response(503),
        httpx.Response(200, json={"data": p.agent()}),
        httpx.ReadTimeout(f"timed out talking with Bearer {token}"),
        httpx.Response(200, json={"data": p.agent()}),
        httpx.Response(201, json={"data": {"token": token, "agent": p.agent(), "ships": []}}),
    ]

    def handler(request):
        item = replies.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    async def scenario():
        async with make_client(handler) as client:
            await client.get_agent()
            await client.get_agent()
            await client.register("COOPER", "COSMIC", account_token)

    with caplog.at_level(logging.DEBUG, logger="spacetraders.api"):
        asyncio.run(scenario())
    messages = [record.getMessage() for record in caplog.records]
    assert any("GET /my/agent -> 200" in m for m in messages)
    assert any("GET /my/agent -> 503" in m for m in messages)
    assert any("ReadTimeout" in m for m in messages)
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + repr(record.__dict__)
        assert token not in text and account_token not in text
