"""A hardened container (service.hardenedContainer: true): the proxy serves as the task definition's unprivileged user with
only the task's writable volumes writable.

The test synthesizes the reference deployment with ``service.hardenedContainer: true`` and reads, from that template, the
container's ``User``, ``ReadonlyRootFilesystem`` and ``MountPoints``. It then starts the real proxy in a private mount
namespace in which every file system is read-only except those mount points (``/dev/shm`` stays writable, as in a
container), as that uid and gid with no supplementary groups, and checks that it starts, answers its health checks,
serves a completion and the admin UI, and logged no denied write.

What this does not prove: the released image's own files, and the database. The proxy here is the venv's LiteLLM (the
same release) without a database (the twin has no Prisma engines, see prisma-engines.md), so whether the image's
Prisma engines and CLI work as that user is for a development account to show.
"""
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from helpers import synthesize_gateway
from twin.proxy import LiteLlmProxy
from twin.template import load_reference

REPO = Path(__file__).resolve().parents[3]


DENIED = ('Read-only file system', 'Permission denied', 'PermissionError')


@pytest.fixture(scope='module')
def hardened(tmp_path_factory):
    outdir = tmp_path_factory.mktemp('hardened-cdk-out')
    synthesize_gateway(outdir, 'HardenedGatewayStack', {'service': {'hardenedContainer': True}})
    reference = load_reference(outdir)
    template = json.loads(next(outdir.glob('*.template.json')).read_text())
    services = [r for r in template['Resources'].values()
                if r['Type'] == 'AWS::ECS::Service' and r['Properties'].get('LoadBalancers')]
    task = template['Resources'][services[0]['Properties']['TaskDefinition']['Ref']]
    name = services[0]['Properties']['LoadBalancers'][0]['ContainerName']
    container = next(c for c in task['Properties']['ContainerDefinitions'] if c['Name'] == name)
    return reference, container


REPOSITORY = Path(__file__).resolve().parents[3]


def _wrapper(user: str, writable: list[str], twin_files: Path | None = None) -> list[str]:
    """unshare + mounts + setpriv: every file system read-only, an empty writable tmpfs on each of `writable` (as
    Fargate's ephemeral task volumes), and `twin_files` (the twin's config copy and egress log) writable; then the
    command as `user` (uid:gid)."""
    uid, _, gid = user.partition(':')
    steps = []
    for i, volume in enumerate(writable):
        # The checkout (its venv, the proxy's code) may itself lie under a task volume, e.g. a clone in /tmp: a fresh
        # tmpfs there would hide it. Keep it visible, read-only, through a staging bind in /dev/shm.
        kept = [k for k in (REPOSITORY,) if str(k).startswith(volume.rstrip('/') + '/')]
        staged = [f'/dev/shm/.twin-keep-{i}-{j}' for j in range(len(kept))]
        for k, stage in zip(kept, staged):
            steps += [f'mkdir -p {stage}', f'mount --bind {shlex.quote(str(k))} {stage}']
        steps.append(f'mount -t tmpfs -o mode=1777 tmpfs {shlex.quote(volume)}')
        for k, stage in zip(kept, staged):
            steps += [f'mkdir -p {shlex.quote(str(k))}', f'mount --bind {stage} {shlex.quote(str(k))}',
                      f'mount -o remount,bind,ro {shlex.quote(str(k))}', f'umount {stage}', f'rmdir {stage}']
    if twin_files is not None:
        steps.append(f'mount --bind {shlex.quote(str(twin_files))} {shlex.quote(str(twin_files))}')
    interpreter = os.path.realpath(sys.executable)
    if interpreter.startswith('/root/'):
        # This machine's Python lives under /root (mode 0700), which no unprivileged user can traverse; in the image
        # the interpreter is world-readable. Expose only the interpreter's tree, read-only.
        top = '/root/' + interpreter.split('/')[2]
        steps += ['mkdir -p /tmp/.twin-python', f'mount --bind {top} /tmp/.twin-python',
                  'mount -t tmpfs -o mode=755 tmpfs /root', f'mkdir -p {top}',
                  f'mount --bind -o ro /tmp/.twin-python {top}', 'umount /tmp/.twin-python',
                  'mount -o remount,ro /root']
    steps.append('mount -o remount,bind,ro /')
    steps.append(f'exec setpriv --reuid={uid} --regid={gid or uid} --clear-groups -- "$@"')
    return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', ' && '.join(steps), 'sh']


def test_the_template_asks_for_a_non_root_user_and_a_read_only_root(hardened):
    _, container = hardened
    assert container['ReadonlyRootFilesystem'] is True
    assert container['User'].split(':')[0] not in ('', '0', 'root')
    assert [m['ContainerPath'] for m in container['MountPoints']] == ['/tmp']


def test_the_namespace_really_is_read_only_but_for_the_volumes(hardened, tmp_path):
    # Guards the proof itself: a wrapper that left the root writable would make the next test pass for nothing.
    _, container = hardened
    writable = [m['ContainerPath'] for m in container['MountPoints']]
    site_packages = Path(httpx.__file__).parents[1]
    probe = ('id -u; touch /tmp/.twin-probe && echo tmp-ok && rm /tmp/.twin-probe; '
             f'touch {shlex.quote(str(site_packages))}/.twin-probe 2>&1 || true; touch /etc/.twin-probe 2>&1 || true')
    result = subprocess.run([*_wrapper(container['User'], writable), 'sh', '-c', probe],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == container['User'].split(':')[0]
    assert 'tmp-ok' in lines
    assert sum('Read-only file system' in line for line in lines) == 2, lines
    assert not (site_packages / '.twin-probe').exists()


def test_the_proxy_serves_as_the_tasks_user_with_only_the_tasks_volumes_writable(hardened, bedrock):
    reference, container = hardened
    writable = [m['ContainerPath'] for m in container['MountPoints']]
    # HOME as ECS sets it for a uid the image's passwd may not know: the root directory, read-only here.
    # The twin's files outside the task's volumes, which start empty as Fargate's do.
    workdir = Path(tempfile.mkdtemp(prefix='twin-hardened-', dir='/var/tmp'))
    proxy = LiteLlmProxy(reference, bedrock.endpoint, offline_switches=False, env_overrides={'HOME': '/'},
                         name='hardened', workdir=workdir)
    assert not any(str(workdir).startswith(p + '/') for p in writable), workdir
    uid, _, gid = container['User'].partition(':')
    for path in [workdir, *workdir.rglob('*')]:
        os.chown(path, int(uid), int(gid or uid))
    proxy.command = [*_wrapper(container['User'], writable, workdir), *proxy.command]
    with proxy:
        status = Path(f'/proc/{proxy._process.pid}/status').read_text()
        assert f'Uid:\t{uid}\t{uid}\t{uid}\t{uid}' in status, status
        assert httpx.get(f'{proxy.url}/health/liveliness', timeout=10).status_code == 200
        alias = reference.config['model_list'][0]['model_name']
        response = proxy.chat(alias)
        assert response.status_code == 200, response.text[:500]
        # /ui/login is served from <route>/index.html: 1.108.7 ships its UI that way (the wheel's RECORD lists
        # _experimental/out/login/index.html), so the proxy restructures nothing (proxy_server.py skips a
        # pre-restructured UI) and writes nothing under site-packages.
        for page in ('/ui/', '/ui/login'):
            ui = httpx.get(f'{proxy.url}{page}', timeout=30, follow_redirects=True)
            assert ui.status_code == 200, (page, ui.status_code, ui.text[:300])
        denied = [line for line in proxy.log_path.read_text(errors='replace').splitlines()
                  if any(word in line for word in DENIED)]
        assert denied == [], denied
    shutil.rmtree(workdir, ignore_errors=True)
