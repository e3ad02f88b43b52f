/**
 * A set of controls that cost money or change operations, turned on together with `compliance`.
 */
export enum ComplianceProfile {
  /** The defaults: every control that costs little and changes nothing a user relies on. */
  DEFAULT = 'DEFAULT',
  /**
   * Passes AWS Control Tower's proactive controls on the gateway's resources: HTTPS only (port 80 redirects; needs
   * `certificate`), load balancer access logs (needs `accessLogsBucket`), deletion protection on the load balancer
   * and Aurora, log groups kept a year and encrypted with a customer managed KMS key the gateway creates (also for
   * the alarm topic), and Aurora enhanced monitoring every 60 s. About 2 USD a month beyond the default, plus log
   * and access-log storage (see the README's "Governed accounts").
   */
  CONTROL_TOWER = 'CONTROL_TOWER',
}
