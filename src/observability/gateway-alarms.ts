import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { GatewayMetrics } from './gateway-metrics';

/** Thresholds and actions of the gateway's alarms. */
export interface GatewayAlarmsOptions {
  /**
   * Where alarms and their recovery are sent.
   *
   * @default - no action; the alarms show in the console
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Load balancer 5xx responses, percent of requests over 5 minutes.
   *
   * @default 5
   */
  readonly loadBalancer5xxPercent?: number;
  /**
   * 95th-percentile response time of the slowest model, over 5 minutes.
   *
   * @default Duration.seconds(60)
   */
  readonly p95Latency?: Duration;
  /**
   * Failed completions, percent of completions over 5 minutes.
   *
   * @default 5
   */
  readonly requestErrorPercent?: number;
  /**
   * Throttled completions (429), percent of completions over 5 minutes.
   *
   * @default 10
   */
  readonly throttlePercent?: number;
  /**
   * Estimated Bedrock spend over one day, in US dollars.
   *
   * @default - no spend alarm
   */
  readonly dailySpendLimitUsd?: number;
}

/** Properties of `GatewayAlarms`. */
export interface GatewayAlarmsProps extends GatewayAlarmsOptions {
  /** The gateway's metrics. */
  readonly metrics: GatewayMetrics;
  /** The gateway's ECS service. */
  readonly service: ecs.BaseService;
  /** The gateway's load balancer. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The gateway's target group. */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
}

/**
 * Alarms on the gateway: load balancer 5xx rate, unhealthy targets, p95 latency, error rate, throttling rate,
 * running tasks below desired, and optionally daily spend.
 */
export class GatewayAlarms extends Construct {
  /** Every alarm created. */
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: GatewayAlarmsProps) {
    super(scope, id);
    const percent = (name: string, value: number | undefined, fallback: number) => {
      const v = value ?? fallback;
      if (!(v > 0 && v <= 100)) throw new Error(`${name} must be a percentage above 0 and at most 100, got ${v}.`);
      return v;
    };
    const m = props.metrics;
    const lb = props.loadBalancer.metrics;
    const rate = (label: string, part: cloudwatch.IMetric, whole: cloudwatch.IMetric) =>
      new cloudwatch.MathExpression({ expression: 'IF(w > 0, 100 * p / w, 0)', usingMetrics: { p: part, w: whole }, label, period: Duration.minutes(5) });

    this.add('LoadBalancer5xxRate', 'Load balancer 5xx responses above the threshold (percent of requests)',
      rate('5xx %', new cloudwatch.MathExpression({
        expression: 'FILL(t, 0) + FILL(e, 0)',
        usingMetrics: { t: lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT), e: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT) },
      }), lb.requestCount()),
      percent('loadBalancer5xxPercent', props.loadBalancer5xxPercent, 5), 1, props.alarmTopic);

    this.add('UnhealthyTargets', 'Gateway tasks failing the load balancer health check',
      props.targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', period: Duration.minutes(1) }), 1, 3, props.alarmTopic);

    const p95 = props.p95Latency ?? Duration.seconds(60);
    if (p95.toMilliseconds() <= 0) throw new Error('p95Latency must be longer than 0.');
    this.add('P95Latency', 'p95 response time of the slowest model above the threshold (ms)',
      m.metricResponseTimeMs({ statistic: 'p95' }), p95.toMilliseconds(), 2, props.alarmTopic);

    this.add('RequestErrorRate', 'Failed completions above the threshold (percent)',
      rate('Errors %', m.metricRequestErrors(), m.metricRequestCount()), percent('requestErrorPercent', props.requestErrorPercent, 5), 2, props.alarmTopic);

    this.add('ThrottleRate', 'Throttled completions (429) above the threshold (percent)',
      rate('Throttles %', m.metricThrottles(), m.metricRequestCount()), percent('throttlePercent', props.throttlePercent, 10), 2, props.alarmTopic);

    // Container Insights publishes running and desired task counts per service.
    const insights = (metricName: string) => new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName,
      statistic: 'Average',
      period: Duration.minutes(1),
      dimensionsMap: { ClusterName: props.service.cluster.clusterName, ServiceName: props.service.serviceName },
    });
    this.add('TasksBelowDesired', 'Fewer gateway tasks running than desired',
      new cloudwatch.MathExpression({ expression: 'd - r', usingMetrics: { d: insights('DesiredTaskCount'), r: insights('RunningTaskCount') }, label: 'Missing tasks', period: Duration.minutes(1) }),
      1, 5, props.alarmTopic);

    if (props.dailySpendLimitUsd !== undefined) {
      if (!(props.dailySpendLimitUsd > 0)) throw new Error(`dailySpendLimitUsd must be above 0, got ${props.dailySpendLimitUsd}.`);
      this.add('DailySpend', 'Estimated Bedrock spend over one day above the budget (USD)',
        m.metricResponseCostUsd({ period: Duration.days(1) }), props.dailySpendLimitUsd, 1, props.alarmTopic);
    }
  }

  private add(id: string, description: string, metric: cloudwatch.IMetric, threshold: number, evaluationPeriods: number, topic?: sns.ITopic): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: `LLM gateway: ${description}`,
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (topic) {
      alarm.addAlarmAction(new cwActions.SnsAction(topic));
      alarm.addOkAction(new cwActions.SnsAction(topic));
    }
    this.alarms.push(alarm);
  }
}
