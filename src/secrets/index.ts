export * from './gateway-secrets';
