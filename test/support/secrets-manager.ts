import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Version {
  value?: string;
  stages: Set<string>;
}
interface StoredSecret {
  arn: string;
  name: string;
  rotationEnabled: boolean;
  versions: Map<string, Version>;
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A stateful stand-in for Secrets Manager on 127.0.0.1, speaking its JSON protocol, for the real
 * SDK client (pointed here with AWS_ENDPOINT_URL_SECRETS_MANAGER): versions with staging labels,
 * GetSecretValue by stage or version, PutSecretValue idempotent on its ClientRequestToken,
 * UpdateSecretVersionStage, DescribeSecret. No emulator runs here (no Docker), hence this.
 */
export class SecretsManagerStandIn {
  private readonly secrets = new Map<string, StoredSecret>();
  private server?: Server;
  /** Every call, in order: the operation and the secret it named. */
  readonly calls: { op: string; secretId?: string }[] = [];
  /** Answers the next calls of these operations with a 500 (a Secrets Manager outage). */
  failing = new Set<string>();

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const op = String(req.headers['x-amz-target'] ?? '').replace('secretsmanager.', '');
        const body = JSON.parse(raw || '{}');
        this.calls.push({ op, secretId: body.SecretId });
        let status = 200;
        let answer: unknown;
        try {
          if (this.failing.has(op))
            throw Object.assign(new AwsError('InternalServiceError', 'stand-in outage'), { status: 500 });
          answer = this.handle(op, body);
        } catch (err) {
          const e = err as AwsError & { status?: number };
          status = e.status ?? 400;
          answer = { __type: e.type ?? 'InternalServiceError', message: e.message };
        }
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Creates a secret (with a first AWSCURRENT value when given) and returns its ARN. */
  create(name: string, value?: string): string {
    const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-${randomUUID().slice(0, 6)}`;
    const secret: StoredSecret = { arn, name, rotationEnabled: false, versions: new Map() };
    this.secrets.set(arn, secret);
    if (value !== undefined) secret.versions.set(randomUUID(), { value, stages: new Set(['AWSCURRENT']) });
    return arn;
  }

  /**
   * What RotateSecret does before invoking the function: rotation on, a new version id labelled AWSPENDING, no value
   * yet.
   */
  beginRotation(arn: string): string {
    const secret = this.find(arn);
    secret.rotationEnabled = true;
    const token = randomUUID();
    this.moveStage(secret, 'AWSPENDING', token);
    secret.versions.set(token, { stages: new Set(['AWSPENDING']) });
    return token;
  }

  /** The value at a stage, for assertions. */
  valueAt(arn: string, stage = 'AWSCURRENT'): string | undefined {
    return [...this.find(arn).versions.values()].find((v) => v.stages.has(stage))?.value;
  }

  /** Each version's labels, as DescribeSecret shows them. */
  stages(arn: string): Record<string, string[]> {
    return Object.fromEntries([...this.find(arn).versions].map(([id, v]) => [id, [...v.stages]]));
  }

  private find(id: string): StoredSecret {
    const secret = this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.name === id);
    if (!secret) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** Takes `stage` off every other version; moving AWSCURRENT leaves AWSPREVIOUS on the version it left. */
  private moveStage(secret: StoredSecret, stage: string, to: string): void {
    for (const [id, v] of secret.versions) {
      if (id === to || !v.stages.has(stage)) continue;
      v.stages.delete(stage);
      if (stage === 'AWSCURRENT') {
        for (const other of secret.versions.values()) other.stages.delete('AWSPREVIOUS');
        v.stages.add('AWSPREVIOUS');
      }
    }
    secret.versions.get(to)?.stages.add(stage);
  }

  private handle(op: string, body: Record<string, unknown>): unknown {
    const secret = this.find(String(body.SecretId));
    const ids = { ARN: secret.arn, Name: secret.name };
    switch (op) {
      case 'GetSecretValue': {
        const stage = body.VersionStage as string | undefined;
        const entry = body.VersionId
          ? ([body.VersionId as string, secret.versions.get(body.VersionId as string)] as const)
          : [...secret.versions].find(([, v]) => v.stages.has(stage ?? 'AWSCURRENT'));
        const [id, version] = entry ?? [];
        if (!id || !version || version.value === undefined || (stage && !version.stages.has(stage))) {
          throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value.");
        }
        return { ...ids, VersionId: id, SecretString: version.value, VersionStages: [...version.stages] };
      }
      case 'PutSecretValue': {
        const id = (body.ClientRequestToken as string | undefined) ?? randomUUID();
        const stages = (body.VersionStages as string[] | undefined) ?? ['AWSCURRENT'];
        const existing = secret.versions.get(id);
        if (existing?.value !== undefined) {
          if (existing.value !== body.SecretString) {
            throw new AwsError('ResourceExistsException', 'A version with this ClientRequestToken already exists.');
          }
          return { ...ids, VersionId: id, VersionStages: [...existing.stages] };
        }
        secret.versions.set(id, { value: String(body.SecretString), stages: existing?.stages ?? new Set() });
        for (const stage of stages) this.moveStage(secret, stage, id);
        return { ...ids, VersionId: id, VersionStages: [...secret.versions.get(id)!.stages] };
      }
      case 'DescribeSecret':
        return { ...ids, RotationEnabled: secret.rotationEnabled, VersionIdsToStages: this.stages(secret.arn) };
      case 'UpdateSecretVersionStage': {
        const stage = String(body.VersionStage);
        const to = body.MoveToVersionId as string;
        const from = body.RemoveFromVersionId as string | undefined;
        const holder = [...secret.versions].find(([, v]) => v.stages.has(stage))?.[0];
        if (holder && holder !== to && holder !== from) {
          throw new AwsError('InvalidParameterException', `${stage} is on ${holder}: name it in RemoveFromVersionId.`);
        }
        if (!secret.versions.has(to)) throw new AwsError('ResourceNotFoundException', 'no such version');
        this.moveStage(secret, stage, to);
        if (stage === 'AWSCURRENT') secret.versions.get(to)!.stages.delete('AWSPENDING');
        return ids;
      }
      default:
        throw new AwsError('InvalidAction', `the stand-in does not do ${op}`);
    }
  }
}
