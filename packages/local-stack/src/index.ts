export * from './managed-process';
export * from './ports';
export * from './zookeeper';
export * from './marathon';
export * from './launcher';
export * from './stack';
export * from './secrets';
