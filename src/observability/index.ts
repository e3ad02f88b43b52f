export * from './gateway-metrics';
export * from './gateway-dashboard';
export * from './gateway-alarms';
export * from './options';
