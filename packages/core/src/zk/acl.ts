import { createHash } from 'node:crypto';
import zookeeper from 'node-zookeeper-client';
import type { ZkAuth } from '../config/vars';

/**
 * An ACL entry as node-zookeeper-client builds and returns it. Its type definitions name the
 * permission field `perms` and lack the predefined ACLs; the library's field is `permission`.
 */
export interface Acl {
  readonly permission: number;
  readonly id: { readonly scheme: string; readonly id: string };
}

/** For the library's calls, which take its own ACL class (what `entry` builds). */
export const toLibrary = (acl: readonly Acl[]): zookeeper.ACL[] => acl as unknown as zookeeper.ACL[];
export const fromLibrary = (acl: readonly zookeeper.ACL[] | undefined): Acl[] => (acl ?? []) as unknown as Acl[];

const entry = (permission: number, scheme: string, id: string): Acl => new zookeeper.ACL(permission, new zookeeper.Id(scheme, id)) as unknown as Acl;

/** ZooKeeper's digest id of `user:password`: `user:base64(sha1("user:password"))`. */
export function digestId(auth: ZkAuth): string {
  return `${auth.user}:${createHash('sha1').update(`${auth.user}:${auth.password}`).digest('base64')}`;
}

/**
 * The ACL of every node redis-zk creates: with credentials, that identity may do everything and
 * everyone else may only read (clients and operators still see masters and sentinels); without,
 * ZooKeeper's open ACL (anyone may do anything).
 */
export function deploymentAcl(auth: ZkAuth | undefined): Acl[] {
  if (!auth) return [entry(zookeeper.Permission.ALL, 'world', 'anyone')];
  return [entry(zookeeper.Permission.ALL, 'digest', digestId(auth)), entry(zookeeper.Permission.READ, 'world', 'anyone')];
}

/** Whether two ACLs grant the same, in any order. */
export function sameAcl(a: readonly Acl[], b: readonly Acl[]): boolean {
  const key = (x: Acl) => `${x.id.scheme}|${x.id.id}|${x.permission}`;
  const ka = a.map(key).sort();
  const kb = b.map(key).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** The credentials as the client sends them (addAuthInfo, digest scheme). */
export const authBytes = (auth: ZkAuth): Buffer => Buffer.from(`${auth.user}:${auth.password}`);
