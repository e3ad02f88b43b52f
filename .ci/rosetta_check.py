"""After `jsii-rosetta extract --strict`: every README and API example compiled, and the README's hand-written
Python blocks are what rosetta translates the TypeScript samples into (test/python-consumer runs them)."""
import json
import re

tablet = json.load(open('.jsii.tabl.json'))
snippets = list(tablet['snippets'].values())
assert snippets, 'rosetta found no code samples'
assert all(s['didCompile'] for s in snippets), 'a code sample did not compile'
python = [s['translations']['python']['source'] for s in snippets]

# What the translations import, per module: a README block may import the same names on one line.
imported = {}
for p in python:
    for module, names in re.findall(r'^from (\S+) import (.+)$', p, re.M):
        imported.setdefault(module, set()).update(n.strip() for n in names.split(','))

readme = open('README.md').read()
blocks = re.findall(r'```python\n(.*?)```', readme, re.S)
assert blocks, 'README has no Python quick start'
for block in blocks:
    for line in (l.strip() for l in block.splitlines()):
        # rosetta does not escape Python keywords: it writes Fallback(from=...), which is a syntax error; the
        # binding's parameter is from_ (test/python-consumer runs every README block).
        translated = line.replace('from_=', 'from=')
        imports = re.match(r'^from (\S+) import (.+)$', line)
        if imports and {n.strip() for n in imports.group(2).split(',')} <= imported.get(imports.group(1), set()):
            continue
        # A declaration comment (TypeScript's `declare const`) names a variable the block uses; rosetta renders
        # some declared types as half-TypeScript (`Dict[str, Record<string, iam.IRole>]`), the README as Python.
        declaration = re.match(r'^# (\w+): ', line)
        if declaration and any(declaration.group(0) in p for p in python):
            continue
        if translated and not any(translated in p for p in python):
            raise SystemExit(f'README Python line not produced by rosetta from the TypeScript samples: {line}')
print(f'rosetta: {len(snippets)} samples compiled (strict); README Python blocks match the translations')
