"""cfn-lint over synthesized templates, with the linter fully on.

Two findings are known false positives of cfn-lint 1.51 against the aws-cdk-lib we build with, and only these
are let through, each matched by rule, resource type and message:
- E3002 "Tags was unexpected" on resource types whose Tags property cfn-lint 1.51's schemas predate.
- W3005 (a DependsOn also implied by a reference) on the orderings CDK writes itself and that cannot be removed
  from CDK: an ECS service on its target group, a Lambda function or state machine on its IAM role.
Anything else fails the build.
"""
import json
import subprocess
import sys

TAGS_PREDATED = {
    'AWS::ApplicationAutoScaling::ScalableTarget',
    'AWS::ElasticLoadBalancingV2::Listener',
    'AWS::CloudWatch::Dashboard',
}

CDK_ORDERINGS = {
    ('AWS::ECS::Service', 'AWS::ElasticLoadBalancingV2::TargetGroup'),
    ('AWS::Lambda::Function', 'AWS::IAM::Role'),
    ('AWS::StepFunctions::StateMachine', 'AWS::IAM::Role'),
}


def allowed(match, resources):
    rule = match['Rule']['Id']
    path = match['Location']['Path']
    resource = resources.get(path[1]) if len(path) > 1 and path[0] == 'Resources' else None
    rtype = resource['Type'] if resource else None
    if rule == 'E3002' and rtype in TAGS_PREDATED and "'Tags' was unexpected" in match['Message']:
        return True
    if rule == 'W3005':
        target = resources.get(match['Message'].split("'")[1], {}).get('Type')
        return (rtype, target) in CDK_ORDERINGS
    return False


failed = False
for template in sys.argv[1:]:
    resources = json.load(open(template)).get('Resources', {})
    out = subprocess.run(['cfn-lint', '--format', 'json', template], capture_output=True, text=True)
    matches = json.loads(out.stdout or '[]')
    bad = [m for m in matches if not allowed(m, resources)]
    known = len(matches) - len(bad)
    print(f'cfn-lint {template}: {len(bad)} findings, {known} known false positives let through')
    for m in bad:
        print(f"  {m['Rule']['Id']} {'/'.join(map(str, m['Location']['Path']))}: {m['Message']}")
    # Exit codes 2/4/8 flag errors/warnings/informational findings (judged above); anything else without findings
    # means cfn-lint itself failed.
    crashed = out.returncode != 0 and not matches
    if crashed:
        print(out.stderr or out.stdout)
    failed = failed or bool(bad) or crashed
sys.exit(1 if failed else 0)
