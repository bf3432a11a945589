import type { Command } from 'commander';
import { ROLES, formatScope, parseScope } from '../../auth/scopes.js';
import { openTokenStore } from '../../auth/open-token-store.js';
import type { TokenRecord, TokenStore } from '../../auth/token-store.js';
import type { CliContext } from '../cli-context.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A token as the CLI shows it: scopes spelled as they are typed, never the hash (the store never answers it). */
function tokenView(token: TokenRecord): Record<string, unknown> {
  return {
    id: token.id,
    actor: token.actor,
    scopes: token.scopes.map(formatScope),
    createdAt: token.createdAt,
    createdBy: token.createdBy,
    revokedAt: token.revokedAt,
    revokedBy: token.revokedBy,
    lastUsedAt: token.lastUsedAt,
  };
}

function tokenLine(token: TokenRecord): string {
  const status = token.revokedAt ? `revoked ${token.revokedAt}` : 'active';
  const used = token.lastUsedAt ? `, last used ${token.lastUsedAt}` : ', never used';
  return `${token.id}  ${token.actor.padEnd(24)} ${token.scopes.map(formatScope).join(' ').padEnd(32)} ${status}  (created ${token.createdAt} by ${token.createdBy}${used})`;
}

/** Opens the token store beside the registry for one command and closes it whatever happens. */
async function withTokens<T>(cli: CliContext, fn: (tokens: TokenStore) => Promise<T>): Promise<T> {
  const tokens = openTokenStore(cli.database());
  try {
    return await fn(tokens);
  } finally {
    await tokens.close();
  }
}

export function addTokenCommands(program: Command, cli: CliContext): void {
  const token = program
    .command('token')
    .description('create, list and revoke API tokens for the HTTP service (bearer tokens with per-namespace scopes)');

  token
    .command('create <actor>')
    .description('create a token for <actor> (recorded on every event written with it) and print its secret, once')
    .option('--scope <namespace:role>', `what the token may do, e.g. order:read or *:admin; roles: ${ROLES.join(' < ')} (repeatable, at least one)`, collect)
    .addHelpText(
      'after',
      `
The secret is printed once, on stdout; stableid keeps only its SHA-256 hash, so a lost
secret cannot be recovered: revoke the token and create another. <actor> is a positional
argument because the global --actor names who creates the token (recorded as created-by).

Examples:
  $ stableid token create billing-service --scope order:read --scope customer:read
  $ stableid token create orders-team --scope order:write
  $ stableid token create ops --scope '*:admin' --json`,
    )
    .action(async (actor: string, opts: { scope?: string[] }) => {
      const scopes = (opts.scope ?? []).map(parseScope);
      const created = await withTokens(cli, (tokens) => tokens.create({ actor, scopes, createdBy: cli.actor, now: new Date() }));
      cli.note(
        `created token ${created.id} for ${created.actor} (${created.scopes.map(formatScope).join(', ')}).\n` +
          'The secret below is shown only now: store it safely; stableid keeps only its hash.',
      );
      cli.print(created.secret, { id: created.id, actor: created.actor, scopes: created.scopes.map(formatScope), secret: created.secret });
    });

  token
    .command('list')
    .description('list API tokens, revoked ones included (never their secrets or hashes)')
    .addHelpText('after', '\nExamples:\n  $ stableid token list\n  $ stableid token list --json')
    .action(async () => {
      const list = await withTokens(cli, (tokens) => tokens.list());
      cli.print(() => (list.length ? list.map(tokenLine).join('\n') : 'no API tokens yet'), list.map(tokenView));
    });

  token
    .command('revoke <id>')
    .description('revoke a token at once: its secret no longer authenticates (repeating it is a no-op)')
    .addHelpText('after', '\nExamples:\n  $ stableid token revoke 3f9c2a7d41b0e865\n  $ stableid token list --json')
    .action(async (id: string) => {
      const { token: revoked, changed } = await withTokens(cli, (tokens) => tokens.revoke(id, new Date(), cli.actor));
      cli.print(
        changed ? `revoked token ${revoked.id} (${revoked.actor})` : `token ${revoked.id} (${revoked.actor}) was already revoked at ${revoked.revokedAt}; nothing changed`,
        { ...tokenView(revoked), changed },
      );
    });
}
