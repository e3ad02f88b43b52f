"""Integ-test probe: runs inside the gateway's VPC (the load balancer is internal) and calls the gateway.

Event: {"path": "/v1/chat/completions", "method": "POST", "body": {...},
"auth": "admin" | "agent" | "limited" | "bad" | "none", "repeat": n}.
Returns {"status": <HTTP status>, "hasChoices": bool, "body": <first 500 chars>}; never the key.
"""

import json
import os
import urllib.error
import urllib.request
from typing import Any

import boto3


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """One call, or `repeat` calls in a row (their statuses), e.g. to show a per-key limit across tasks."""
    repeat = int(event.get("repeat", 1))
    if repeat > 1:
        return {"statuses": [call(event)["status"] for _ in range(repeat)]}
    return call(event)


def call(event: dict[str, Any]) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    auth = event.get("auth", "none")
    if auth in ("admin", "agent", "limited"):
        variables = {
            "admin": "ADMIN_KEY_SECRET_ARN",
            "agent": "AGENT_KEY_SECRET_ARN",
            "limited": "LIMITED_KEY_SECRET_ARN",
        }
        secret = os.environ[variables[auth]]
        key = boto3.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
        headers["Authorization"] = f"Bearer {key}"
    elif auth == "bad":
        headers["Authorization"] = "Bearer sk-not-a-real-key"
    data = json.dumps(event["body"]).encode() if "body" in event else None
    request = urllib.request.Request(
        os.environ["GATEWAY_URL"] + event["path"], data=data, headers=headers, method=event.get("method", "GET")
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    try:
        has_choices = bool(json.loads(text).get("choices"))
    except (ValueError, AttributeError):
        has_choices = False
    return {"status": status, "hasChoices": has_choices, "body": text[:500]}
