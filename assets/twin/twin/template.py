"""What the twin reads from the synthesized reference deployment (never copied by hand).

The serving container is found the way ECS finds it: the ECS service's load-balancer entry names the container and
the target group; the service names the task definition. Its image must be one of the assembly's Docker image assets,
whose staged folder holds the rendered ``config.yaml`` and the callbacks. Anything missing fails loudly: a twin that
quietly falls back to a default would prove nothing about the construct.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class TemplateError(AssertionError):
    """The synthesized reference lacks something the twin relies on."""


ReferenceError = TemplateError  # noqa: A001 - the earlier name, still imported by twin.postgres


@dataclass(frozen=True)
class TargetHealthCheck:
    """The load balancer's probe of the target group that serves the proxy."""
    port: str  # 'traffic-port' or a number as text, as in the template
    path: str
    matcher: str
    traffic_port: int

    @property
    def port_number(self) -> int:
        return self.traffic_port if self.port == 'traffic-port' else int(self.port)


@dataclass(frozen=True)
class MetricFilter:
    """One CloudWatch metric filter on the gateway's log group."""
    logical_id: str
    pattern: str
    metric_name: str
    metric_value: str
    namespace: str
    unit: str | None
    dimensions: dict[str, str] = field(default_factory=dict)


class ContainerFields:
    """What ECS takes from a container definition (``container``, its template JSON) to start the process."""
    container: dict[str, Any]

    @property
    def command(self) -> list[str]:
        return list(self.container['Command'])

    @property
    def environment(self) -> dict[str, Any]:
        """Name to value; values CloudFormation resolves at deploy time (Fn::GetAtt…) stay as their JSON objects."""
        return {e['Name']: e['Value'] for e in self.container.get('Environment', [])}

    @property
    def secret_names(self) -> list[str]:
        return [s['Name'] for s in self.container.get('Secrets', [])]


@dataclass(frozen=True)
class Reference(ContainerFields):
    """The serving container, its probes, its image asset and the metric filters of one synthesized stack."""
    outdir: Path
    template_path: Path
    template: dict[str, Any]
    container: dict[str, Any]
    task_definition_id: str
    target_group_id: str
    asset_dir: Path
    metric_filters: list[MetricFilter]

    @property
    def entry_point(self) -> list[str]:
        """What ECS runs the command with: the container's EntryPoint, else the staged Dockerfile's exec-form
        ENTRYPOINT (the image the CDK CLI builds from that folder)."""
        if self.container.get('EntryPoint'):
            return list(self.container['EntryPoint'])
        dockerfile = self.asset_dir / 'Dockerfile'
        lines = [line.strip() for line in dockerfile.read_text().splitlines()
                 if line.strip().upper().startswith('ENTRYPOINT')]
        if not lines:
            raise TemplateError(f'neither the container nor {dockerfile} sets an entry point: '
                                "the base image's would run")
        try:
            entry = json.loads(lines[-1].split(None, 1)[1])
        except ValueError as e:
            raise TemplateError(f'{dockerfile}: the twin reads only the exec form of ENTRYPOINT: {lines[-1]}') from e
        return list(entry)

    @property
    def health_check(self) -> dict[str, Any]:
        return self.container['HealthCheck']

    @property
    def port_mappings(self) -> list[dict[str, Any]]:
        return list(self.container.get('PortMappings', []))

    @property
    def container_port(self) -> int:
        """The port the load balancer sends traffic to (the service's load-balancer entry)."""
        return int(self._service_load_balancer()['ContainerPort'])

    @property
    def target_health_check(self) -> TargetHealthCheck:
        props = self.template['Resources'][self.target_group_id]['Properties']
        if 'HealthCheckPath' not in props:
            raise TemplateError(f'target group {self.target_group_id} has no HealthCheckPath')
        return TargetHealthCheck(
            port=str(props.get('HealthCheckPort', 'traffic-port')),
            path=props['HealthCheckPath'],
            matcher=props.get('Matcher', {}).get('HttpCode', '200'),
            traffic_port=int(props['Port']),
        )

    @property
    def load_balancer_idle_timeout(self) -> int:
        """Seconds of silence after which the load balancer in front of the target group closes a connection."""
        resources = self.template['Resources']
        target = {'Ref': self.target_group_id}
        listeners = [r for r in resources.values() if r['Type'] == 'AWS::ElasticLoadBalancingV2::Listener'
                     and target in [a.get('TargetGroupArn') for a in r['Properties'].get('DefaultActions', [])]]
        if len(listeners) != 1:
            raise TemplateError(f'expected one listener forwarding to {self.target_group_id}, found {len(listeners)}')
        lb = resources[listeners[0]['Properties']['LoadBalancerArn']['Ref']]['Properties']
        attributes = {a['Key']: a['Value'] for a in lb.get('LoadBalancerAttributes', [])}
        return int(attributes.get('idle_timeout.timeout_seconds', 60))  # 60 s: the ALB default

    @property
    def config_path(self) -> Path:
        return self.asset_dir / 'config.yaml'

    @property
    def config(self) -> dict[str, Any]:
        """The rendered LiteLLM config as staged in the image asset (a fresh copy on every call)."""
        return yaml.safe_load(self.config_path.read_text())

    @property
    def callbacks_dir(self) -> Path:
        return self.asset_dir / 'callbacks'

    @property
    def region(self) -> str:
        region = self.environment.get('AWS_REGION_NAME')
        if not isinstance(region, str):
            raise TemplateError('the container environment has no literal AWS_REGION_NAME')
        return region

    @property
    def master_key_variable(self) -> str:
        """The environment variable the config reads the admin key from (general_settings.master_key)."""
        ref = self.config.get('general_settings', {}).get('master_key')
        prefix = 'os.environ/'
        if not isinstance(ref, str) or not ref.startswith(prefix):
            raise TemplateError(f'general_settings.master_key is {ref!r}, not os.environ/<NAME>')
        return ref[len(prefix):]

    def model_ids(self) -> dict[str, str]:
        """Alias to the Bedrock model id the config renders (provider and route prefixes stripped)."""
        out: dict[str, str] = {}
        for entry in self.config['model_list']:
            model = entry['litellm_params']['model']
            if not model.startswith('bedrock/'):
                raise TemplateError(f'alias {entry["model_name"]} is not a Bedrock model: {model}')
            rest = model[len('bedrock/'):]
            for route in ('converse/', 'invoke/'):
                if rest.startswith(route):
                    rest = rest[len(route):]
            out[entry['model_name']] = rest
        return out

    def _service_load_balancer(self) -> dict[str, Any]:
        for resource in self.template['Resources'].values():
            if resource['Type'] != 'AWS::ECS::Service':
                continue
            for lb in resource['Properties'].get('LoadBalancers', []):
                if lb.get('TargetGroupArn') == {'Ref': self.target_group_id}:
                    return lb
        raise TemplateError(f'no ECS service registers target group {self.target_group_id}')


def _one(items: list, what: str):
    if len(items) != 1:
        raise TemplateError(f'expected exactly one {what}, found {len(items)}')
    return items[0]


def load_reference(outdir: str | Path) -> Reference:
    """Reads the stack in ``outdir`` (a cloud assembly) that holds the gateway's ECS service."""
    outdir = Path(outdir)
    manifest = json.loads((outdir / 'manifest.json').read_text())
    stacks = [a for a in manifest.get('artifacts', {}).values() if a.get('type') == 'aws:cloudformation:stack']
    candidates = []
    for stack in stacks:
        path = outdir / stack['properties']['templateFile']
        template = json.loads(path.read_text())
        if any(r['Type'] == 'AWS::ECS::Service' and r['Properties'].get('LoadBalancers')
               for r in template.get('Resources', {}).values()):
            candidates.append((stack, path, template))
    stack, template_path, template = _one(candidates, 'stack with a load-balanced ECS service')
    resources = template['Resources']

    service = _one([r for r in resources.values()
                    if r['Type'] == 'AWS::ECS::Service' and r['Properties'].get('LoadBalancers')],
                   'load-balanced ECS service')
    lb = _one(service['Properties']['LoadBalancers'], 'load balancer entry of the service')
    task_definition_id = service['Properties']['TaskDefinition'].get('Ref')
    target_group_id = lb['TargetGroupArn'].get('Ref') if isinstance(lb.get('TargetGroupArn'), dict) else None
    if task_definition_id not in resources or target_group_id not in resources:
        raise TemplateError('the service must reference its task definition and target group in the same template')
    containers = resources[task_definition_id]['Properties']['ContainerDefinitions']
    container = _one([c for c in containers if c['Name'] == lb['ContainerName']],
                     f'container named {lb["ContainerName"]}')
    for key in ('Command', 'HealthCheck', 'PortMappings'):
        if key not in container:
            raise TemplateError(f'the serving container has no {key}')

    # The image asset: the assets manifest next to the template lists the Docker images; the container's image URI
    # ends with the asset's tag.
    asset_manifests = [outdir / a['properties']['file'] for name, a in manifest['artifacts'].items()
                       if a.get('type') == 'cdk:asset-manifest' and name in stack.get('dependencies', [])]
    assets_file = _one(asset_manifests, 'asset manifest of the stack')
    docker_images = json.loads(assets_file.read_text()).get('dockerImages', {})
    image = json.dumps(container['Image'])
    matching = [key for key in docker_images if key in image]
    asset_hash = _one(matching, 'Docker image asset used by the serving container')
    asset_dir = outdir / docker_images[asset_hash]['source']['directory']
    if not (asset_dir / 'config.yaml').is_file() or not (asset_dir / 'callbacks').is_dir():
        raise TemplateError(f'the image asset {asset_dir} has no config.yaml or callbacks/')

    filters = []
    for logical_id, r in resources.items():
        if r['Type'] != 'AWS::Logs::MetricFilter':
            continue
        props = r['Properties']
        t = _one(props['MetricTransformations'], f'metric transformation of {logical_id}')
        filters.append(MetricFilter(
            logical_id=logical_id,
            pattern=props['FilterPattern'],
            metric_name=t['MetricName'],
            metric_value=t['MetricValue'],
            namespace=t['MetricNamespace'],
            unit=t.get('Unit'),
            dimensions={d['Key']: d['Value'] for d in t.get('Dimensions', [])},
        ))
    if not filters:
        raise TemplateError('the stack has no metric filters')

    return Reference(
        outdir=outdir,
        template_path=template_path,
        template=template,
        container=container,
        task_definition_id=task_definition_id,
        target_group_id=target_group_id,
        asset_dir=asset_dir,
        metric_filters=filters,
    )
