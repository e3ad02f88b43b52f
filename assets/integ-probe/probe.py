"""Integ-test probe: runs inside the gateway's VPC (the load balancer is internal) and calls the gateway.

Event: {"path": "/v1/chat/completions", "method": "POST", "body": {...}, "auth": "admin" | "agent" | "bad" | "none"}.
Returns {"status": <HTTP status>, "hasChoices": bool, "body": <first 500 chars>}; never the key.
"""
import json
import os
import urllib.error
import urllib.request

import boto3


def handler(event, context=None):
    headers = {"Content-Type": "application/json"}
    auth = event.get("auth", "none")
    if auth in ("admin", "agent"):
        secret = os.environ["ADMIN_KEY_SECRET_ARN" if auth == "admin" else "AGENT_KEY_SECRET_ARN"]
        key = boto3.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
        headers["Authorization"] = f"Bearer {key}"
    elif auth == "bad":
        headers["Authorization"] = "Bearer sk-not-a-real-key"
    data = json.dumps(event["body"]).encode() if "body" in event else None
    request = urllib.request.Request(os.environ["GATEWAY_URL"] + event["path"], data=data, headers=headers, method=event.get("method", "GET"))
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
