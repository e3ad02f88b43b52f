"""What a Python user of cdk-llm-gateway gets, checked in a fresh venv holding only the built wheel and the PyPI
packages it declares (test/python-consumer/requirements.txt); .ci/python.sh builds and installs them, then runs:

  PY_OUT=<cdk.out of app.py> TS_OUT=<cdk.out of .ci/python/consumer-app.ts> python -m pytest test/python-consumer

- the distributions jsii-pacmak built (wheel and sdist) carry the metadata a PyPI user expects and nothing else;
- the Python consumer synthesizes the same template as the TypeScript consumer for the same props;
- a wrong type from Python fails with jsii's type error naming the parameter;
- every Python block of the README runs and synthesizes.
"""

import collections
import email.parser
import glob
import json
import os
import re
import tarfile
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# The npm tarball inside the wheel is the whole library; a venv or test folder in it once made the wheel 175 MB.
MAX_DIST_BYTES = 5_000_000


def _one(pattern: str) -> Path:
    found = glob.glob(str(REPO / "dist" / "python" / pattern))
    assert len(found) == 1, f"expected one {pattern} in dist/python, found {found}"
    return Path(found[0])


def _wheel_metadata() -> email.message.Message:
    wheel = _one("cdk_llm_gateway-*.whl")
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(z.read(name).decode())


def _template(out: str) -> Dict[str, Any]:
    return json.loads((Path(out) / "ConsumerStack.template.json").read_text())


def _config_yaml(out: str) -> str:
    manifest = json.loads((Path(out) / "ConsumerStack.assets.json").read_text())
    images = [a["source"]["directory"] for a in manifest.get("dockerImages", {}).values()]
    configs = [Path(out) / d / "config.yaml" for d in images if (Path(out) / d / "config.yaml").exists()]
    assert len(configs) == 1, f"expected one image asset with config.yaml in {out}, found {configs}"
    return configs[0].read_text()


def _outs() -> List[str]:
    outs = [os.environ.get("PY_OUT", ""), os.environ.get("TS_OUT", "")]
    assert all(outs), "set PY_OUT and TS_OUT to the cdk.out folders of app.py and consumer-app.ts (.ci/python.sh does)"
    return outs


# --- the package ---------------------------------------------------------------------------------------------------


def test_the_wheel_and_sdist_carry_pypi_metadata_and_only_the_library():
    meta = _wheel_metadata()
    package = json.loads((REPO / "package.json").read_text())
    assert meta["Name"] == "cdk-llm-gateway"
    assert meta["Version"] == package["version"]
    assert meta["Summary"] == package["description"]
    assert meta["License"] == "Apache-2.0"
    assert meta["Home-page"] == package["homepage"]
    assert meta.get_all("Project-URL") == [f"Source, {package['repository']['url']}"]
    assert meta["Requires-Python"] == ">=3.10"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "pip install cdk-llm-gateway" in meta.get_payload()  # the README is the long description
    classifiers = meta.get_all("Classifier")
    for expected in [
        "License :: OSI Approved :: Apache Software License",
        "Framework :: AWS CDK :: 2",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.14",
        "Typing :: Typed",
    ]:
        assert expected in classifiers

    for dist in [_one("cdk_llm_gateway-*.whl"), _one("cdk_llm_gateway-*.tar.gz")]:
        assert dist.stat().st_size < MAX_DIST_BYTES, f"{dist.name} is {dist.stat().st_size} bytes"
    with zipfile.ZipFile(_one("cdk_llm_gateway-*.whl")) as z:
        names = z.namelist()
        assert "cdk_llm_gateway/__init__.py" in names and "cdk_llm_gateway/py.typed" in names
        bundles = [n for n in names if n.startswith("cdk_llm_gateway/_jsii/") and n.endswith(".jsii.tgz")]
        assert len(bundles) == 1, names
        with tarfile.open(fileobj=z.open(bundles[0])) as bundle:
            members = bundle.getnames()
    assert "package/assets/service/litellm/Dockerfile" in members and "package/lib/index.js" in members
    strays = [m for m in members if re.search(r"/(\.venv|tests|twin|\.twin|test-reports)/|\.pyc$", m)]
    assert not strays, f"the npm tarball inside the wheel holds files users do not need: {strays[:10]}"
    with tarfile.open(_one("cdk_llm_gateway-*.tar.gz")) as sdist:
        assert any(n.endswith("/setup.py") for n in sdist.getnames())


def test_the_consumer_requirements_pin_exactly_the_floors_the_wheel_declares():
    declared = {}
    for requirement in _wheel_metadata().get_all("Requires-Dist"):
        name, spec = re.match(r"([A-Za-z0-9_.-]+)\s*\(?\s*([^;)]*)", requirement).groups()
        floor = re.search(r">=\s*([\w.]+)", spec)
        declared[name.lower()] = floor.group(1) if floor else None
    pinned = dict(re.findall(r"^([a-z0-9-]+)==(\S+)", (HERE / "requirements.in").read_text(), re.M))
    for name in ["aws-cdk-lib", "constructs", "jsii"]:
        assert pinned[name] == declared[name], f"requirements.in pins {name}=={pinned[name]}, the wheel declares >={declared[name]}"


def test_the_readme_states_the_python_versions_the_package_declares():
    install = (REPO / "README.md").read_text().split("## Install", 1)[1].split("\n## ", 1)[0]
    floor = _wheel_metadata()["Requires-Python"].removeprefix(">=")
    assert f"Python {floor}" in install, f"README Install must state the supported Python versions (>= {floor})"


# --- the Python consumer against the TypeScript consumer -----------------------------------------------------------


def test_the_python_app_synthesizes_what_the_typescript_app_does():
    py_out, ts_out = _outs()
    py, ts = _template(py_out), _template(ts_out)
    py_types = collections.Counter(r["Type"] for r in py["Resources"].values())
    ts_types = collections.Counter(r["Type"] for r in ts["Resources"].values())
    assert py_types == ts_types
    assert py_types["AWS::ECS::Service"] == 1 and py_types["AWS::EC2::SecurityGroupIngress"] >= 1
    assert _config_yaml(py_out) == _config_yaml(ts_out)
    config = yaml.safe_load(_config_yaml(py_out))
    assert [m["model_name"] for m in config["model_list"]] == ["claude-primary", "claude-fast"]
    assert config["router_settings"]["fallbacks"] == [{"claude-primary": ["claude-fast"]}]
    # Both apps run the same JavaScript through jsii: anything else that differs is a binding defect.
    assert py == ts


def test_each_agent_role_reads_only_its_own_key():
    py_out, _ = _outs()
    resources = _template(py_out)["Resources"]
    for agent in ["Supervisor", "Extraction", "Validation"]:
        policies = [
            r for r in resources.values()
            if r["Type"] == "AWS::IAM::Policy" and any(role.get("Ref", "").startswith(f"{agent}Role") for role in r["Properties"]["Roles"])
        ]
        assert len(policies) == 1, agent
        statement = json.dumps(policies[0]["Properties"]["PolicyDocument"])
        assert "secretsmanager:GetSecretValue" in statement
        assert agent in statement and not any(other in statement for other in ["Supervisor", "Extraction", "Validation"] if other != agent)


# --- bad input from Python -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdk() -> Any:
    import aws_cdk
    import aws_cdk.aws_ec2 as ec2
    import cdk_llm_gateway

    class Kit:
        def stack_and_vpc(self) -> Any:
            stack = aws_cdk.Stack(aws_cdk.App(), "S", env=aws_cdk.Environment(region="us-east-1"))
            return stack, ec2.Vpc(stack, "Vpc", max_azs=2)

    kit = Kit()
    kit.lib = cdk_llm_gateway
    return kit


def test_a_string_for_a_duration_names_the_parameter(cdk):
    stack, vpc = cdk.stack_and_vpc()
    with pytest.raises(TypeError, match=r"argument request_timeout must be one of \(aws_cdk\.Duration, NoneType\); got str"):
        cdk.lib.LlmGateway(stack, "Gateway", vpc=vpc, request_timeout="10 minutes")


def test_a_dict_for_a_bedrock_model_names_the_parameter(cdk):
    with pytest.raises(TypeError, match=r"argument model must be cdk_llm_gateway\.BedrockModel; got dict"):
        cdk.lib.ModelAlias(alias="claude-primary", model={"modelId": "anthropic.claude-sonnet-4-5-20250929-v1:0"})


# --- every Python block of the README runs -------------------------------------------------------------------------

# A README block declares what it uses the way rosetta translates TypeScript's `declare const`: `# name: Type`.
DECLARATION = re.compile(r"^# (\w+): ")


def _readme_blocks() -> List[str]:
    return re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)


def _fixtures() -> Dict[str, Callable[[Dict[str, Any]], Any]]:
    import aws_cdk.aws_ec2 as ec2
    import aws_cdk.aws_iam as iam
    from cdk_llm_gateway import LlmGateway

    agents = ["Supervisor", "Chunking", "Extraction", "Mapping", "Validation"]
    principal = "ecs-tasks.amazonaws.com"
    return {
        "vpc": lambda ns: ec2.Vpc(ns["stack"], "Vpc", max_azs=2),
        "agent_security_group": lambda ns: ec2.SecurityGroup(ns["stack"], "Agents", vpc=ns["vpc"]),
        "gateway": lambda ns: LlmGateway(ns["stack"], "Gateway", vpc=ns["vpc"]),
        "agent_roles": lambda ns: {
            a: iam.Role(ns["stack"], f"{a}Role", assumed_by=iam.ServicePrincipal(principal)) for a in agents
        },
    }


def test_the_readme_has_python_blocks_for_each_typescript_sample_of_the_quick_start():
    assert len(_readme_blocks()) >= 3, "the quick start, models and routing, and virtual keys each need a Python block"


@pytest.mark.parametrize("index", range(len(_readme_blocks())))
def test_a_readme_python_block_runs_and_synthesizes(index):
    import aws_cdk

    block = _readme_blocks()[index]
    app = aws_cdk.App()
    ns: Dict[str, Any] = {"stack": aws_cdk.Stack(app, "Readme", env=aws_cdk.Environment(region="us-east-1"))}
    declared = [m.group(1) for m in map(DECLARATION.match, block.splitlines()) if m]
    fixtures = _fixtures()
    for name in ["vpc", *declared]:  # a gateway needs a VPC even when the block does not name one
        if name == "stack" or name in ns:
            continue
        assert name in fixtures, f"README Python block {index} declares {name}: add a fixture for it here"
        ns[name] = fixtures[name](ns)
    exec(compile(block, f"README.md python block {index}", "exec"), ns)
    template = app.synth().get_stack_by_name("Readme").template
    types = collections.Counter(r["Type"] for r in template["Resources"].values())
    assert types["AWS::ECS::Service"] == 1
    if "add_virtual_key" in block:
        keys = [r for r in template["Resources"].values() if r["Type"].startswith("Custom::") and "Key" in r["Type"]]
        assert len(keys) == block.count('agent_key("'), [r["Type"] for r in template["Resources"].values()]
