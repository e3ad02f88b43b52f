"""After `jsii-rosetta extract --strict`: every README and API example compiled, and the README's hand-written
Python quick start is what rosetta translates the TypeScript quick start into."""
import json
import re

tablet = json.load(open('.jsii.tabl.json'))
snippets = list(tablet['snippets'].values())
assert snippets, 'rosetta found no code samples'
assert all(s['didCompile'] for s in snippets), 'a code sample did not compile'
python = [s['translations']['python']['source'] for s in snippets]

readme = open('README.md').read()
blocks = re.findall(r'```python\n(.*?)```', readme, re.S)
assert blocks, 'README has no Python quick start'
for block in blocks:
    for line in (l.strip() for l in block.splitlines()):
        if line and not any(line in p for p in python):
            raise SystemExit(f'README Python line not produced by rosetta from the TypeScript samples: {line}')
print(f'rosetta: {len(snippets)} samples compiled (strict); README Python quick start matches the translation')
