/**
 * The credentials a Lambda function has, and nothing else: what the
 * consumer bundle gets in place of the SDK clients' default credential
 * chain (@aws-sdk/credential-provider-node), by an esbuild alias in the
 * stack's bundling (src/cdk/consumer-bundling.ts, LAMBDA_CREDENTIALS_ALIAS).
 *
 * Lambda puts the execution role's credentials in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first
 * link of the default chain, so a function resolves to the same credentials
 * either way. The rest of the chain (SSO, profiles and their STS role
 * assumption, web identity, process, the container and instance metadata
 * endpoints) and the STS, SSO and sign-in clients it carries
 * (@aws-sdk/nested-clients) stay out of the bundle: about 130 KB (issue 17).
 * The publisher and the ops CLI keep the default chain: they run on
 * developers' machines and CI as well.
 */
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

/** Stands in for `defaultProvider` of @aws-sdk/credential-provider-node, the one export the SDK clients import from it. */
export function defaultProvider(init?: FromEnvInit): ReturnType<typeof fromEnv> {
  return fromEnv(init);
}
