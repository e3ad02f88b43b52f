export * from './gateway-database';
