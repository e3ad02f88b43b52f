import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULTS } from '../private/defaults';

/** Properties of `GatewayMetrics`. */
export interface GatewayMetricsProps {
  /** The gateway's log group, where the metrics callback prints its lines. */
  readonly logGroup: logs.ILogGroup;
  /** The Bedrock model ids the gateway calls: the values of the `Model` dimension, summed for totals. */
  readonly models: string[];
  /**
   * The CloudWatch namespace.
   *
   * @default 'LlmGateway'
   */
  readonly namespace?: string;
  /**
   * Also publish the request, token and cost metrics with an `Agent` dimension (the virtual key's alias). Each
   * agent × model pair is a custom metric billed per month; per-agent spend is on the dashboard through
   * Logs Insights either way.
   *
   * @default false
   */
  readonly agentDimension?: boolean;
}

/** The metrics the filters publish. */
export enum GatewayMetricName {
  /** Completions, successful or not. */
  REQUEST_COUNT = 'RequestCount',
  /** Prompt tokens of successful completions. */
  INPUT_TOKENS = 'InputTokens',
  /** Completion tokens of successful completions. */
  OUTPUT_TOKENS = 'OutputTokens',
  /** All tokens of successful completions. */
  TOTAL_TOKENS = 'TotalTokens',
  /** LiteLLM's cost estimate of successful completions, in US dollars. */
  RESPONSE_COST_USD = 'ResponseCostUSD',
  /** Time from request to last token. */
  RESPONSE_TIME_MS = 'ResponseTimeMs',
  /** Completions that failed (status 400 and above). */
  REQUEST_ERRORS = 'RequestErrors',
  /** Completions refused with 429: Bedrock throttling or a rate limit, which the fallback then absorbs. */
  THROTTLES = 'Throttles',
  /** LiteLLM log lines at level ERROR. */
  APPLICATION_ERRORS = 'ApplicationErrors',
}

interface FilterSpec {
  readonly name: GatewayMetricName;
  readonly condition?: string;
  readonly value: string;
  readonly unit: cloudwatch.Unit;
}

const SELECTOR = '$.litellm_metric IS TRUE';
// The metrics of the design, plus Throttles. The field names are the callback's (assets/service/litellm/callbacks/metrics_logger.py).
const FILTERS: FilterSpec[] = [
  { name: GatewayMetricName.REQUEST_COUNT, value: '1', unit: cloudwatch.Unit.COUNT },
  { name: GatewayMetricName.INPUT_TOKENS, condition: '$.status_code = 200', value: '$.prompt_tokens', unit: cloudwatch.Unit.COUNT },
  { name: GatewayMetricName.OUTPUT_TOKENS, condition: '$.status_code = 200', value: '$.completion_tokens', unit: cloudwatch.Unit.COUNT },
  { name: GatewayMetricName.TOTAL_TOKENS, condition: '$.status_code = 200', value: '$.total_tokens', unit: cloudwatch.Unit.COUNT },
  { name: GatewayMetricName.RESPONSE_COST_USD, condition: '$.status_code = 200', value: '$.response_cost', unit: cloudwatch.Unit.NONE },
  { name: GatewayMetricName.RESPONSE_TIME_MS, value: '$.response_time_ms', unit: cloudwatch.Unit.MILLISECONDS },
  { name: GatewayMetricName.REQUEST_ERRORS, condition: '$.status_code >= 400', value: '1', unit: cloudwatch.Unit.COUNT },
  { name: GatewayMetricName.THROTTLES, condition: '$.status_code = 429', value: '1', unit: cloudwatch.Unit.COUNT },
];
const AGENT_METRICS = new Set([GatewayMetricName.REQUEST_COUNT, GatewayMetricName.INPUT_TOKENS, GatewayMetricName.OUTPUT_TOKENS,
  GatewayMetricName.TOTAL_TOKENS, GatewayMetricName.RESPONSE_COST_USD]);

/**
 * Metric filters on the gateway's log group, and a factory for the metrics they publish. Deployable in another
 * stack than the gateway and removable without touching it.
 */
export class GatewayMetrics extends Construct {
  /** The CloudWatch namespace. */
  public readonly namespace: string;
  /** The metric filters, by metric name. */
  public readonly metricFilters: logs.MetricFilter[];
  /** The `Model` dimension values. */
  public readonly models: string[];
  /** Whether the request, token and cost metrics also carry an `Agent` dimension. */
  public readonly agentDimension: boolean;

  constructor(scope: Construct, id: string, props: GatewayMetricsProps) {
    super(scope, id);
    this.namespace = props.namespace ?? DEFAULTS.metricsNamespace;
    if (!/^[A-Za-z0-9._\-/#:]{1,255}$/.test(this.namespace) || this.namespace.startsWith('AWS/')) {
      throw new Error(`namespace '${this.namespace}' is not a custom CloudWatch namespace: letters, digits and . - _ / # : , not starting with 'AWS/'.`);
    }
    if (props.models.length === 0) {
      throw new Error('models is empty: name the Bedrock model ids the gateway calls (LlmGateway does this for you).');
    }
    this.models = [...new Set(props.models)];
    this.agentDimension = props.agentDimension ?? false;

    const filter = (filterId: string, f: FilterSpec, dimensions?: Record<string, string>) => new logs.MetricFilter(this, filterId, {
      logGroup: props.logGroup,
      filterPattern: logs.FilterPattern.literal(f.condition ? `{ (${SELECTOR}) && (${f.condition}) }` : `{ ${SELECTOR} }`),
      metricNamespace: this.namespace,
      metricName: f.name,
      metricValue: f.value,
      unit: f.unit,
      dimensions,
    });
    this.metricFilters = FILTERS.map((f) => filter(f.name, f, { Model: '$.model' }));
    if (this.agentDimension) {
      // A second filter per metric: the same metric name with {Model, Agent}, so the per-model metrics and their
      // totals stay as they are.
      for (const f of FILTERS.filter((x) => AGENT_METRICS.has(x.name))) {
        this.metricFilters.push(filter(`${f.name}ByAgent`, f, { Model: '$.model', Agent: '$.key_alias' }));
      }
    }
    this.metricFilters.push(new logs.MetricFilter(this, GatewayMetricName.APPLICATION_ERRORS, {
      logGroup: props.logGroup,
      filterPattern: logs.FilterPattern.literal('{ $.level = "ERROR" }'),
      metricNamespace: this.namespace,
      metricName: GatewayMetricName.APPLICATION_ERRORS,
      metricValue: '1',
      unit: cloudwatch.Unit.COUNT,
    }));
  }

  /** One metric of one Bedrock model. */
  public metricForModel(metricName: GatewayMetricName, model: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: metricName === GatewayMetricName.APPLICATION_ERRORS ? undefined : { Model: model },
      statistic: metricName === GatewayMetricName.RESPONSE_TIME_MS ? 'Average' : 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** One metric over all models: a sum of the per-model metrics (for response time, the slowest model's value). */
  public metric(metricName: GatewayMetricName, props: cloudwatch.MetricOptions = {}): cloudwatch.IMetric {
    if (metricName === GatewayMetricName.APPLICATION_ERRORS) {
      return this.metricForModel(metricName, '', props);
    }
    // Ids unique per metric name, so that expressions over several of these metrics can be nested.
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    this.models.forEach((m, i) => { usingMetrics[`${metricName.toLowerCase()}${i}`] = this.metricForModel(metricName, m, props); });
    const ids = Object.keys(usingMetrics);
    const expression = metricName === GatewayMetricName.RESPONSE_TIME_MS
      ? `MAX([${ids.join(', ')}])`
      : ids.map((k) => `FILL(${k}, 0)`).join(' + ');
    return new cloudwatch.MathExpression({ expression, usingMetrics, label: props.label ?? metricName, period: props.period ?? Duration.minutes(5) });
  }

  /**
   * One metric of one agent (the alias of its virtual key, `key.keyAlias`) over all models. Needs `agentDimension`;
   * request count, token and cost metrics only.
   */
  public metricForAgent(metricName: GatewayMetricName, agent: string, props: cloudwatch.MetricOptions = {}): cloudwatch.IMetric {
    if (!this.agentDimension) {
      throw new Error(`metricForAgent('${metricName}', '${agent}'): the gateway publishes no Agent dimension; turn on observability.agentDimension.`);
    }
    if (!AGENT_METRICS.has(metricName)) {
      throw new Error(`metricForAgent: ${metricName} has no Agent dimension; use one of ${[...AGENT_METRICS].join(', ')}.`);
    }
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    this.models.forEach((model, i) => {
      usingMetrics[`${metricName.toLowerCase()}agent${i}`] = new cloudwatch.Metric({
        namespace: this.namespace,
        metricName,
        dimensionsMap: { Model: model, Agent: agent },
        statistic: 'Sum',
        period: Duration.minutes(5),
        ...props,
      });
    });
    const expression = Object.keys(usingMetrics).map((k) => `FILL(${k}, 0)`).join(' + ');
    return new cloudwatch.MathExpression({ expression, usingMetrics, label: props.label ?? `${metricName} ${agent}`, period: props.period ?? Duration.minutes(5) });
  }

  /** Completions over all models. */
  public metricRequestCount(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metric(GatewayMetricName.REQUEST_COUNT, props);
  }
  /** Prompt tokens over all models. */
  public metricInputTokens(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metric(GatewayMetricName.INPUT_TOKENS, props);
  }
  /** Completion tokens over all models. */
  public metricOutputTokens(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metric(GatewayMetricName.OUTPUT_TOKENS, props);
  }
  /** All tokens over all models. */
  public metricTotalTokens(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metric(GatewayMetricName.TOTAL_TOKENS, props);
  }
  /** Estimated cost in US dollars over all models. */
  public metricResponseCostUsd(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metric(GatewayMetricName.RESPONSE_COST_USD, props);
  }
  /** Response time of the slowest model (statistic per model, e.g. `p95`). */
  public metricResponseTimeMs(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metric(GatewayMetricName.RESPONSE_TIME_MS, props);
  }
  /** Failed completions over all models. */
  public metricRequestErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metric(GatewayMetricName.REQUEST_ERRORS, props);
  }
  /** Throttled completions (429) over all models. */
  public metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metric(GatewayMetricName.THROTTLES, props);
  }
  /** LiteLLM error log lines. */
  public metricApplicationErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metric(GatewayMetricName.APPLICATION_ERRORS, props);
  }
}
