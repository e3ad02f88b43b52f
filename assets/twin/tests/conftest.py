"""Fixtures of the twin: the synthesized reference, the fake Bedrock and the proxy, in a loopback-only namespace.

Run through ``assets/twin/run.sh`` (``npx projen twin``): it synthesizes the reference into TWIN_CDK_OUT and starts
pytest inside ``unshare -n``. The session refuses to start anywhere else, so that no test can reach the network.
"""
import os
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from twin.fake_bedrock import FakeBedrock  # noqa: E402
from twin.proxy import LiteLlmProxy  # noqa: E402
from twin.template import load_reference  # noqa: E402


def pytest_sessionstart(session):
    interfaces = sorted(name for _, name in socket.if_nameindex())  # this namespace's links (sysfs may be the host's)
    if interfaces != ['lo']:
        raise pytest.UsageError(f'the twin runs only in a network namespace with nothing but loopback; this one has '
                                f'{interfaces}. Start it with assets/twin/run.sh (unshare -n).')
    if not os.environ.get('TWIN_CDK_OUT'):
        raise pytest.UsageError('TWIN_CDK_OUT is not set: run assets/twin/run.sh, '
                                'which synthesizes the reference first.')


@pytest.fixture(scope='session')
def reference():
    return load_reference(os.environ['TWIN_CDK_OUT'])


@pytest.fixture(scope='session')
def bedrock_server():
    with FakeBedrock() as server:
        yield server


@pytest.fixture
def bedrock(bedrock_server):
    """The fake Bedrock, every model answering OK and the call log empty at the start of each test."""
    bedrock_server.reset()
    yield bedrock_server
    assert not bedrock_server.unexpected, f'LiteLLM called routes the fake does not serve: {bedrock_server.unexpected}'


@pytest.fixture(scope='session')
def proxy(reference, bedrock_server, tmp_path_factory):
    """The proxy exactly as the task starts it: config unchanged but for the Redis keys, no database, and no offline
    switch added by the twin (test_offline.py checks that it never tried to reach the network)."""
    with LiteLlmProxy(reference, bedrock_server.endpoint, offline_switches=False,
                      workdir=tmp_path_factory.mktemp('proxy')) as p:
        yield p


@pytest.fixture(scope='session')
def model_ids(reference):
    return reference.model_ids()
