export * from './gateway-cache';
