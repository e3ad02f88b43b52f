"""Embeddings through the gateway: embedding aliases as the construct renders them, served on /v1/embeddings by the
real proxy, reach Bedrock's InvokeModel with the alias's model id, and the vector comes back."""
import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from twin.fake_embeddings import vector_for
from twin.proxy import LiteLlmProxy

ROOT = Path(__file__).resolve().parents[3]

# Rendered by the construct itself (GatewayConfig), not written here: the test proves what users deploy.
RENDER = """
const { BedrockModel, GatewayConfig, InferenceGeography } = require('./src');
const config = new GatewayConfig({
  models: [
    { alias: 'embed-titan', model: BedrockModel.AMAZON_TITAN_EMBED_TEXT_V2 },
    { alias: 'embed-cohere', model: BedrockModel.COHERE_EMBED_V4.inGeography(InferenceGeography.US) },
  ],
}, { defaultRegion: process.argv[1] });
process.stdout.write(JSON.stringify(config._document().model_list));
"""


@pytest.fixture(scope='module')
def embedding_aliases(reference):
    out = subprocess.run(['npx', 'ts-node', '--project', 'tsconfig.dev.json', '-T', '-e', RENDER, reference.region],
                         cwd=ROOT, capture_output=True, text=True, timeout=180, check=True)
    return json.loads(out.stdout)


@pytest.fixture(scope='module')
def proxy_with_embeddings(reference, bedrock_server, embedding_aliases, tmp_path_factory):
    def add_aliases(config):
        config['model_list'] = list(config['model_list']) + embedding_aliases
        return config

    with LiteLlmProxy(reference, bedrock_server.endpoint, name='embeddings', config_overrides=add_aliases,
                      workdir=tmp_path_factory.mktemp('embeddings')) as p:
        yield p


def _embed(proxy, alias, inputs):
    return httpx.post(f'{proxy.url}/v1/embeddings', headers=proxy.headers(), timeout=60,
                      json={'model': alias, 'input': inputs})


def test_the_aliases_are_rendered_as_embedding_deployments(embedding_aliases, reference):
    assert embedding_aliases == [
        {'model_name': 'embed-titan', 'model_info': {'mode': 'embedding'},
         'litellm_params': {'model': 'bedrock/amazon.titan-embed-text-v2:0', 'aws_region_name': reference.region,
                            'max_parallel_requests': 50}},
        {'model_name': 'embed-cohere', 'model_info': {'mode': 'embedding'},
         'litellm_params': {'model': 'bedrock/us.cohere.embed-v4:0', 'aws_region_name': reference.region,
                            'max_parallel_requests': 50}},
    ]


def test_titan_text_embeddings_v2_returns_the_vector_of_each_input(proxy_with_embeddings, bedrock, reference):
    inputs = ['the twin embeds this', 'and this one too']
    response = _embed(proxy_with_embeddings, 'embed-titan', inputs)
    assert response.status_code == 200, response.text[:500]
    data = response.json()['data']
    assert [d['embedding'] for d in sorted(data, key=lambda d: d['index'])] == [vector_for(t) for t in inputs]
    calls = bedrock.calls('amazon.titan-embed-text-v2:0', 'invoke')
    # Titan takes one text per call; each call signed for Bedrock in the alias's Region.
    assert sorted(c.body['inputText'] for c in calls) == sorted(inputs)
    assert {(c.service, c.region) for c in calls} == {('bedrock', reference.region)}
    assert response.json()['usage']['prompt_tokens'] == sum(len(t.split()) for t in inputs)


def test_cohere_embed_through_its_us_profile_returns_the_vector(proxy_with_embeddings, bedrock):
    response = _embed(proxy_with_embeddings, 'embed-cohere', 'embed me through the us. profile')
    assert response.status_code == 200, response.text[:500]
    assert response.json()['data'][0]['embedding'] == vector_for('embed me through the us. profile')
    calls = bedrock.calls('us.cohere.embed-v4:0', 'invoke')
    assert len(calls) == 1 and calls[0].body['texts'] == ['embed me through the us. profile']


def test_chat_aliases_still_answer_next_to_embedding_aliases(proxy_with_embeddings, bedrock, reference):
    alias = reference.config['model_list'][0]['model_name']
    assert proxy_with_embeddings.chat(alias).status_code == 200


def test_an_embedding_call_is_metered_by_the_callback(proxy_with_embeddings, bedrock):
    """The metrics callback writes its line for embedding calls too: the dashboard's per-model rows count them."""
    mark = proxy_with_embeddings.mark()
    assert _embed(proxy_with_embeddings, 'embed-titan', 'count me').status_code == 200
    deadline = time.monotonic() + 10
    lines = []
    while time.monotonic() < deadline and not lines:
        lines = [r for r in proxy_with_embeddings.metric_lines(mark) if r.get('model_group') == 'embed-titan']
        time.sleep(0.2)
    assert len(lines) == 1, proxy_with_embeddings.log_tail()
    assert lines[0]['model'] == 'amazon.titan-embed-text-v2:0'
    assert lines[0]['prompt_tokens'] == 2 and lines[0]['completion_tokens'] == 0
    assert lines[0]['status_code'] == 200
