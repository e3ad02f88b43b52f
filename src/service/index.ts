export * from './gateway-image';
export * from './options';
export * from './gateway-service';
