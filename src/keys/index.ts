export * from './virtual-key-provider';
export * from './gateway-virtual-key';
