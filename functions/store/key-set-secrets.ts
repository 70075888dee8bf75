import type { KeySetSecrets } from '../core/key-rotation';
import { secretsManager } from './secrets';

const isNotFound = (err: unknown) => (err as { name?: string })?.name === 'ResourceNotFoundException';

/** The KeySetSecrets of the rotation over Secrets Manager: the private key set and its public copy. */
export function keySetSecrets(privateArn: string, publicArn: string): KeySetSecrets {
  return {
    async describe() {
      const { client, module } = await secretsManager();
      const out = await client.send(new module.DescribeSecretCommand({ SecretId: privateArn }));
      return { rotationEnabled: out.RotationEnabled === true, versions: out.VersionIdsToStages ?? {} };
    },
    async readPrivate(stage, versionId) {
      const { client, module } = await secretsManager();
      try {
        const command = new module.GetSecretValueCommand({
          SecretId: privateArn,
          VersionStage: stage,
          VersionId: versionId,
        });
        return (await client.send(command)).SecretString;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async writePrivate(value, versionId, stage) {
      const { client, module } = await secretsManager();
      const command = new module.PutSecretValueCommand({
        SecretId: privateArn,
        SecretString: value,
        ClientRequestToken: versionId,
        VersionStages: [stage],
      });
      await client.send(command);
    },
    async writePublic(value) {
      const { client, module } = await secretsManager();
      await client.send(new module.PutSecretValueCommand({ SecretId: publicArn, SecretString: value }));
    },
    async makeCurrent(versionId, fromVersionId) {
      const { client, module } = await secretsManager();
      const command = new module.UpdateSecretVersionStageCommand({
        SecretId: privateArn,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: versionId,
        RemoveFromVersionId: fromVersionId,
      });
      await client.send(command);
    },
  };
}
