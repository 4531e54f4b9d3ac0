/** What the CLI's AWS clients share. */

/** Local endpoints take any credentials; supply placeholders when none are configured. */
export function credentialsFor(endpoint: string | undefined, env: NodeJS.ProcessEnv) {
  if (!endpoint || env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE) return {};
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
}

export const regionOf = (given: string | undefined, env: NodeJS.ProcessEnv) => given ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
