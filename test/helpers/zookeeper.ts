/** Tests run the same ZooKeeper the local stack does: Debian's, on a free loopback port. */
export { LocalZooKeeper as ZooKeeperServer } from '../../packages/local-stack/src/zookeeper';
