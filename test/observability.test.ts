import { execFileSync } from 'child_process';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { GatewayDashboard, GatewayMetricName, GatewayMetrics, LlmGateway } from '../src';
import { ENV, gatewayTemplate, stackWithVpc } from './helpers';

let template: Template;
beforeAll(() => {
  template = gatewayTemplate().template;
});

// The lines the Python callback really prints, matched against what the construct really synthesizes.
const samples: any[] = JSON.parse(execFileSync('python3', [path.join(__dirname, '..', 'assets', 'service', 'litellm', 'tests', 'emit_samples.py')], { encoding: 'utf8' }));

const filters = (t: Template) => Object.values(t.findResources('AWS::Logs::MetricFilter')).map((r: any) => r.Properties);

describe('metric filters', () => {
  test('eight filters plus Throttles, namespace LlmGateway by default, dimension Model', () => {
    const byName = Object.fromEntries(filters(template).map((f) => [f.MetricTransformations[0].MetricName, f]));
    const base = '$.litellm_metric IS TRUE';
    const ok = `{ (${base}) && ($.status_code = 200) }`;
    const expected: Record<string, [string, string, string | undefined]> = {
      RequestCount: [`{ ${base} }`, '1', 'Count'],
      InputTokens: [ok, '$.prompt_tokens', 'Count'],
      OutputTokens: [ok, '$.completion_tokens', 'Count'],
      TotalTokens: [ok, '$.total_tokens', 'Count'],
      ResponseCostUSD: [ok, '$.response_cost', 'None'],
      ResponseTimeMs: [`{ ${base} }`, '$.response_time_ms', 'Milliseconds'],
      RequestErrors: [`{ (${base}) && ($.status_code >= 400) }`, '1', 'Count'],
      Throttles: [`{ (${base}) && ($.status_code = 429) }`, '1', 'Count'],
      ApplicationErrors: ['{ $.level = "ERROR" }', '1', 'Count'],
    };
    expect(Object.keys(byName).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, [pattern, value, unit]] of Object.entries(expected)) {
      const f = byName[name];
      expect(f.FilterPattern).toBe(pattern);
      expect(f.LogGroupName).toEqual({ Ref: expect.stringMatching(/^GatewayServiceLogGroup/) });
      expect(f.MetricTransformations[0]).toEqual(expect.objectContaining({ MetricNamespace: 'LlmGateway', MetricValue: value, Unit: unit }));
      expect(f.MetricTransformations[0].Dimensions).toEqual(name === 'ApplicationErrors' ? undefined : [{ Key: 'Model', Value: '$.model' }]);
    }
  });

  test('namespace and per-agent dimension are props', () => {
    const { template: t } = gatewayTemplate({ observability: { namespace: 'DocumentProcessing/LlmGateway', agentDimension: true } });
    const all = filters(t);
    expect(all.every((f) => f.MetricTransformations[0].MetricNamespace === 'DocumentProcessing/LlmGateway')).toBe(true);
    const agent = all.filter((f) => JSON.stringify(f.MetricTransformations[0].Dimensions ?? []).includes('Agent'));
    expect(agent.map((f) => f.MetricTransformations[0].MetricName).sort()).toEqual(['InputTokens', 'OutputTokens', 'RequestCount', 'ResponseCostUSD', 'TotalTokens']);
    expect(agent[0].MetricTransformations[0].Dimensions).toEqual([{ Key: 'Model', Value: '$.model' }, { Key: 'Agent', Value: '$.key_alias' }]);
    expect(all).toHaveLength(14);
  });

  test('bad namespace and empty model list fail', () => {
    const stack = new Stack();
    const logGroup = new logs.LogGroup(stack, 'L');
    expect(() => new GatewayMetrics(stack, 'M1', { logGroup, models: ['x'], namespace: 'AWS/ECS' })).toThrow(/namespace 'AWS\/ECS' is not a custom CloudWatch namespace/);
    expect(() => new GatewayMetrics(stack, 'M2', { logGroup, models: [] })).toThrow(/models is empty/);
  });
});

describe('one truth across TypeScript and Python', () => {
  const [success, throttle, contextWindow, appError] = samples;

  function matches(pattern: string, line: any): boolean {
    const body = pattern.trim().replace(/^\{\s*/, '').replace(/\s*\}$/, '');
    return body.split('&&').every((clause) => {
      const m = /^\(?\s*\$\.(\w+)\s+(IS TRUE|=|>=|<=|!=|>|<)\s*([^)]*?)\s*\)?$/.exec(clause.trim());
      if (!m) throw new Error(`cannot read filter clause '${clause}'`);
      const [, field, op, raw] = m;
      const actual = line[field];
      if (op === 'IS TRUE') return actual === true;
      const expected = raw.startsWith('"') ? JSON.parse(raw) : Number(raw);
      switch (op) {
        case '=': return actual === expected;
        case '!=': return actual !== expected;
        case '>=': return actual >= expected;
        case '<=': return actual <= expected;
        case '>': return actual > expected;
        default: return actual < expected;
      }
    });
  }

  const all = () => filters(template).map((f) => ({
    name: f.MetricTransformations[0].MetricName as string,
    pattern: f.FilterPattern as string,
    t: f.MetricTransformations[0],
  }));
  const hits = (line: any) => all().filter((f) => matches(f.pattern, line)).map((f) => f.name).sort();

  test('a success counts as a request with tokens, cost and time', () => {
    expect(hits(success)).toEqual(['InputTokens', 'OutputTokens', 'RequestCount', 'ResponseCostUSD', 'ResponseTimeMs', 'TotalTokens']);
  });
  test('a throttle counts as a request, an error and a throttle, with no tokens', () => {
    expect(hits(throttle)).toEqual(['RequestCount', 'RequestErrors', 'ResponseTimeMs', 'Throttles']);
  });
  test('a context-window error counts as an error, not a throttle', () => {
    expect(hits(contextWindow)).toEqual(['RequestCount', 'RequestErrors', 'ResponseTimeMs']);
  });
  test('a LiteLLM error log line counts as an application error only', () => {
    expect(hits(appError)).toEqual(['ApplicationErrors']);
  });
  test('every field a filter selects exists in the line it matches, with the right type', () => {
    for (const line of samples) {
      for (const f of all().filter((x) => matches(x.pattern, line))) {
        for (const ref of [f.t.MetricValue, ...(f.t.Dimensions ?? []).map((d: any) => d.Value)].filter((v: string) => v.startsWith('$.'))) {
          const value = line[ref.slice(2)];
          const isDimension = (f.t.Dimensions ?? []).some((d: any) => d.Value === ref);
          expect(typeof value).toBe(isDimension ? 'string' : 'number');
        }
      }
    }
  });
  test('the Model dimension values are the configured Bedrock ids', () => {
    expect(success.model).toBe('us.anthropic.claude-haiku-4-5-20251001-v1:0');
    const { gateway } = gatewayTemplate();
    expect(gateway.metrics!.models).toContain(success.model);
    expect(gateway.metrics!.models).toContain(throttle.model);
  });
});

describe('dashboard', () => {
  const body = (t: Template) => {
    const d = Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0] as any;
    const parts = d.Properties.DashboardBody['Fn::Join'][1];
    return parts.map((p: any) => (typeof p === 'string' ? p : '"<token>"')).join('');
  };

  test('rows KPIs, traffic, latency, tokens, cost, ECS, load balancer, with the Logs Insights widgets', () => {
    const text = body(template);
    const rows = [...text.matchAll(/"markdown":"## ([^"]+)"/g)].map((m) => m[1]);
    expect(rows).toEqual(['KPIs', 'Traffic', 'Latency', 'Tokens', 'Cost', 'ECS', 'Load balancer']);
    for (const title of ['Total requests', 'Tokens and estimated cost', 'Request rate by model', 'Error and throttle rate (%)',
      'Average response time by model (ms)', 'Latency percentiles (ms)', 'Average tokens per successful request by model', 'Total tokens over time',
      'Cost per successful request by model (USD)', 'Cost by agent and model (USD)', 'CPU utilization (%)', 'Memory utilization (%)', 'Requests and 5xx', 'Target response time (s)']) {
      expect(text).toContain(`"title":"${title}"`);
    }
    expect(text).toMatch(/pct\(response_time_ms, 95\)/);
    expect(text).toMatch(/by key_alias, model_group/);
  });

  test('every Logs Insights query is a pipeline of known commands over fields the callback writes', () => {
    // CDK writes every token of the body inside a JSON string, so the body parses with the tokens as plain text
    const widgets = JSON.parse(body(template).replace(/"<token>"/g, '<token>')).widgets.filter((w: any) => w.type === 'log');
    expect(widgets).toHaveLength(2);
    const written = new Set(samples.flatMap((line) => Object.keys(line)));
    const functions = new Set(['ispresent', 'pct', 'sum', 'count', 'avg', 'min', 'max', 'bin']);
    const words = new Set(['and', 'or', 'not', 'as', 'by', 'desc', 'asc']);
    for (const widget of widgets) {
      const [source, ...stages] = widget.properties.query.split(/\s*\|\s*/);
      expect(source).toBe("SOURCE '<token>'");
      expect(stages.length).toBeGreaterThan(1);
      const aliases = new Set<string>();
      for (const stage of stages) {
        // an empty stage ('| |') is what Logs Insights refuses; every stage starts with a command
        expect(stage).toMatch(/^(filter|stats|sort|fields|limit) \S/);
        for (const [, alias] of stage.matchAll(/ as (\w+)/g)) aliases.add(alias);
        const identifiers = stage.replace(/^\w+ /, '').replace(/\d+m\b|\b\d+\b|\*/g, '').match(/[A-Za-z_]\w*/g) ?? [];
        for (const id of identifiers) {
          if (functions.has(id) || words.has(id) || aliases.has(id)) continue;
          expect([id, written.has(id)]).toEqual([id, true]);
        }
      }
    }
  });

  test('name generated by default, set by prop; can be turned off', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: Match.absent() });
    gatewayTemplate({ observability: { dashboardName: 'LlmGateway-document-processing' } }).template
      .hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'LlmGateway-document-processing' });
    gatewayTemplate({ observability: { dashboard: false } }).template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(() => gatewayTemplate({ observability: { dashboard: false, dashboardName: 'x' } })).toThrow(/^observability\.dashboardName is set but observability\.dashboard is false/);
  });
});

describe('alarms', () => {
  const alarms = (t: Template) => Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);

  test('six alarms by default with their thresholds, each notifying the topic the gateway creates', () => {
    const all = alarms(template);
    expect(gatewayTemplate().gateway.alarmTopic).toBeDefined();
    expect(all.map((a) => a.AlarmDescription.replace('LLM gateway: ', '').split(' ')[0]).sort()).toEqual(
      ['Failed', 'Fewer', 'Gateway', 'Load', 'Throttled', 'p95'].sort());
    const threshold = (word: RegExp) => all.find((a) => word.test(a.AlarmDescription)).Threshold;
    expect(threshold(/5xx/)).toBe(5);
    expect(threshold(/p95/)).toBe(60000);
    expect(threshold(/Failed/)).toBe(5);
    expect(threshold(/Throttled/)).toBe(10);
    expect(threshold(/health check/)).toBe(1);
    expect(threshold(/Fewer/)).toBe(1);
    const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    expect(all.every((a) => JSON.stringify(a.AlarmActions) === JSON.stringify([{ Ref: topics[0] }]))).toBe(true);
  });

  test('thresholds, daily spend and a topic are props', () => {
    const { stack, vpc } = stackWithVpc();
    const alarmTopic = new sns.Topic(stack, 'Topic');
    new LlmGateway(stack, 'Gateway', {
      vpc,
      observability: {
        alarmOptions: {
          alarmTopic, loadBalancer5xxPercent: 1, p95Latency: Duration.seconds(20), requestErrorPercent: 2, throttlePercent: 3, dailySpendLimitUsd: 25,
        },
      },
    });
    const all = alarms(Template.fromStack(stack));
    expect(all).toHaveLength(7);
    const find = (word: RegExp) => all.find((a) => word.test(a.AlarmDescription));
    expect(find(/5xx/).Threshold).toBe(1);
    expect(find(/p95/).Threshold).toBe(20000);
    expect(find(/Failed/).Threshold).toBe(2);
    expect(find(/Throttled/).Threshold).toBe(3);
    expect(find(/spend/).Threshold).toBe(25);
    expect(all.every((a) => JSON.stringify(a.AlarmActions).includes('Topic') && JSON.stringify(a.OKActions).includes('Topic'))).toBe(true);
  });

  test('alarms can be turned off; bad thresholds fail', () => {
    const { template: t, gateway } = gatewayTemplate({ observability: { alarms: false } });
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    expect(gateway.alarmTopic).toBeUndefined();
    expect(() => gatewayTemplate({ observability: { alarms: false, alarmOptions: {} } })).toThrow(/^observability\.alarmOptions is set but observability\.alarms is false/);
    const alarmOptions = (options: object) => gatewayTemplate({ observability: { alarmOptions: options } });
    expect(() => alarmOptions({ throttlePercent: 0 })).toThrow(/throttlePercent must be a percentage/);
    expect(() => alarmOptions({ requestErrorPercent: 101 })).toThrow(/requestErrorPercent must be a percentage/);
    expect(() => alarmOptions({ dailySpendLimitUsd: 0 })).toThrow(/dailySpendLimitUsd must be above 0/);
    expect(() => alarmOptions({ p95Latency: Duration.seconds(0) })).toThrow(/p95Latency must be longer than 0/);
  });
});

describe('every metric the dashboard and the alarms read is published, and every expression is whole', () => {
  // The dashboard body with each deploy-time token replaced by a placeholder that parses, and the tokens kept, so a
  // dimension can be traced back to the resource it names.
  function dashboard(t: Template): { widgets: any[]; tokens: any[] } {
    const d = Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0] as any;
    const tokens: any[] = [];
    const text = d.Properties.DashboardBody['Fn::Join'][1]
      .map((p: any) => (typeof p === 'string' ? p : `<token:${tokens.push(p) - 1}>`)).join('');
    return { widgets: JSON.parse(text).widgets, tokens };
  }
  const token = (tokens: any[], value: string) => {
    const m = /^<token:(\d+)>$/.exec(value);
    return m ? tokens[Number(m[1])] : value;
  };

  interface Query {
    id: string;
    expression?: string;
    namespace?: string;
    metricName?: string;
    dimensions?: Record<string, any>;
    stat?: string;
    visible: boolean;
  }

  /** A widget's `metrics` rows as queries (rows without an id get one, as CloudWatch does). */
  function widgetQueries(widget: any, tokens: any[]): Query[] {
    return widget.properties.metrics.map((row: any[], i: number) => {
      const options = typeof row[row.length - 1] === 'object' ? row[row.length - 1] : {};
      const id = options.id ?? `row${i}`;
      if (options.expression) return { id, expression: options.expression, visible: options.visible !== false };
      const [namespace, metricName, ...rest] = row.filter((x) => typeof x === 'string');
      const dimensions: Record<string, any> = {};
      for (let k = 0; k < rest.length; k += 2) dimensions[rest[k]] = token(tokens, rest[k + 1]);
      return { id, namespace, metricName, dimensions, stat: options.stat ?? 'Average', visible: options.visible !== false };
    });
  }

  function alarmQueries(alarm: any): Query[] {
    if (!alarm.Metrics) {
      return [{
        id: 'm',
        namespace: alarm.Namespace,
        metricName: alarm.MetricName,
        stat: alarm.Statistic ?? alarm.ExtendedStatistic,
        visible: true,
        dimensions: Object.fromEntries((alarm.Dimensions ?? []).map((d: any) => [d.Name, d.Value])),
      }];
    }
    return alarm.Metrics.map((q: any) => (q.Expression
      ? { id: q.Id, expression: q.Expression, visible: q.ReturnData !== false }
      : {
        id: q.Id,
        namespace: q.MetricStat.Metric.Namespace,
        metricName: q.MetricStat.Metric.MetricName,
        stat: q.MetricStat.Stat,
        visible: q.ReturnData !== false,
        dimensions: Object.fromEntries((q.MetricStat.Metric.Dimensions ?? []).map((d: any) => [d.Name, d.Value])),
      }));
  }

  const FUNCTIONS = new Set(['FILL', 'IF', 'MAX', 'MIN', 'SUM', 'AVG']);
  /** The ids an expression reads: every identifier that is not a function (called) or a number. */
  const idsOf = (expression: string) => [...expression.matchAll(/\b([A-Za-z_]\w*)\b(\s*\()?/g)]
    .filter(([, name, call]) => !(call && FUNCTIONS.has(name)))
    .map(([, name]) => name);

  /** The ids in a group of queries: unique, well formed, every expression reads only ids of the group (never
   * itself), every hidden query is read by some expression, and only the functions above are called. */
  function checkIds(where: string, queries: Query[]) {
    const ids = queries.map((q) => q.id);
    expect([where, new Set(ids).size]).toEqual([where, ids.length]);
    const read = new Set<string>();
    for (const q of queries.filter((x) => x.expression)) {
      for (const [, name] of q.expression!.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) expect([where, name, FUNCTIONS.has(name)]).toEqual([where, name, true]);
      for (const id of idsOf(q.expression!)) {
        expect([where, q.expression, id, ids.includes(id) && id !== q.id]).toEqual([where, q.expression, id, true]);
        expect(id).toMatch(/^[a-z]\w*$/);
        read.add(id);
      }
    }
    for (const q of queries.filter((x) => !x.visible)) expect([where, q.id, read.has(q.id)]).toEqual([where, q.id, true]);
  }

  /** The gateway's custom metrics as its filters publish them: namespace, name and dimension names; and the values
   * the Model dimension can take. */
  function published(t: Template) {
    const keys = new Set(filters(t).map((f) => {
      const tr = f.MetricTransformations[0];
      return `${tr.MetricNamespace}|${tr.MetricName}|${(tr.Dimensions ?? []).map((d: any) => d.Key).sort().join(',')}`;
    }));
    return keys;
  }

  function checkMetric(where: string, q: Query, t: Template, keys: Set<string>, models: string[]) {
    const r = t.toJSON().Resources;
    const refOf = (type: string) => Object.keys(r).filter((k) => r[k].Type === type);
    const dims = q.dimensions ?? {};
    const names = Object.keys(dims).sort().join(',');
    if (q.namespace === 'AWS/ApplicationELB') {
      // The stack's own load balancer (and target group), by the full name the metrics use.
      const [lb] = refOf('AWS::ElasticLoadBalancingV2::LoadBalancer');
      if (q.metricName === 'UnHealthyHostCount') {
        expect([where, names]).toEqual([where, 'LoadBalancer,TargetGroup']);
        const [tg] = refOf('AWS::ElasticLoadBalancingV2::TargetGroup');
        expect(dims.TargetGroup).toEqual({ 'Fn::GetAtt': [tg, 'TargetGroupFullName'] });
        expect(JSON.stringify(dims.LoadBalancer)).toContain('Listener');
      } else {
        expect([where, names]).toEqual([where, 'LoadBalancer']);
        expect(dims.LoadBalancer).toEqual({ 'Fn::GetAtt': [lb, 'LoadBalancerFullName'] });
      }
      expect(['RequestCount', 'HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count', 'TargetResponseTime', 'UnHealthyHostCount']).toContain(q.metricName);
    } else if (q.namespace === 'AWS/ECS' || q.namespace === 'ECS/ContainerInsights') {
      const [cluster] = refOf('AWS::ECS::Cluster');
      const [service] = refOf('AWS::ECS::Service');
      expect([where, names]).toEqual([where, 'ClusterName,ServiceName']);
      expect(dims.ClusterName).toEqual({ Ref: cluster });
      expect(dims.ServiceName).toEqual({ 'Fn::GetAtt': [service, 'Name'] });
      if (q.namespace === 'ECS/ContainerInsights') {
        // Container Insights publishes task counts only when the cluster has it enabled.
        expect(r[cluster].Properties.ClusterSettings).toContainEqual({ Name: 'containerInsights', Value: 'enabled' });
        expect(['DesiredTaskCount', 'RunningTaskCount']).toContain(q.metricName);
      } else {
        expect(['CPUUtilization', 'MemoryUtilization']).toContain(q.metricName);
      }
    } else {
      expect([where, `${q.namespace}|${q.metricName}|${names}`, keys.has(`${q.namespace}|${q.metricName}|${names}`)])
        .toEqual([where, `${q.namespace}|${q.metricName}|${names}`, true]);
      if (dims.Model !== undefined) expect([where, models.includes(dims.Model)]).toEqual([where, true]);
    }
    expect(q.stat).toMatch(/^(Sum|Average|Maximum|Minimum|SampleCount|p\d+(\.\d+)?)$/);
  }

  for (const [name, props] of [['default', {}], ['own namespace and the Agent dimension', { observability: { namespace: 'Team/Gw', agentDimension: true } }]] as const) {
    test(`dashboard widgets (${name})`, () => {
      const { template: t, gateway } = gatewayTemplate(props);
      const { widgets, tokens } = dashboard(t);
      const keys = published(t);
      const metricWidgets = widgets.filter((w) => w.type === 'metric');
      expect(metricWidgets.length).toBeGreaterThan(10);
      for (const w of metricWidgets) {
        const queries = widgetQueries(w, tokens);
        checkIds(w.properties.title, queries);
        for (const q of queries.filter((x) => !x.expression)) checkMetric(w.properties.title, q, t, keys, gateway.metrics!.models);
        expect(queries.some((q) => q.visible)).toBe(true);
      }
    });

    test(`alarms (${name})`, () => {
      const { stack, vpc } = stackWithVpc();
      const gateway = new LlmGateway(stack, 'Gateway', { vpc, ...props, observability: { ...props.observability, alarmOptions: { dailySpendLimitUsd: 10 } } });
      const t = Template.fromStack(stack);
      const keys = published(t);
      const alarms = Object.entries(t.findResources('AWS::CloudWatch::Alarm'));
      expect(alarms).toHaveLength(7);
      for (const [id, a] of alarms as [string, any][]) {
        const queries = alarmQueries(a.Properties);
        checkIds(id, queries);
        // An alarm watches exactly one series.
        expect([id, queries.filter((q) => q.visible).length]).toEqual([id, 1]);
        for (const q of queries.filter((x) => !x.expression)) checkMetric(id, q, t, keys, gateway.metrics!.models);
      }
    });
  }

  test('the checks fail on an expression over a missing id and on a metric no filter publishes', () => {
    const { template: t, gateway } = gatewayTemplate();
    expect(() => checkIds('w', [{ id: 'a', expression: 'FILL(b, 0)', visible: true }])).toThrow();
    expect(() => checkIds('w', [{ id: 'a', expression: 'BOGUS(x)', visible: true }, { id: 'x', namespace: 'N', metricName: 'M', visible: false }])).toThrow();
    expect(() => checkIds('w', [{ id: 'a', namespace: 'N', metricName: 'M', visible: false }])).toThrow();
    expect(() => checkMetric('w', { id: 'a', namespace: 'LlmGateway', metricName: 'RequestCount', dimensions: { Agent: 'x' }, stat: 'Sum', visible: true },
      t, published(t), gateway.metrics!.models)).toThrow();
    expect(() => checkMetric('w', { id: 'a', namespace: 'LlmGateway', metricName: 'RequestCount', dimensions: { Model: 'not-a-model' }, stat: 'Sum', visible: true },
      t, published(t), gateway.metrics!.models)).toThrow();
    expect(() => checkMetric('w', { id: 'a', namespace: 'LlmGateway', metricName: 'RequestCount', dimensions: { Model: gateway.metrics!.models[0] }, stat: 'Sum', visible: true },
      t, published(t), gateway.metrics!.models)).not.toThrow();
  });
});

describe('observability in another stack', () => {
  test('metrics and dashboard built from a gateway in another stack', () => {
    const { app, stack, vpc } = stackWithVpc();
    const gateway = new LlmGateway(stack, 'Gateway', { vpc, observability: { dashboard: false, alarms: false } });
    const obs = new Stack(app, 'Observability', { env: ENV });
    const metrics = new GatewayMetrics(obs, 'Metrics', { logGroup: gateway.logGroup, models: gateway.metrics!.models, namespace: 'Team/Gw' });
    new GatewayDashboard(obs, 'Dashboard', { metrics, logGroup: gateway.logGroup, service: gateway.service, loadBalancer: gateway.loadBalancer });
    const t = Template.fromStack(obs);
    t.resourceCountIs('AWS::Logs::MetricFilter', 9);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  test('gateway metric methods for users\' own alarms', () => {
    const metrics = gatewayTemplate().gateway.metrics!;
    for (const metric of [metrics.metricRequestCount(), metrics.metricInputTokens(), metrics.metricOutputTokens(), metrics.metricResponseCostUsd(),
      metrics.metricRequestErrors(), metrics.metricThrottles()]) {
      const cfg = metric.toMetricConfig().mathExpression!;
      expect(cfg.expression).toMatch(/^FILL\(\w+0, 0\) \+ FILL\(\w+1, 0\)$/);
    }
    expect(metrics.metricResponseTimeMs().toMetricConfig().mathExpression!.expression).toBe('MAX([responsetimems0, responsetimems1])');
  });

  test('one agent\'s metric: the Agent and Model dimensions, summed over the models', () => {
    const { gateway } = gatewayTemplate({ observability: { agentDimension: true, namespace: 'Team/Gw' } });
    const metrics = gateway.metrics!;
    const cfg = metrics.metricForAgent(GatewayMetricName.INPUT_TOKENS, 'invoice-agent').toMetricConfig().mathExpression!;
    expect(cfg.expression).toBe('FILL(inputtokensagent0, 0) + FILL(inputtokensagent1, 0)');
    const used = Object.values(cfg.usingMetrics).map((m) => m.toMetricConfig().metricStat!);
    expect(used.map((m) => [m.namespace, m.metricName, m.statistic])).toEqual([['Team/Gw', 'InputTokens', 'Sum'], ['Team/Gw', 'InputTokens', 'Sum']]);
    expect(used.map((m) => m.dimensions)).toEqual(metrics.models.map((model) => [{ name: 'Agent', value: 'invoice-agent' }, { name: 'Model', value: model }]));
    // the filters publish that pair of dimensions for that metric
    expect(filters(gatewayTemplate({ observability: { agentDimension: true } }).template)
      .some((f) => f.MetricTransformations[0].MetricName === 'InputTokens' && JSON.stringify(f.MetricTransformations[0].Dimensions).includes('"Agent"'))).toBe(true);
  });

  test('an agent\'s metric needs the Agent dimension, and exists for requests, tokens and cost only', () => {
    expect(() => gatewayTemplate().gateway.metrics!.metricForAgent(GatewayMetricName.REQUEST_COUNT, 'a'))
      .toThrow(/publishes no Agent dimension; turn on observability\.agentDimension/);
    const metrics = gatewayTemplate({ observability: { agentDimension: true } }).gateway.metrics!;
    expect(() => metrics.metricForAgent(GatewayMetricName.RESPONSE_TIME_MS, 'a')).toThrow(/ResponseTimeMs has no Agent dimension/);
    expect(() => metrics.metricForAgent(GatewayMetricName.RESPONSE_COST_USD, 'a')).not.toThrow();
  });
});

describe('metrics callback off', () => {
  test('no metric filters, no dashboard, no alarms, no topic, and no metrics object', () => {
    const { template: t, gateway } = gatewayTemplate({ metricsCallback: false });
    t.resourceCountIs('AWS::Logs::MetricFilter', 0);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    expect([gateway.metrics, gateway.dashboard, gateway.alarms, gateway.alarmTopic]).toEqual([undefined, undefined, undefined, undefined]);
    expect(gateway.config.reportsMetrics).toBe(false);
    // on by default
    expect(gatewayTemplate().gateway.config.reportsMetrics).toBe(true);
  });

  test.each<[string, object]>([
    ['dashboard', { dashboard: true }],
    ['alarms', { alarms: true }],
    ['agentDimension', { agentDimension: true }],
    ['namespace', { namespace: 'Team/Gw' }],
  ])('with observability.%s set fails: nothing would be published', (_name, observability) => {
    expect(() => gatewayTemplate({ metricsCallback: false, observability }))
      .toThrow(/^metricsCallback is false, so the gateway prints no metric lines/);
  });
});
