/**
 * One EFS access point per environment: its own root folder on the file system and
 * a fixed POSIX identity, so one environment can never read another's home. Created
 * on the environment's first start, deleted with the environment.
 */
import {
  CreateAccessPointCommand,
  DeleteAccessPointCommand,
  DescribeAccessPointsCommand,
  type AccessPointDescription,
  type EFSClient,
} from '@aws-sdk/client-efs';
import { ProviderError } from '../../core/errors.js';
import { TAG, accessPointClientToken, homeDirectory } from './naming.js';
import { awsErrorName, isNotFound, providerErrorFrom } from './aws-errors.js';

export interface AccessPointOptions {
  fileSystemId: string;
  runnerId: string;
  uid: number;
  gid: number;
  pollIntervalMs: number;
  /** How long to wait for a new access point to become available. @default 60000 */
  availableTimeoutMs?: number;
}

/** Creates, finds and deletes environments' access points. */
export class AccessPoints {
  /** envId → access point id, for this process. */
  private readonly byEnv = new Map<string, string>();

  constructor(
    private readonly efs: EFSClient,
    private readonly o: AccessPointOptions,
  ) {}

  /** The environment's access point, created (idempotently, by client token) if it has none yet. */
  async ensure(envId: string, envName: string): Promise<string> {
    const known = this.byEnv.get(envId);
    if (known) return known;
    let id: string | undefined;
    let state: string | undefined;
    try {
      const out = await this.efs.send(new CreateAccessPointCommand({
        ClientToken: accessPointClientToken(envId),
        FileSystemId: this.o.fileSystemId,
        PosixUser: { Uid: this.o.uid, Gid: this.o.gid },
        RootDirectory: {
          Path: homeDirectory(envId),
          CreationInfo: { OwnerUid: this.o.uid, OwnerGid: this.o.gid, Permissions: '0750' },
        },
        Tags: [
          { Key: 'Name', Value: `airlock ${envName}` },
          { Key: TAG.env, Value: envId },
          { Key: TAG.envName, Value: envName },
          { Key: TAG.runner, Value: this.o.runnerId },
        ],
      }));
      id = out.AccessPointId;
      state = out.LifeCycleState;
    } catch (err) {
      // Same client token again (a retried or second start): EFS names the existing one.
      if (awsErrorName(err) === 'AccessPointAlreadyExists' && (err as { AccessPointId?: string }).AccessPointId) {
        id = (err as { AccessPointId: string }).AccessPointId;
      } else {
        throw providerErrorFrom(err, `creating the EFS access point for environment ${envId}`);
      }
    }
    if (!id) throw new ProviderError('EFS CreateAccessPoint returned no access point id');
    if (state !== 'available') await this.waitAvailable(id);
    this.byEnv.set(envId, id);
    return id;
  }

  private async waitAvailable(id: string): Promise<void> {
    const deadline = Date.now() + (this.o.availableTimeoutMs ?? 60_000);
    for (;;) {
      let ap: AccessPointDescription | undefined;
      try {
        ap = (await this.efs.send(new DescribeAccessPointsCommand({ AccessPointId: id }))).AccessPoints?.[0];
      } catch (err) {
        throw providerErrorFrom(err, `describing EFS access point ${id}`);
      }
      if (ap?.LifeCycleState === 'available') return;
      if (ap?.LifeCycleState === 'error' || ap?.LifeCycleState === 'deleting' || ap?.LifeCycleState === 'deleted') {
        throw new ProviderError(`EFS access point ${id} is ${ap.LifeCycleState}`, 'delete the environment and create it again; if it repeats, check the file system in the EFS console');
      }
      if (Date.now() >= deadline) throw new ProviderError(`EFS access point ${id} did not become available in time`, 'start the environment again');
      await new Promise((r) => setTimeout(r, this.o.pollIntervalMs));
    }
  }

  /** The environment's access point id, looked up by tag when this process did not create it. */
  async find(envId: string): Promise<string | undefined> {
    const known = this.byEnv.get(envId);
    if (known) return known;
    let NextToken: string | undefined;
    try {
      do {
        const out = await this.efs.send(new DescribeAccessPointsCommand({ FileSystemId: this.o.fileSystemId, MaxResults: 1000, NextToken }));
        const hit = out.AccessPoints?.find((ap) => ap.Tags?.some((t) => t.Key === TAG.env && t.Value === envId));
        if (hit?.AccessPointId) return hit.AccessPointId;
        NextToken = out.NextToken;
      } while (NextToken);
    } catch (err) {
      throw providerErrorFrom(err, `listing EFS access points of ${this.o.fileSystemId}`);
    }
    return undefined;
  }

  /** Deletes the environment's access point (the files stay on the file system). Missing is fine. */
  async remove(envId: string): Promise<string | undefined> {
    const id = await this.find(envId);
    this.byEnv.delete(envId);
    if (!id) return undefined;
    try {
      await this.efs.send(new DeleteAccessPointCommand({ AccessPointId: id }));
    } catch (err) {
      if (!isNotFound(err)) throw providerErrorFrom(err, `deleting EFS access point ${id}`);
    }
    return id;
  }
}
